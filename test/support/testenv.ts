// What tests know of the local environment: the variables `npm test` exports, and private environments for
// tests that must stop a component without disturbing the others.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { exec, type ExecResult } from '../../hack/testenv/exec.js';
import { downAll, Environment, type UpOptions } from '../../hack/testenv/environment.js';
import { onCleanup } from './cleanup.js';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(
      `${name} is not set: run the tests with \`npm test\`, or source .testenv/env after \`npm run testenv -- up\``,
    );
  }
  return value;
}

export interface KubeEnv {
  kubeconfig: string;
  /** Folder with kubectl, helm, etcd and kube-apiserver; empty when they come from PATH (an external cluster). */
  bin: string;
}

export function requireKube(): KubeEnv {
  return { kubeconfig: required('KUBECONFIG'), bin: process.env.TESTENV_BIN ?? '' };
}

export interface KafkaEnv {
  brokers: string;
  saslBrokers: string;
  sslBrokers: string;
  mtlsBrokers: string;
  caFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  plain: { username: string; password: string };
  scram: { username: string; password: string };
}

/** The PLAINTEXT broker; always there. */
export function requireKafkaBrokers(): string {
  return required('KAFKA_BROKERS');
}

/** The broker's jars (its command-line tools among them). */
export function requireKafkaLibs(): string {
  return required('KAFKA_LIBS');
}

/** Every listener and test user; the local environment has them all, an external broker may not. */
export function requireKafka(): KafkaEnv {
  return {
    brokers: required('KAFKA_BROKERS'),
    saslBrokers: required('KAFKA_SASL_BROKERS'),
    sslBrokers: required('KAFKA_SSL_BROKERS'),
    mtlsBrokers: required('KAFKA_MTLS_BROKERS'),
    caFile: required('KAFKA_CA_FILE'),
    clientCertFile: required('KAFKA_CLIENT_CERT_FILE'),
    clientKeyFile: required('KAFKA_CLIENT_KEY_FILE'),
    plain: { username: required('KAFKA_PLAIN_USERNAME'), password: required('KAFKA_PLAIN_PASSWORD') },
    scram: { username: required('KAFKA_SCRAM_USERNAME'), password: required('KAFKA_SCRAM_PASSWORD') },
  };
}

function tool(name: 'kubectl' | 'helm'): string {
  const bin = process.env.TESTENV_BIN;
  return bin === undefined || bin === '' ? name : join(bin, name);
}

/** Runs the environment's kubectl against the test cluster (or another kubeconfig). */
export function kubectl(
  args: string[],
  opts: { stdin?: string; kubeconfig?: string } = {},
): Promise<ExecResult> {
  const kubeconfig = opts.kubeconfig ?? requireKube().kubeconfig;
  return exec(
    tool('kubectl'),
    ['--kubeconfig', kubeconfig, ...args],
    opts.stdin === undefined ? {} : { stdin: opts.stdin },
  );
}

/** Runs the environment's helm against the test cluster (or another kubeconfig). */
export function helm(args: string[], opts: { kubeconfig?: string } = {}): Promise<ExecResult> {
  const kubeconfig = opts.kubeconfig ?? requireKube().kubeconfig;
  return exec(tool('helm'), ['--kubeconfig', kubeconfig, ...args]);
}

/** A short random suffix for names that must not collide between tests running at once. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/**
 * A whole environment of the test's own (its own etcd, kube-apiserver and/or Kafka), for tests that stop and
 * start components. Torn down, data and all, after the test.
 */
export async function startPrivateEnv(t: TestContext, options: UpOptions): Promise<Environment> {
  const stateDir = join(required('TESTENV_DIR'), 'private', randomBytes(4).toString('hex'));
  // Registered before `up`, so a start that fails half way still stops what it started.
  onCleanup(t, async () => {
    await downAll(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
  });
  return Environment.up(stateDir, options);
}

export interface PrivateKube {
  kubeconfig: string;
  stopApiServer(): Promise<void>;
  /** Same port, same etcd: the data survives. */
  startApiServer(): Promise<void>;
  /** Compacts etcd so that every older resourceVersion answers 410 Gone. */
  compactEtcd(): Promise<void>;
}

export async function startPrivateKube(
  t: TestContext,
  options: { apiserverFlags?: string[] } = {},
): Promise<PrivateKube> {
  const env = await startPrivateEnv(t, { kube: true, kafka: false, ...options });
  const kubeconfig = env.vars().KUBECONFIG;
  if (kubeconfig === undefined) throw new Error('private environment has no kubeconfig');
  return {
    kubeconfig,
    stopApiServer: () => env.stop('kube-apiserver'),
    startApiServer: () => env.start('kube-apiserver'),
    compactEtcd: () => env.compactEtcd(),
  };
}

/** Pids of live processes whose command line mentions the directory: what an environment left running. */
export function processesMentioning(dir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

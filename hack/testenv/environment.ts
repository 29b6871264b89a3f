import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOrCreateConfig, type EnvConfig } from './config.js';
import { ETCD, startEtcd } from './etcd.js';
import { KAFKA, kafkaAddresses, startKafka } from './kafka.js';
import { apiserverUrl, KUBE_APISERVER, startApiserver, writeKubeconfigs } from './kube.js';
import { existingNodeLayout, type NodeLayout } from './node/layout.js';
import {
  apiserverNodeOptions,
  kafkaPodListeners,
  nodeSans,
  nodeVars,
  prepareNode,
  startNode,
  startRuntime,
  stopNode,
} from './node/node.js';
import { ensurePki, type Pki } from './pki.js';
import { allRecords, ExitedDuringStartup, isOurs, readRecord, stopProcess } from './processes.js';
import { progress, step } from './progress.js';
import { provision, type Toolchain } from './provision.js';
import { kafkaVersion, type KafkaVersion } from './versions.js';

export type ComponentName = typeof ETCD | typeof KUBE_APISERVER | typeof KAFKA;

export interface UpOptions {
  /** Start etcd and kube-apiserver (default true). */
  kube?: boolean;
  /** Start the Kafka broker (default true). */
  kafka?: boolean;
  /** Start a node beside the API server: hack/testenv/node (default false; `testenv up` and `npm test` ask for one). */
  node?: boolean;
  /** Which broker (default: `TESTENV_KAFKA_VERSION`, else the newest). */
  kafkaVersion?: KafkaVersion;
  /** Flags for kube-apiserver beyond the environment's own (a test's private environment; not kept for attach). */
  apiserverFlags?: string[];
}

/** The variables a test, the demo or a user's shell gets: written to `<state>/env` as KEY=VALUE lines. */
export type EnvVars = Record<string, string>;

/** One local control plane: its state directory, tools and config; every process it starts is recorded there. */
export class Environment {
  private constructor(
    readonly stateDir: string,
    readonly tools: Toolchain,
    readonly config: EnvConfig,
    readonly pki: Pki,
    private readonly options: Required<Omit<UpOptions, 'node'>>,
    readonly node: NodeLayout | undefined,
  ) {}

  /** Provisions what is missing, then starts (or finds running) every requested component and waits for it. */
  static async up(stateDir: string, options: UpOptions = {}): Promise<Environment> {
    const version = options.kafkaVersion ?? kafkaVersion();
    const tools = await provision(version);
    mkdirSync(stateDir, { recursive: true });
    const config = await loadOrCreateConfig(stateDir);
    const kube = options.kube ?? true;
    const node =
      options.node === true && kube ? await prepareNode(stateDir, config.ports.apiserver) : undefined;
    const pki = await ensurePki(stateDir, node === undefined ? [] : nodeSans(node));
    const env = new Environment(
      stateDir,
      tools,
      config,
      pki,
      {
        kube,
        kafka: options.kafka ?? true,
        kafkaVersion: version,
        apiserverFlags: options.apiserverFlags ?? [],
      },
      node,
    );
    env.linkBin();
    const starts: Promise<void>[] = [];
    if (env.options.kube) {
      const runtime = node === undefined ? undefined : startRuntime(node);
      starts.push(
        (async () => {
          await env.start(ETCD);
          await env.start(KUBE_APISERVER);
          if (node === undefined) return;
          await runtime;
          const admin = writeKubeconfigs(stateDir, config, pki).admin;
          await startNode(
            node,
            { ...tools.kubeNode, kubectl: tools.kubectl },
            pki,
            admin,
            config.ports.apiserver,
          );
        })(),
      );
    }
    if (env.options.kafka) starts.push(env.start(KAFKA));
    await Promise.all(starts);
    env.writeEnvFile();
    return env;
  }

  /** An environment that `up` started earlier (maybe from another process), to stop and start its parts. */
  static async attach(stateDir: string): Promise<Environment> {
    if (!existsSync(join(stateDir, 'config.json')))
      throw new Error(`no environment in ${stateDir}: run up first`);
    const version = kafkaVersion();
    const tools = await provision(version);
    const config = await loadOrCreateConfig(stateDir);
    const node = existingNodeLayout(stateDir);
    const pki = await ensurePki(stateDir, node === undefined ? [] : nodeSans(node));
    return new Environment(
      stateDir,
      tools,
      config,
      pki,
      { kube: true, kafka: true, kafkaVersion: version, apiserverFlags: [] },
      node,
    );
  }

  /** A folder holding kubectl, helm, etcd and kube-apiserver: `TESTENV_BIN`. */
  get binDir(): string {
    return join(this.stateDir, 'bin');
  }

  private linkBin(): void {
    rmSync(this.binDir, { recursive: true, force: true });
    mkdirSync(this.binDir);
    const { kubeApiserver, kubectl, etcd, helm } = this.tools;
    for (const [name, target] of Object.entries({ 'kube-apiserver': kubeApiserver, kubectl, etcd, helm })) {
      symlinkSync(target, join(this.binDir, name));
    }
  }

  isRunning(name: ComponentName): boolean {
    const record = readRecord(this.stateDir, name);
    return record !== undefined && isOurs(record);
  }

  /** Starts one component (idempotent), on the ports and data it had before; once more if it dies starting. */
  async start(name: ComponentName): Promise<void> {
    if (this.isRunning(name)) return;
    await step(`start ${name}`, async () => {
      try {
        await this.launch(name);
      } catch (error) {
        if (!(error instanceof ExitedDuringStartup)) throw error;
        progress(`${error.message}\nstarting ${name} once more`);
        await this.launch(name);
      }
    });
  }

  private async launch(name: ComponentName): Promise<void> {
    switch (name) {
      case ETCD:
        await startEtcd(this.stateDir, this.tools.etcd, this.config);
        break;
      case KUBE_APISERVER:
        await startApiserver(
          this.stateDir,
          this.tools.kubeApiserver,
          this.config,
          this.pki,
          this.node && apiserverNodeOptions(this.node),
          this.options.apiserverFlags,
        );
        break;
      case KAFKA:
        await startKafka(
          this.stateDir,
          this.tools.kafkaLibs,
          this.options.kafkaVersion,
          this.config,
          this.pki,
          this.node === undefined ? [] : kafkaPodListeners(this.node),
        );
        break;
    }
  }

  /** Compacts etcd to its current revision, so that any older resourceVersion answers 410 Gone. */
  async compactEtcd(): Promise<void> {
    const url = `http://127.0.0.1:${this.config.ports.etcdClient}/v3/kv`;
    const range = await fetch(`${url}/range`, { method: 'POST', body: JSON.stringify({ key: 'Lw==' }) });
    const { header } = (await range.json()) as { header: { revision: string } };
    const compaction = await fetch(`${url}/compaction`, {
      method: 'POST',
      body: JSON.stringify({ revision: header.revision, physical: true }),
    });
    if (!compaction.ok)
      throw new Error(`etcd compaction failed: ${compaction.status} ${await compaction.text()}`);
  }

  /** Stops one component; its data stays for the next start. */
  async stop(name: ComponentName): Promise<void> {
    await stopProcess(this.stateDir, name);
  }

  vars(): EnvVars {
    const vars: EnvVars = {
      TESTENV_DIR: this.stateDir,
      TESTENV_BIN: this.binDir,
      TESTENV_NODE: this.tools.node,
    };
    if (this.options.kube) {
      const kubeconfigs = writeKubeconfigs(this.stateDir, this.config, this.pki);
      Object.assign(vars, {
        KUBECONFIG: kubeconfigs.admin,
        TESTENV_UNPRIVILEGED_KUBECONFIG: kubeconfigs.unprivileged,
        KUBE_APISERVER_URL: apiserverUrl(this.config),
      });
    }
    if (this.options.kafka) {
      const addresses = kafkaAddresses(this.config);
      const { plain, scram } = this.config.kafkaUsers;
      Object.assign(vars, {
        KAFKA_BROKERS: addresses.plaintext,
        KAFKA_SASL_BROKERS: addresses.saslPlaintext,
        KAFKA_SSL_BROKERS: addresses.saslSsl,
        KAFKA_MTLS_BROKERS: addresses.ssl,
        KAFKA_CA_FILE: this.pki.caCert,
        KAFKA_CLIENT_CERT_FILE: this.pki.clientCert,
        KAFKA_CLIENT_KEY_FILE: this.pki.clientKey,
        KAFKA_PLAIN_USERNAME: plain.username,
        KAFKA_PLAIN_PASSWORD: plain.password,
        KAFKA_SCRAM_USERNAME: scram.username,
        KAFKA_SCRAM_PASSWORD: scram.password,
        KAFKA_LIBS: this.tools.kafkaLibs,
        TESTENV_KAFKA_VERSION: this.options.kafkaVersion,
      });
    }
    if (this.node !== undefined) Object.assign(vars, nodeVars(this.node));
    return vars;
  }

  get envFile(): string {
    return join(this.stateDir, 'env');
  }

  private writeEnvFile(): void {
    const lines = Object.entries(this.vars()).map(([key, value]) => `${key}=${value}`);
    writeFileSync(this.envFile, `${lines.join('\n')}\n`, { mode: 0o600 });
  }

  /** Stops every process this environment started, and those of environments nested in its state directory. */
  async down(): Promise<void> {
    await downAll(this.stateDir);
  }
}

/**
 * Runs `work` on an empty state directory (whatever an earlier run left there stopped and removed) and stops
 * everything it started afterwards, also on SIGINT and SIGTERM: `npm test` and `npm run bench` each run this way.
 */
export async function inFreshState<T>(stateDir: string, work: () => Promise<T>): Promise<T> {
  const teardown = async (): Promise<void> => {
    await downAll(stateDir);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void teardown().finally(() => process.exit(130));
    });
  }
  try {
    await downAll(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
    return await work();
  } finally {
    await teardown();
  }
}

/** Stops every recorded process under a state directory; returns what it stopped. */
export async function downAll(stateDir: string): Promise<string[]> {
  const records = allRecords(stateDir);
  // The API server before its store, so it does not spend its last seconds retrying etcd.
  const order = [KUBE_APISERVER, KAFKA, ETCD];
  records.sort((a, b) => order.indexOf(a.record.name) - order.indexOf(b.record.name));
  const stopped: string[] = [];
  // Nodes first (the kubelet before the API server), with what their pods leave behind.
  for (const dir of new Set([stateDir, ...records.map((r) => r.stateDir)]))
    stopped.push(...(await stopNode(dir)));
  for (const { stateDir: dir, record } of records) {
    if (isOurs(record)) stopped.push(`${record.name} (pid ${record.pid})`);
    await stopProcess(dir, record.name);
  }
  rmSync(join(stateDir, 'env'), { force: true });
  return stopped;
}

/** Parses an env file written by `up`. */
export function readEnvFile(path: string): EnvVars {
  const vars: EnvVars = {};
  if (!existsSync(path)) return vars;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) vars[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return vars;
}

/** A user who points at their own cluster and broker (kind, a Kafka container) skips provisioning. */
export function externalEnvironment(): EnvVars | undefined {
  const { KUBECONFIG, KAFKA_BROKERS } = process.env;
  if (KUBECONFIG === undefined || KAFKA_BROKERS === undefined) return undefined;
  const vars: EnvVars = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      value !== undefined &&
      (key === 'KUBECONFIG' || key.startsWith('KAFKA_') || key === 'TESTENV_BIN' || key === 'TESTENV_NODE')
    ) {
      vars[key] = value;
    }
  }
  return vars;
}

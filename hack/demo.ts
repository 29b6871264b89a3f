// `npm run demo`: the operator's whole job on the local control plane. Brings the environment up, installs the CRD,
// starts the operator, applies examples/minimal.yaml (pointed at the local broker), shows `kubectl get
// clusterregistrations` and the record in the topic, then deletes it and shows the tombstone. In a terminal it
// keeps everything running until Ctrl-C; in CI (or without a terminal) it tears down at once.
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { parse } from 'yaml';
import { CRD_FILE } from '../src/api/crd.js';
import { exec } from './testenv/exec.js';
import { downAll, Environment, externalEnvironment, type EnvVars } from './testenv/environment.js';
import { defaultStateDir, repoRoot } from './testenv/paths.js';

const REGISTRY = 'cluster.registry';
const NAMESPACE = 'cluster-registry-system';

function say(line: string): void {
  process.stdout.write(`\n== ${line}\n`);
}

function kubectlOf(vars: EnvVars) {
  const bin = vars.TESTENV_BIN === undefined ? 'kubectl' : join(vars.TESTENV_BIN, 'kubectl');
  return async (args: string[], stdin?: string): Promise<string> => {
    const result = await exec(
      bin,
      ['--kubeconfig', vars.KUBECONFIG ?? '', ...args],
      stdin === undefined ? {} : { stdin },
    );
    if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
}

/** The latest record of `key` in the registry topic, read by a consumer of its own (as the control plane would). */
async function latestRecord(brokers: string, key: string, wantTombstone: boolean): Promise<string> {
  const kafka = new Kafka({ clientId: 'demo-reader', brokers: [brokers], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `demo-${String(Date.now())}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [REGISTRY], fromBeginning: true });
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no ${wantTombstone ? 'tombstone' : 'registration'} for ${key} within 30 s`));
      }, 30_000);
      void consumer.run({
        eachMessage: ({ partition, message }) => {
          if (message.key?.toString() !== key || (message.value === null) !== wantTombstone)
            return Promise.resolve();
          clearTimeout(timer);
          const headers = Object.entries(message.headers ?? {})
            .map(([name, value]) => `  ${name}: ${String(value)}`)
            .join('\n');
          const value = message.value === null ? 'null (tombstone)' : message.value.toString();
          resolve(
            `partition ${partition} offset ${message.offset}\nkey: ${key}\nvalue: ${value}\nheaders:\n${headers}`,
          );
          return Promise.resolve();
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
}

async function main(): Promise<void> {
  const stateDir = defaultStateDir();
  const external = externalEnvironment();
  const vars = external ?? (await Environment.up(stateDir)).vars();
  const brokers = vars.KAFKA_BROKERS ?? '';
  const kubectl = kubectlOf(vars);
  const logFile = join(stateDir, 'demo-operator.log');
  const log = createWriteStream(logFile);
  const operator = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repoRoot, 'src', 'cli', 'main.ts'),
      'run',
      '--kubeconfig',
      vars.KUBECONFIG ?? '',
      '--namespace',
      NAMESPACE,
      '--http-port',
      '0',
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  operator.stdout.pipe(log);
  operator.stderr.pipe(log);
  const teardown = async () => {
    operator.kill('SIGTERM');
    await new Promise((resolve) => operator.once('exit', resolve));
    if (external === undefined) await downAll(stateDir);
  };
  try {
    say(`kubectl apply -f ${CRD_FILE}; namespace ${NAMESPACE}`);
    process.stdout.write(await kubectl(['apply', '-f', join(repoRoot, CRD_FILE)]));
    await kubectl(['wait', '--for=condition=Established', 'crd/clusterregistrations.registry.kgroot.io']);
    await kubectl(['create', 'namespace', NAMESPACE]).catch(() => '');
    say(`operator started (pid ${String(operator.pid)}), logs in ${logFile}`);

    const manifest = parse(readFileSync(join(repoRoot, 'examples', 'minimal.yaml'), 'utf8')) as {
      metadata: { name: string };
      spec: { clientId: string; kafka: { brokers: string[] } };
    };
    manifest.spec.kafka.brokers = [brokers];
    const { name } = manifest.metadata;
    say(`kubectl apply -f examples/minimal.yaml (brokers: ${brokers})`);
    process.stdout.write(await kubectl(['apply', '-f', '-'], JSON.stringify(manifest)));
    await kubectl(['wait', '--for=condition=Ready', `clusterregistration/${name}`, '--timeout=60s']);
    await delay(1_000); // the first heartbeat's age, so LAST HEARTBEAT is not empty
    say('kubectl get clusterregistrations -o wide');
    process.stdout.write(await kubectl(['get', 'clusterregistrations', '-o', 'wide']));
    say(`the registration in ${REGISTRY}, as the control plane reads it`);
    process.stdout.write(`${await latestRecord(brokers, manifest.spec.clientId, false)}\n`);

    say(`kubectl delete clusterregistration ${name} (returns once the tombstone is acknowledged)`);
    process.stdout.write(await kubectl(['delete', 'clusterregistration', name, '--timeout=60s']));
    say(`the tombstone in ${REGISTRY}`);
    process.stdout.write(`${await latestRecord(brokers, manifest.spec.clientId, true)}\n`);
  } catch (error) {
    await teardown();
    throw error;
  }
  if (process.env.CI === 'true' || !process.stdin.isTTY) {
    await teardown();
    return;
  }
  say(
    `still running: apply your own ClusterRegistrations (variables in ${stateDir}/env: \`set -a; . ${stateDir}/env; set +a\`). ` +
      'Ctrl-C stops the operator and tears everything down.',
  );
  await new Promise<void>((resolve) => process.once('SIGINT', resolve));
  await teardown();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);

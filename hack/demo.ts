// `npm run demo`: the operator's whole job on the local control plane. Brings the environment up, installs the CRD,
// starts the operator, applies examples/minimal.yaml (pointed at the local broker), shows `kubectl get
// clusterregistrations` and the record in the topic, then deletes it and shows the tombstone. In a terminal it
// keeps everything running until Ctrl-C; in CI (or without a terminal) it tears down at once. `--in-cluster`
// tells the same with the chart's pods on the environment's node (hack/demo-in-cluster.ts).
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { parse } from 'yaml';
import { CRD_FILE } from '../src/api/crd.js';
import { inCluster } from './demo-in-cluster.js';
import { exec, type ExecResult } from './testenv/exec.js';
import { downAll, Environment, externalEnvironment, type EnvVars } from './testenv/environment.js';
import { defaultStateDir, repoRoot } from './testenv/paths.js';
import { waitForCondition } from './testenv/wait-condition.js';

const REGISTRY = 'cluster.registry';
const NAMESPACE = 'cluster-registry-system';

function say(line: string): void {
  process.stdout.write(`\n== ${line}\n`);
}

function kubectlRunner(vars: EnvVars) {
  const bin = vars.TESTENV_BIN === undefined ? 'kubectl' : join(vars.TESTENV_BIN, 'kubectl');
  return (args: string[], stdin?: string): Promise<ExecResult> =>
    exec(bin, ['--kubeconfig', vars.KUBECONFIG ?? '', ...args], stdin === undefined ? {} : { stdin });
}

/** kubectl's output; its error output, as an error, when it fails. */
function succeeded(what: string, result: ExecResult): string {
  if (result.code !== 0) throw new Error(`kubectl ${what}: ${result.stderr}`);
  return result.stdout;
}

function kubectlOf(run: ReturnType<typeof kubectlRunner>) {
  return async (args: string[], stdin?: string): Promise<string> =>
    succeeded(args.join(' '), await run(args, stdin));
}

/** Records name the object that sent them in this header (src/registration/records.ts). */
const OBJECT_UID_HEADER = 'registry_object_uid';

/**
 * The record of `key` that the object `uid` sent, registration or tombstone, read by a consumer of its own (as the
 * control plane would). Matching the uid, not only the key, skips older records of the same key on a broker that
 * outlives one demo (an earlier run, or anyone else who applied examples/minimal.yaml).
 */
async function recordOf(brokers: string, key: string, uid: string, tombstone: boolean): Promise<string> {
  const kafka = new Kafka({ clientId: 'demo-reader', brokers: [brokers], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `demo-${String(Date.now())}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.subscribe({ topics: [REGISTRY], fromBeginning: true });
    return await new Promise<string>((resolve, reject) => {
      timer = setTimeout(() => {
        reject(
          new Error(`no ${tombstone ? 'tombstone' : 'registration'} of ${key} (uid ${uid}) within 30 s`),
        );
      }, 30_000);
      consumer
        .run({
          eachMessage: ({ topic, partition, message }) => {
            const headers = Object.entries(message.headers ?? {}).map(
              ([name, value]) => [name, String(value)] as const,
            );
            const matches =
              message.key?.toString() === key &&
              (message.value === null) === tombstone &&
              headers.some(([name, value]) => name === OBJECT_UID_HEADER && value === uid);
            if (matches) {
              const value =
                message.value === null
                  ? ' null (a tombstone: the control plane forgets the key)'
                  : `\n${JSON.stringify(JSON.parse(message.value.toString()), null, 2)}`;
              resolve(
                [
                  `topic ${topic}, partition ${partition}, offset ${message.offset}`,
                  `key: ${key}`,
                  'headers:',
                  ...headers.map(([name, v]) => `  ${name}: ${v}`),
                  `value:${value}`,
                ].join('\n'),
              );
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
}

class Interrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

/** A promise that only ever rejects, when `event` happens; marked handled, as nobody may be waiting then. */
function failureOn<T>(event: Promise<T>, error: (value: T) => Error): Promise<never> {
  const failure = event.then((value) => Promise.reject(error(value)));
  failure.catch(() => undefined);
  return failure;
}

function startOperator(vars: EnvVars, logFile: string) {
  const log = createWriteStream(logFile);
  const child = spawn(
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
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const exited = new Promise<string>((resolve) => {
    child.once('error', (error) => {
      resolve(error.message);
    });
    child.once('exit', (code, signal) => {
      resolve(signal ?? `code ${String(code)}`);
    });
  });
  return {
    pid: child.pid,
    exited,
    /** SIGTERM (a SIGKILL if it has not exited 15 s later), then closes the log. */
    async stop(): Promise<void> {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(killer);
      }
      await new Promise((resolve) => log.end(resolve));
    },
  };
}

async function main(): Promise<void> {
  // Ctrl-C (or SIGTERM) at any step stops the operator and tears down; in a terminal it is how the demo ends.
  const interruption = failureOn(
    new Promise<NodeJS.Signals>((resolve) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => {
          resolve(signal);
        });
      }
    }),
    (signal) => new Interrupted(signal),
  );
  const withNode = process.argv.slice(2).includes('--in-cluster');
  const stateDir = defaultStateDir();
  // The node is the local environment's: an external cluster's variables do not describe one.
  const external = withNode ? undefined : externalEnvironment();
  const vars =
    external ?? (await Promise.race([Environment.up(stateDir, { node: withNode }), interruption])).vars();
  const teardownEnvironment = async () => {
    if (external === undefined) await downAll(stateDir);
  };
  const brokers = vars.KAFKA_BROKERS ?? '';
  const runKubectl = kubectlRunner(vars);
  const kubectl = kubectlOf(runKubectl);
  if (withNode) {
    try {
      await inCluster({
        vars,
        namespace: NAMESPACE,
        say,
        kubectl,
        watched: (step) => Promise.race([step, interruption]),
        recordOf,
      });
    } finally {
      await teardownEnvironment();
    }
    return;
  }
  try {
    await Promise.race([
      (async () => {
        say(`kubectl apply -f ${CRD_FILE}; namespace ${NAMESPACE}`);
        process.stdout.write(await kubectl(['apply', '-f', join(repoRoot, CRD_FILE)]));
        const crd = 'crd/clusterregistrations.registry.kgroot.io';
        succeeded(`wait ${crd}`, await waitForCondition(runKubectl, crd, 'Established'));
        const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } };
        process.stdout.write(await kubectl(['apply', '-f', '-'], JSON.stringify(namespace)));
      })(),
      interruption,
    ]);
  } catch (error) {
    await teardownEnvironment();
    throw error;
  }

  // With an external cluster nothing else creates the state directory.
  mkdirSync(stateDir, { recursive: true });
  const logFile = join(stateDir, 'demo-operator.log');
  const operator = startOperator(vars, logFile);
  const operatorDied = failureOn(
    operator.exited,
    (how) => new Error(`the operator exited (${how}) before the demo was over; its log: ${logFile}`),
  );
  /** Each step fails at once, naming the operator's log, if the operator dies or the user interrupts. */
  const watched = <T>(step: Promise<T>): Promise<T> => Promise.race([step, interruption, operatorDied]);
  try {
    say(`operator started (pid ${String(operator.pid)}), logs in ${logFile}`);
    const manifest = parse(readFileSync(join(repoRoot, 'examples', 'minimal.yaml'), 'utf8')) as {
      metadata: { name: string };
      spec: { clientId: string; kafka: { brokers: string[] } };
    };
    manifest.spec.kafka.brokers = [brokers];
    const { name } = manifest.metadata;
    const { clientId } = manifest.spec;
    say(`kubectl apply -f examples/minimal.yaml (brokers: ${brokers})`);
    process.stdout.write(await watched(kubectl(['apply', '-f', '-'], JSON.stringify(manifest))));
    const uid = await watched(
      kubectl(['get', 'clusterregistration', name, '-o', 'jsonpath={.metadata.uid}']),
    );
    process.stdout.write(`uid: ${uid}\n`);
    await watched(kubectl(['wait', '--for=condition=Ready', `clusterregistration/${name}`, '--timeout=60s']));
    await watched(delay(1_000)); // the first heartbeat's age, so LAST HEARTBEAT is not empty
    say('kubectl get clusterregistrations -o wide');
    process.stdout.write(await watched(kubectl(['get', 'clusterregistrations', '-o', 'wide'])));
    say(`the registration in ${REGISTRY}, as the control plane reads it (the record that uid ${uid} sent)`);
    process.stdout.write(`${await watched(recordOf(brokers, clientId, uid, false))}\n`);

    say(`kubectl delete clusterregistration ${name} (returns once the tombstone is acknowledged)`);
    process.stdout.write(await watched(kubectl(['delete', 'clusterregistration', name, '--timeout=60s'])));
    say(`the tombstone in ${REGISTRY}`);
    process.stdout.write(`${await watched(recordOf(brokers, clientId, uid, true))}\n`);

    if (process.env.CI !== 'true' && process.stdin.isTTY) {
      say(
        `still running: apply your own ClusterRegistrations (variables in ${stateDir}/env: \`set -a; . ${stateDir}/env; set +a\`). ` +
          'Ctrl-C stops the operator and tears everything down.',
      );
      await watched(new Promise<never>(() => undefined)).catch((error: unknown) => {
        if (!(error instanceof Interrupted)) throw error;
      });
    }
  } finally {
    await operator.stop();
    await teardownEnvironment();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof Interrupted ? 130 : 1);
  },
);

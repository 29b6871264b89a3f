// `npm run demo -- --in-cluster`: the same story as the default demo, told by the chart's pods on the local node
// instead of a process. Builds the operator's image (hack/image) and imports it into the node's containerd, `helm
// install`s the chart with examples/minimal.yaml's registration pointed at the broker's pod listener, shows `kubectl
// get pods` beside `kubectl get clusterregistrations` and the record, then `helm uninstall` (whose hook Job
// deregisters the object) and the tombstone.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { importOperatorImage } from './image/operator.js';
import { exec, type ExecResult } from './testenv/exec.js';
import type { EnvVars } from './testenv/environment.js';
import { nodeChartValues } from './testenv/node/chart-values.js';
import { repoRoot } from './testenv/paths.js';

const RELEASE = 'demo';

export interface DemoSteps {
  vars: EnvVars;
  namespace: string;
  say: (line: string) => void;
  kubectl: (args: string[]) => Promise<string>;
  /** Each step fails at once if the user interrupts. */
  watched: <T>(step: Promise<T>) => Promise<T>;
  /** The registration (or tombstone) of `key` that object `uid` sent, as the control plane reads it. */
  recordOf: (brokers: string, key: string, uid: string, tombstone: boolean) => Promise<string>;
}

function required(vars: EnvVars, name: string): string {
  const value = vars[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set: the environment has no node`);
  return value;
}

export async function inCluster(steps: DemoSteps): Promise<void> {
  const { vars, namespace, say, kubectl, watched } = steps;
  const helmBin = join(required(vars, 'TESTENV_BIN'), 'helm');
  const helm = async (args: string[]): Promise<string> => {
    const result: ExecResult = await exec(helmBin, ['--kubeconfig', vars.KUBECONFIG ?? '', ...args]);
    if (result.code !== 0) throw new Error(`helm ${args[0] ?? ''}: ${result.stderr}`);
    return result.stdout;
  };
  say('the operator image (npm run image), imported into the node');
  const { reference } = await watched(importOperatorImage(required(vars, 'TESTENV_CONTAINERD_ADDRESS')));
  process.stdout.write(`${reference}\n`);

  const manifest = parse(await readFile(join(repoRoot, 'examples', 'minimal.yaml'), 'utf8')) as {
    metadata: { name: string };
    spec: { clientId: string };
  };
  const { name } = manifest.metadata;
  const { clientId } = manifest.spec;
  const podBrokers = required(vars, 'KAFKA_POD_BROKERS');
  const values = [
    ...nodeChartValues(reference, required(vars, 'TESTENV_NODE_TAINT')),
    `registration.clientId=${clientId}`,
    `registration.name=${name}`,
    `registration.kafka.brokers={${podBrokers}}`,
  ].flatMap((value) => ['--set', value]);
  const chart = join(repoRoot, 'charts', 'cluster-registry-operator');
  say(`helm install ${RELEASE} charts/cluster-registry-operator -n ${namespace} (brokers: ${podBrokers})`);
  process.stdout.write(
    await watched(
      helm(['install', RELEASE, chart, '-n', namespace, '--create-namespace', ...values, '--wait']),
    ),
  );
  await watched(kubectl(['wait', '--for=condition=Ready', `clusterregistration/${name}`, '--timeout=120s']));
  const uid = await watched(kubectl(['get', 'clusterregistration', name, '-o', 'jsonpath={.metadata.uid}']));
  say(`kubectl get pods -n ${namespace} -o wide`);
  process.stdout.write(await watched(kubectl(['get', 'pods', '-n', namespace, '-o', 'wide'])));
  say('kubectl get clusterregistrations -o wide');
  process.stdout.write(await watched(kubectl(['get', 'clusterregistrations', '-o', 'wide'])));
  const brokers = required(vars, 'KAFKA_BROKERS');
  say(`the registration, as the control plane reads it (the record that uid ${uid} sent)`);
  process.stdout.write(`${await watched(steps.recordOf(brokers, clientId, uid, false))}\n`);

  say(
    `helm uninstall ${RELEASE} -n ${namespace} (its hook Job deregisters ${name} before the operator goes)`,
  );
  process.stdout.write(await watched(helm(['uninstall', RELEASE, '-n', namespace, '--wait'])));
  say('the tombstone');
  process.stdout.write(`${await watched(steps.recordOf(brokers, clientId, uid, true))}\n`);
  // The operator's pod ends after helm has deleted its Deployment: waited for, so that what is left shows.
  const release = `app.kubernetes.io/instance=${RELEASE}`;
  await watched(kubectl(['wait', '--for=delete', 'pods', '-l', release, '-n', namespace, '--timeout=120s']));
  for (const args of [
    ['get', 'pods,jobs', '-n', namespace],
    ['get', 'clusterregistrations'],
  ]) {
    say(`kubectl ${args.join(' ')}`);
    const listed = await watched(kubectl(args));
    process.stdout.write(listed === '' ? 'nothing left\n' : listed);
  }
}

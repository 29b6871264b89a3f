// The chart end to end, with the image's bundle standing in for the pods no kubelet runs here: the operator
// started with the Deployment's own args and env and its ServiceAccount's token registers the release's
// ClusterRegistration on the real broker; the uninstall hook, run with the Job's args and the hook's token,
// deletes it and returns once the operator has deregistered it. Any right the chart forgot shows up as a
// failure here (and as "forbidden" in the operator's log). On an API server of its own: the operator watches
// every ClusterRegistration, and must not touch those of tests running meanwhile.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { test, type TestContext } from 'node:test';
import { imageNodeFlags } from '../../../hack/bundle.js';
import { exec } from '../../../hack/testenv/exec.js';
import {
  helm as sharedHelm,
  kubectl as sharedKubectl,
  requireKafkaBrokers,
  startPrivateKube,
  uniqueName,
} from '../../support/testenv.js';
import { RecordTail } from '../../support/kafka-records.js';
import {
  buildBundle,
  chartDir,
  findManifest,
  renderChart,
  serviceAccountKubeconfig,
  type Manifest,
} from './support.js';

interface Container {
  args: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
}

function container(manifest: Manifest): Container {
  const { spec } = manifest as unknown as { spec: { template: { spec: { containers: Container[] } } } };
  const first = spec.template.spec.containers[0];
  if (first === undefined) throw new Error(`${manifest.kind} has no container`);
  return first;
}

/** The container's environment as the kubelet would give it to the pod `podName`. */
function podEnv(c: Container, podName: string, namespace: string): Record<string, string> {
  const fields: Record<string, string> = { 'metadata.name': podName, 'metadata.namespace': namespace };
  return Object.fromEntries(
    (c.env ?? []).map((e) => {
      const value = e.value ?? fields[e.valueFrom?.fieldRef?.fieldPath ?? ''];
      if (value === undefined) throw new Error(`env ${e.name}: unsupported source`);
      return [e.name, value];
    }),
  );
}

/** Starts the bundle like a pod; stopped with SIGTERM by the returned function (or after the test). */
function startPod(t: TestContext, file: string, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [...imageNodeFlags(), file, ...args], {
    cwd: dirname(file),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return {
    output: () => output,
    async stop(): Promise<number | null> {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

test('install, register with the chart-granted rights, uninstall hook deregisters', async (t) => {
  // Torn down with everything in it after the test: nothing to clean up one by one.
  const { kubeconfig: admin } = await startPrivateKube(t);
  const kubectl = (args: string[], opts: { stdin?: string } = {}) =>
    sharedKubectl(args, { ...opts, kubeconfig: admin });
  const helm = (args: string[]) => sharedHelm(args, { kubeconfig: admin });
  const brokers = requireKafkaBrokers();
  const release = uniqueName('flow');
  const namespace = uniqueName('flow-ns');
  const fullname = `${release}-cluster-registry-operator`;
  const clientId = uniqueName('chart-flow');
  const created = await kubectl(['create', 'namespace', namespace]);
  assert.equal(created.code, 0, created.stderr);
  const values = [
    'image.tag=test',
    `registration.clientId=${clientId}`,
    `registration.kafka.brokers={${brokers}}`,
  ].flatMap((value) => ['--set', value]);
  const installed = await helm(['install', release, chartDir, '-n', namespace, ...values]);
  assert.equal(installed.code, 0, installed.stderr);
  const manifests = await renderChart(release, namespace, values);
  const { file } = await buildBundle(t);
  const tail = await RecordTail.start(t, brokers, ['cluster.registry', 'cluster.heartbeat']);

  // The operator: the Deployment's args and env, any free port, the ServiceAccount's token.
  const deployment = container(findManifest(manifests, 'Deployment'));
  const operator = startPod(t, file, deployment.args, {
    ...podEnv(deployment, `${fullname}-0`, namespace),
    HTTP_PORT: '0',
    KUBECONFIG: await serviceAccountKubeconfig(namespace, fullname, { kubeconfig: admin }),
  });
  const ready = await kubectl([
    'wait',
    '--for=condition=Ready',
    `clusterregistration/${clientId}`,
    '--timeout=120s',
  ]);
  assert.equal(ready.code, 0, `not Ready: ${ready.stderr}\noperator log:\n${operator.output()}`);
  const registered = await tail.waitFor(
    'the registration',
    (r) => r.topic === 'cluster.registry' && r.key === clientId,
  );
  assert.equal(registered.headers.registry_event, 'register');
  await tail.waitFor('a heartbeat', (r) => r.topic === 'cluster.heartbeat' && r.key === clientId);

  // The hook: its ServiceAccount and RBAC as Helm would create them, then the Job's command with that token.
  const hookObjects = manifests.filter(
    (m) => m.metadata.annotations?.['helm.sh/hook'] === 'pre-delete' && m.kind !== 'Job',
  );
  const applied = await kubectl(['apply', '-f', '-'], {
    stdin: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: hookObjects }),
  });
  assert.equal(applied.code, 0, applied.stderr);
  const job = container(findManifest(manifests, 'Job'));
  const hook = await exec(process.execPath, [...imageNodeFlags(), file, ...job.args], {
    cwd: dirname(file),
    env: {
      PATH: process.env.PATH ?? '',
      KUBECONFIG: await serviceAccountKubeconfig(namespace, `${fullname}-uninstall`, { kubeconfig: admin }),
    },
  });
  assert.equal(hook.code, 0, `hook:\n${hook.stdout}${hook.stderr}\noperator log:\n${operator.output()}`);
  assert.match(hook.stdout, new RegExp(`deleted clusterregistration/${clientId}`));
  assert.match(hook.stdout, /all 1 ClusterRegistration\(s\) matching .* are deregistered and gone/);
  const gone = await kubectl(['get', 'clusterregistration', clientId]);
  assert.match(gone.stderr, /NotFound/);
  const tombstone = tail.of('cluster.registry', clientId).at(-1);
  assert.equal(tombstone?.value, null, 'the latest record for the key is the tombstone');
  assert.equal(tombstone.headers.registry_event, 'deregister');

  assert.equal(await operator.stop(), 0, `operator did not stop cleanly:\n${operator.output()}`);
  assert.doesNotMatch(operator.output(), /forbidden/i, 'the operator was denied something it needs');
});

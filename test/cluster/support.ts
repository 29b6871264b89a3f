// What the cluster tests (pods on the local node) share: whether a node is up, how pods tolerate it, running a
// pod to its end, the operator's image on the node, and a release of the chart installed there (removed after its
// test, also when the test fails), with its pods and its leader Lease.
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { importOperatorImage } from '../../hack/image/operator.js';
import { nodeChartValues, toleration } from '../../hack/testenv/node/chart-values.js';
import { chartDir, createRestrictedNamespace } from '../integration/chart/support.js';
import { onCleanup } from '../support/cleanup.js';
import type { ReadRecord } from '../support/kafka-records.js';
import { helm, kubectl, uniqueName } from '../support/testenv.js';

export interface NodeEnv {
  nodeName: string;
  containerdAddress: string;
  /** The broker's listeners as pods reach them. */
  podBrokers: string;
  podSaslSslBrokers: string;
  /** `key=value:Effect` of the node's taint. */
  taint: string;
}

/** The node of `npm test`'s environment, or undefined when it was left out (TESTENV_NODE=0, an external cluster). */
export function nodeEnv(): NodeEnv | undefined {
  const e = process.env;
  if (e.TESTENV_NODE_NAME === undefined || e.TESTENV_CONTAINERD_ADDRESS === undefined) return undefined;
  return {
    nodeName: e.TESTENV_NODE_NAME,
    containerdAddress: e.TESTENV_CONTAINERD_ADDRESS,
    podBrokers: e.KAFKA_POD_BROKERS ?? '',
    podSaslSslBrokers: e.KAFKA_POD_SASL_SSL_BROKERS ?? '',
    taint: e.TESTENV_NODE_TAINT ?? '',
  };
}

export const NO_NODE = 'no node in this environment (TESTENV_NODE=0 or an external cluster)';

export { toleration };

export interface PodStatus {
  phase?: string;
  conditions?: { type: string; status: string }[];
  containerStatuses?: { name: string; ready: boolean; state?: Record<string, unknown> }[];
}

export async function podStatus(namespace: string, name: string, kubeconfig?: string): Promise<PodStatus> {
  const got = await kubectl(
    ['get', 'pod', name, '-n', namespace, '-o', 'jsonpath={.status}'],
    kubeconfig === undefined ? {} : { kubeconfig },
  );
  if (got.code !== 0) throw new Error(`kubectl get pod ${namespace}/${name}: ${got.stderr}`);
  return got.stdout === '' ? {} : (JSON.parse(got.stdout) as PodStatus);
}

/** Waits (bounded) for a pod's phase to be one of `phases`; the error carries the pod's events. */
export async function waitForPhase(
  namespace: string,
  name: string,
  phases: string[],
  options: { timeoutMs?: number; kubeconfig?: string } = {},
): Promise<PodStatus> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const admin = options.kubeconfig === undefined ? {} : { kubeconfig: options.kubeconfig };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await podStatus(namespace, name, options.kubeconfig);
    if (status.phase !== undefined && phases.includes(status.phase)) return status;
    if (Date.now() > deadline) {
      const described = await kubectl(['describe', 'pod', name, '-n', namespace], admin);
      throw new Error(
        `pod ${namespace}/${name} not ${phases.join('/')} after ${timeoutMs / 1000}s:\n${described.stdout}`,
      );
    }
    await sleep(500);
  }
}

/** Polls `probe` until it returns a value; the error names what was awaited and what `probe` last saw. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: { timeoutMs?: number; describe?: () => Promise<string> } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const state = options.describe === undefined ? '' : `\n${await options.describe()}`;
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${state}`);
    }
    await sleep(500);
  }
}

export interface OperatorImage {
  reference: string;
}

let imported: Promise<OperatorImage> | undefined;

/** The operator's image, built (cached by content) once per test file and imported into the node's containerd. */
export function operatorImage(env: NodeEnv): Promise<OperatorImage> {
  imported ??= importOperatorImage(env.containerdAddress).then(({ reference }) => ({ reference }));
  return imported;
}

export interface Release {
  name: string;
  namespace: string;
  /** The chart's fullname: the Deployment's, the Lease's and (with -uninstall) the hook Job's name. */
  fullname: string;
  /** The registration's clientId, which is also the ClusterRegistration's name. */
  clientId: string;
  image: OperatorImage;
}

const INSTANCE = 'app.kubernetes.io/instance';

/** The label selector of the release's operator pods (not the hook's). */
export function operatorSelector(release: Release): string {
  return `${INSTANCE}=${release.name},app.kubernetes.io/component=operator`;
}

/** Pods, events and the operator's log: what a failure message needs to be acted on. */
export async function describeRelease(release: Release): Promise<string> {
  const pods = await kubectl(['describe', 'pods', '-n', release.namespace]);
  const logs = await kubectl([
    'logs',
    '-n',
    release.namespace,
    '-l',
    operatorSelector(release),
    '--all-containers',
    '--prefix',
    '--tail=80',
  ]);
  return `pods:\n${pods.stdout}\noperator logs:\n${logs.stdout}${logs.stderr}`;
}

/**
 * `helm install` of the chart on the node, with a registration on the broker's pod listener, into a namespace of
 * its own that enforces the restricted profile, waiting until the operator's pods are Ready. `values` are more
 * `--set` entries. After the test: `helm uninstall` with its hook; should that fail, without it, and the
 * release's ClusterRegistrations let go (no operator is left to remove their finalizer); then the namespace.
 */
export async function installRelease(t: TestContext, env: NodeEnv, values: string[] = []): Promise<Release> {
  const image = await operatorImage(env);
  const name = uniqueName('cro');
  const release: Release = {
    name,
    namespace: uniqueName('cro-node'),
    fullname: `${name}-cluster-registry-operator`,
    clientId: uniqueName('node-test'),
    image,
  };
  await createRestrictedNamespace(t, release.namespace);
  onCleanup(t, async () => {
    const ns = ['-n', release.namespace];
    const uninstalled = await helm(['uninstall', name, ...ns, '--ignore-not-found', '--timeout=180s']);
    if (uninstalled.code === 0) return;
    await helm(['uninstall', name, ...ns, '--no-hooks', '--ignore-not-found']);
    const selector = `${INSTANCE}=${name}`;
    const unhold = '{"metadata":{"finalizers":null}}';
    await kubectl(['patch', 'clusterregistrations', '-l', selector, '--type=merge', '-p', unhold]);
    await kubectl(['delete', 'clusterregistrations', '-l', selector, '--wait=false']);
  });
  const set = [
    ...nodeChartValues(image.reference, env.taint),
    `registration.clientId=${release.clientId}`,
    `registration.kafka.brokers={${env.podBrokers}}`,
    ...values,
  ].flatMap((value) => ['--set', value]);
  const installed = await helm([
    'install',
    name,
    chartDir,
    '-n',
    release.namespace,
    ...set,
    '--wait',
    '--timeout=300s',
  ]);
  if (installed.code !== 0)
    throw new Error(`helm install: ${installed.stderr}\n${await describeRelease(release)}`);
  return release;
}

export interface Pod {
  metadata: { name: string; creationTimestamp?: string; deletionTimestamp?: string };
  spec: {
    nodeName?: string;
    containers: {
      image: string;
      env?: { name: string; value?: string }[];
      livenessProbe?: unknown;
      readinessProbe?: unknown;
    }[];
  };
  status: PodStatus & { containerStatuses?: { ready: boolean; restartCount: number }[] };
}

/** The release's operator pods, those being deleted included. */
export async function operatorPods(release: Release): Promise<Pod[]> {
  const got = await kubectl([
    'get',
    'pods',
    '-n',
    release.namespace,
    '-l',
    operatorSelector(release),
    '-o',
    'json',
  ]);
  if (got.code !== 0) throw new Error(`kubectl get pods: ${got.stderr}`);
  return (JSON.parse(got.stdout) as { items: Pod[] }).items;
}

export function isReady(pod: Pod): boolean {
  return pod.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

export interface LeaseHolder {
  holderIdentity: string;
  /** When the holder acquired the Lease, in ms since the epoch. */
  acquiredAt: number;
  leaseTransitions: number;
}

/** Who holds the operator's leader Lease (named after the release, in its namespace), if anyone does. */
export async function leaseHolder(release: Release): Promise<LeaseHolder | undefined> {
  const got = await kubectl(['get', 'lease', release.fullname, '-n', release.namespace, '-o', 'json']);
  if (got.code !== 0) return undefined;
  const { spec } = JSON.parse(got.stdout) as {
    spec?: { holderIdentity?: string; acquireTime?: string; leaseTransitions?: number };
  };
  if (spec?.holderIdentity === undefined || spec.holderIdentity === '' || spec.acquireTime === undefined)
    return undefined;
  return {
    holderIdentity: spec.holderIdentity,
    acquiredAt: Date.parse(spec.acquireTime),
    leaseTransitions: spec.leaseTransitions ?? 0,
  };
}

/** The longest time between consecutive records (by their timestamps), in ms. */
export function longestGap(records: readonly ReadRecord[]): number {
  const times = records.map((record) => record.timestamp).sort((a, b) => a - b);
  return times.slice(1).reduce((longest, time, i) => Math.max(longest, time - (times[i] ?? time)), 0);
}

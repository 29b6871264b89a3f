// What the cluster tests (pods on the local node) share: whether a node is up, how pods tolerate it, and
// running a pod to its end.
import { setTimeout as sleep } from 'node:timers/promises';
import { kubectl } from '../support/testenv.js';

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

/** The toleration a pod needs for a node tainted `key=value:Effect` (the taint keeps other tests' pods off it). */
export function toleration(taint: string): { key: string; operator: 'Exists'; effect: string } {
  const [key = '', effect = ''] = taint.split(/=[^:]*:/);
  return { key, operator: 'Exists', effect };
}

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

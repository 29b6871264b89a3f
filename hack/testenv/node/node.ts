// A node in the local control plane: what `up` does for it before, beside and after the API server, what `down`
// does to leave nothing behind, and the variables tests get. The pieces are in this folder; this is the order.
import { ensureDebianPackages } from '../apt.js';
import { exec } from '../exec.js';
import type { ExtraListener } from '../kafka.js';
import type { Pki } from '../pki.js';
import { requireTools } from '../provision.js';
import { isOurs, readRecord, stopProcess, waitReady, type ProcessRecord } from '../processes.js';
import { progress, step } from '../progress.js';
import { ensureNodeCerts } from './certs.js';
import {
  cgroupLeftovers,
  createCgroupRoot,
  killShims,
  mountLeftovers,
  podNetnsFiles,
  removeCgroups,
  removeMounts,
  shimsOf,
} from './cleanup.js';
import {
  KUBE_CONTROLLER_MANAGER,
  KUBE_PROXY,
  KUBE_SCHEDULER,
  KUBELET,
  startControllerManager,
  startKubelet,
  startKubeProxy,
  startScheduler,
} from './components.js';
import { CONTAINERD, removeAllContainers, startContainerd } from './containerd.js';
import { importPauseImage, PAUSE_IMAGE } from './images.js';
import {
  existingNodeLayout,
  KUBERNETES_SERVICE_IP,
  NODE_TAINT,
  nodeLayout,
  POD_CIDR,
  SERVICE_CIDR,
  type NodeLayout,
} from './layout.js';
import { nodeNetworkLeftovers, setUpNodeNetwork, tearDownNodeNetwork } from './network.js';

/** Debian's packages for the runtime, the pod network and the pause image's build, installed when missing. */
export const NODE_PACKAGES = [
  'containerd',
  'runc',
  'containernetworking-plugins',
  'iptables',
  'gcc',
  'libc6-dev',
];

/** The node's processes, in the order `down` stops them: the kubelet before the runtime it drives. */
const NODE_PROCESSES = [KUBE_PROXY, KUBELET, KUBE_SCHEDULER, KUBE_CONTROLLER_MANAGER, CONTAINERD];

export interface NodeTools {
  kubelet: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubeProxy: string;
  kubectl: string;
}

/** What the API server needs to know of the node: the address pods reach it at, and the client for kubelets. */
export interface ApiserverNodeOptions {
  advertiseAddress: string;
  serviceCidr: string;
}

export function apiserverNodeOptions(layout: NodeLayout): ApiserverNodeOptions {
  return { advertiseAddress: layout.hostIp, serviceCidr: SERVICE_CIDR };
}

/** The broker's listeners for pods: plaintext and SASL_SSL, advertised at the link's host end. */
export function kafkaPodListeners(layout: NodeLayout): ExtraListener[] {
  return [
    { name: 'POD', protocol: 'PLAINTEXT', port: layout.kafkaPodPlaintext, advertisedHost: layout.hostIp },
    {
      name: 'POD_SASL_SSL',
      protocol: 'SASL_SSL',
      port: layout.kafkaPodSaslSsl,
      advertisedHost: layout.hostIp,
    },
  ];
}

/** The names the server certificate must carry for pods: the `kubernetes` Service's IP and the link's host end. */
export function nodeSans(layout: NodeLayout): string[] {
  return [`IP:${KUBERNETES_SERVICE_IP}`, `IP:${layout.hostIp}`];
}

/**
 * Before anything starts: the packages, the cgroup root, and the network (the broker's pod listeners and the
 * API server bind to loopback, and are reached from the node through the link's forwarding).
 */
export async function prepareNode(stateDir: string, apiserverPort: number): Promise<NodeLayout> {
  await ensureDebianPackages(NODE_PACKAGES);
  await requireTools(['gcc', 'iptables', 'ip', 'nsenter']);
  const layout = await nodeLayout(stateDir);
  createCgroupRoot(layout);
  await setUpNodeNetwork(layout, [apiserverPort, layout.kafkaPodPlaintext, layout.kafkaPodSaslSsl]);
  return layout;
}

function running(layout: NodeLayout, name: string): boolean {
  const record = readRecord(layout.stateDir, name);
  return record !== undefined && isOurs(record);
}

async function startOnce(layout: NodeLayout, name: string, start: () => Promise<unknown>): Promise<void> {
  if (!running(layout, name)) await step(`start ${name}`, start);
}

/** containerd and the pause image in it: needs nothing of the control plane, so it starts beside it. */
export async function startRuntime(layout: NodeLayout): Promise<void> {
  if (running(layout, CONTAINERD)) return;
  await step(`start ${CONTAINERD}`, async () => {
    await startContainerd(layout, PAUSE_IMAGE, POD_CIDR);
    await importPauseImage(layout);
  });
}

async function nodeReady(kubectl: string, adminKubeconfig: string, name: string): Promise<boolean> {
  const got = await exec(kubectl, [
    '--kubeconfig',
    adminKubeconfig,
    'get',
    'node',
    name,
    '-o',
    'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
  ]);
  return got.code === 0 && got.stdout.trim() === 'True';
}

/** Once the API server and containerd serve: the controllers, the scheduler, kubelet and kube-proxy; then Ready. */
export async function startNode(
  layout: NodeLayout,
  tools: NodeTools,
  pki: Pki,
  adminKubeconfig: string,
  apiserverPort: number,
): Promise<void> {
  const certs = await ensureNodeCerts(layout, pki, {
    kubelet: `https://${layout.hostIp}:${apiserverPort}`,
    'kube-proxy': `https://${layout.hostIp}:${apiserverPort}`,
    'kube-controller-manager': `https://127.0.0.1:${apiserverPort}`,
    'kube-scheduler': `https://127.0.0.1:${apiserverPort}`,
  });
  await Promise.all([
    startOnce(layout, KUBE_CONTROLLER_MANAGER, () =>
      startControllerManager(layout, tools.kubeControllerManager, certs, pki),
    ),
    startOnce(layout, KUBE_SCHEDULER, () => startScheduler(layout, tools.kubeScheduler, certs)),
    startOnce(layout, KUBELET, () => startKubelet(layout, tools.kubelet, certs, pki)),
    startOnce(layout, KUBE_PROXY, () => startKubeProxy(layout, tools.kubeProxy, certs)),
  ]);
  const kubelet = readRecord(layout.stateDir, KUBELET) as ProcessRecord;
  await step(`node ${layout.nodeName} Ready`, () =>
    waitReady(kubelet, () => nodeReady(tools.kubectl, adminKubeconfig, layout.nodeName), 120_000),
  );
}

/**
 * Stops the node's processes and removes what they leave: containers, shims, mounts, cgroups, pods' network
 * namespaces, the node's namespace and the host's forwarding chain. Returns the processes it stopped.
 */
export async function stopNode(stateDir: string): Promise<string[]> {
  const layout = existingNodeLayout(stateDir);
  if (layout === undefined) return [];
  const stopped: string[] = [];
  const stop = async (name: string) => {
    const record = readRecord(stateDir, name);
    if (record !== undefined && isOurs(record)) stopped.push(`${name} (pid ${record.pid})`);
    await stopProcess(stateDir, name);
  };
  for (const name of [KUBE_PROXY, KUBELET, KUBE_SCHEDULER, KUBE_CONTROLLER_MANAGER]) await stop(name);
  let netnsFiles: string[] = [];
  if (running(layout, CONTAINERD)) {
    netnsFiles = await podNetnsFiles(layout);
    await removeAllContainers(layout);
  }
  await stop(CONTAINERD);
  await killShims(layout);
  await removeCgroups(layout);
  await removeMounts(layout, netnsFiles);
  await tearDownNodeNetwork(layout);
  const left = await nodeLeftovers(stateDir);
  if (left.length > 0) progress(`node ${layout.nodeName} left behind: ${left.join(', ')}`);
  return stopped;
}

/** What of a node is still there after `down`: empty when it left nothing. */
export async function nodeLeftovers(stateDir: string): Promise<string[]> {
  const layout = existingNodeLayout(stateDir);
  if (layout === undefined) return [];
  const left = NODE_PROCESSES.filter((name) => running(layout, name)).map((name) => `process ${name}`);
  left.push(...shimsOf(layout).map((pid) => `containerd-shim pid ${pid}`));
  left.push(...cgroupLeftovers(layout), ...mountLeftovers(layout), ...(await nodeNetworkLeftovers(layout)));
  return left;
}

/** What tests and users get: the node's name, how pods tolerate it, where pods reach the broker. */
export function nodeVars(layout: NodeLayout): Record<string, string> {
  return {
    TESTENV_NODE_NAME: layout.nodeName,
    TESTENV_NODE_TAINT: `${NODE_TAINT.key}=${NODE_TAINT.value}:${NODE_TAINT.effect}`,
    TESTENV_CONTAINERD_ADDRESS: layout.containerdSocket,
    KAFKA_POD_BROKERS: `${layout.hostIp}:${layout.kafkaPodPlaintext}`,
    KAFKA_POD_SASL_SSL_BROKERS: `${layout.hostIp}:${layout.kafkaPodSaslSsl}`,
  };
}

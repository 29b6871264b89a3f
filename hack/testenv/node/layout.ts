// Where one environment's node lives: its names, addresses and folders, derived from the state directory and a
// small allocation kept in <state>/node/network.json, so that every start and `down` find the same ones.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../exec.js';
import { freePort } from '../ports.js';

/** Pods' addresses: on a bridge inside the node's own network namespace, so no other network sees them. */
export const POD_CIDR = '10.214.0.0/24';
/** The API server's service range; the `kubernetes` Service takes its first address. */
export const SERVICE_CIDR = '10.215.0.0/24';
export const KUBERNETES_SERVICE_IP = '10.215.0.1';
/** Every environment's link between the host and its node's namespace is one /30 of this /16. */
const TRANSIT_PREFIX = '10.213';
/** Pods tolerate this to run on the node; pods of other tests (which no image of theirs could serve) do not. */
export const NODE_TAINT = { key: 'testenv.kgroot.io/node', value: 'tests', effect: 'NoSchedule' } as const;

interface Allocation {
  /** Third octet of the transit /30 (10.213.<index>.0/30). */
  index: number;
  /** Loopback ports of the broker's listeners for pods, reached through the host end of the link. */
  kafkaPodPlaintext: number;
  kafkaPodSaslSsl: number;
}

export interface NodeLayout {
  stateDir: string;
  dir: string;
  id: string;
  nodeName: string;
  /** The node's network namespace (/run/netns/<netns>). */
  netns: string;
  hostVeth: string;
  nodeVeth: string;
  /** The host's end of the link: where pods reach the API server and the broker. */
  hostIp: string;
  /** The node's address: kubelet, kube-proxy and the node's InternalIP. */
  nodeIp: string;
  /** Cgroup (in every hierarchy) under which the kubelet puts kubepods. */
  cgroupRoot: string;
  /** Host nat chain that forwards the link's API server and broker ports to loopback. */
  hostChain: string;
  kafkaPodPlaintext: number;
  kafkaPodSaslSsl: number;
  containerdSocket: string;
}

function allocationPath(stateDir: string): string {
  return join(stateDir, 'node', 'network.json');
}

/** Third octets of 10.213.x.y addresses already on this host's interfaces (other environments' links). */
async function usedIndexes(): Promise<Set<number>> {
  const out = await run('ip', ['-4', '-o', 'addr', 'show']);
  const used = new Set<number>();
  for (const match of out.matchAll(/inet 10\.213\.(\d+)\./g)) used.add(Number(match[1]));
  return used;
}

/** The node's layout, allocating its link and ports on first use. */
export async function nodeLayout(stateDir: string): Promise<NodeLayout> {
  const path = allocationPath(stateDir);
  let allocation: Allocation;
  if (existsSync(path)) {
    allocation = JSON.parse(readFileSync(path, 'utf8')) as Allocation;
  } else {
    const used = await usedIndexes();
    let index = Number.parseInt(createHash('sha256').update(stateDir).digest('hex').slice(0, 4), 16) % 250;
    while (used.has(index)) index = (index + 1) % 250;
    allocation = { index, kafkaPodPlaintext: await freePort(), kafkaPodSaslSsl: await freePort() };
    mkdirSync(join(stateDir, 'node'), { recursive: true });
    writeFileSync(path, JSON.stringify(allocation, null, 2));
  }
  return layoutOf(stateDir, allocation);
}

/** The layout of a node that was set up before, or undefined: what `down` uses, never allocating. */
export function existingNodeLayout(stateDir: string): NodeLayout | undefined {
  const path = allocationPath(stateDir);
  if (!existsSync(path)) return undefined;
  return layoutOf(stateDir, JSON.parse(readFileSync(path, 'utf8')) as Allocation);
}

function layoutOf(stateDir: string, allocation: Allocation): NodeLayout {
  const id = createHash('sha256').update(stateDir).digest('hex').slice(0, 6);
  const dir = join(stateDir, 'node');
  return {
    stateDir,
    dir,
    id,
    nodeName: `testenv-${id}`,
    netns: `cro-${id}`,
    hostVeth: `cro${id}h`,
    nodeVeth: `cro${id}n`,
    hostIp: `${TRANSIT_PREFIX}.${allocation.index}.1`,
    nodeIp: `${TRANSIT_PREFIX}.${allocation.index}.2`,
    cgroupRoot: `/cro-${id}`,
    hostChain: `CRO-${id.toUpperCase()}`,
    kafkaPodPlaintext: allocation.kafkaPodPlaintext,
    kafkaPodSaslSsl: allocation.kafkaPodSaslSsl,
    containerdSocket: join(dir, 'containerd', 'containerd.sock'),
  };
}

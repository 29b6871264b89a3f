// The node's network: a namespace of its own joined to the host by one veth pair. Pods live on a bridge inside
// that namespace (made by the CNI bridge plugin), which has no default route: the only address it reaches
// outside is the host's end of the link, where a nat chain of ours forwards the API server's and the broker's
// ports to their loopback listeners (route_localnet on our veth only). Nothing else on the host is touched.
import { existsSync, writeFileSync } from 'node:fs';
import { exec, run } from '../exec.js';
import { POD_CIDR, type NodeLayout } from './layout.js';

/** Runs a command inside the node's network namespace (and only that: mounts stay the host's). */
export function inNodeNetns(layout: NodeLayout, command: string, args: string[]): [string, string[]] {
  return ['nsenter', [`--net=/run/netns/${layout.netns}`, '--', command, ...args]];
}

function netnsExists(layout: NodeLayout): boolean {
  return existsSync(`/run/netns/${layout.netns}`);
}

/** iptables on the host's nat table (waiting for the xtables lock others may hold). */
function nat(args: string[]) {
  return exec('iptables', ['-w', '-t', 'nat', ...args]);
}

async function natOrThrow(args: string[]): Promise<void> {
  await run('iptables', ['-w', '-t', 'nat', ...args]);
}

/** The one rule of ours in PREROUTING: what arrives on our link goes through our chain. */
function jump(layout: NodeLayout): string[] {
  return ['PREROUTING', '-i', layout.hostVeth, '-j', layout.hostChain];
}

async function hostChainExists(layout: NodeLayout): Promise<boolean> {
  return (await nat(['-S', layout.hostChain])).code === 0;
}

/** Creates the namespace, the link and the forwarding chain, each unless it exists (a restart keeps them). */
export async function setUpNodeNetwork(layout: NodeLayout, loopbackPorts: number[]): Promise<void> {
  const ns = (command: string, args: string[]) => run(...inNodeNetns(layout, command, args));
  if (!netnsExists(layout)) {
    await run('ip', ['netns', 'add', layout.netns]);
    await run('ip', [
      'link',
      'add',
      layout.hostVeth,
      'type',
      'veth',
      'peer',
      'name',
      layout.nodeVeth,
      'netns',
      layout.netns,
    ]);
    await run('ip', ['addr', 'add', `${layout.hostIp}/30`, 'dev', layout.hostVeth]);
    await run('ip', ['link', 'set', layout.hostVeth, 'up']);
    await ns('ip', ['link', 'set', 'lo', 'up']);
    await ns('ip', ['addr', 'add', `${layout.nodeIp}/30`, 'dev', layout.nodeVeth]);
    await ns('ip', ['link', 'set', layout.nodeVeth, 'up']);
    await ns('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    // Pods' packets to the host leave with the node's address: the host has no route to the pod range (and
    // must not send such packets anywhere else).
    await ns('iptables', [
      '-w',
      '-t',
      'nat',
      '-A',
      'POSTROUTING',
      '-s',
      POD_CIDR,
      '-o',
      layout.nodeVeth,
      '-j',
      'MASQUERADE',
    ]);
  }
  // Packets from our link to a loopback address are dropped as martians unless the link allows it.
  writeFileSync(`/proc/sys/net/ipv4/conf/${layout.hostVeth}/route_localnet`, '1');
  if (!(await hostChainExists(layout))) {
    await natOrThrow(['-N', layout.hostChain]);
    await natOrThrow(['-A', ...jump(layout)]);
  }
  await natOrThrow(['-F', layout.hostChain]);
  const ports = loopbackPorts.join(',');
  const to = ['-j', 'DNAT', '--to-destination', '127.0.0.1'];
  await natOrThrow([
    '-A',
    layout.hostChain,
    '-d',
    layout.hostIp,
    '-p',
    'tcp',
    '-m',
    'multiport',
    '--dports',
    ports,
    ...to,
  ]);
}

/** Removes the forwarding chain and the namespace (its bridge, veths and rules go with it). Idempotent. */
export async function tearDownNodeNetwork(layout: NodeLayout): Promise<void> {
  if (await hostChainExists(layout)) {
    await nat(['-D', ...jump(layout)]);
    await natOrThrow(['-F', layout.hostChain]);
    await natOrThrow(['-X', layout.hostChain]);
  }
  if (netnsExists(layout)) await run('ip', ['netns', 'delete', layout.netns]);
  // Deleting the namespace deletes its end of the pair, and with it ours; this is for a half-made set-up.
  await exec('ip', ['link', 'delete', layout.hostVeth]);
}

/** What of the node's network is still there: for `down`'s check and the tests. */
export async function nodeNetworkLeftovers(layout: NodeLayout): Promise<string[]> {
  const left: string[] = [];
  if (netnsExists(layout)) left.push(`network namespace ${layout.netns}`);
  if (await hostChainExists(layout)) left.push(`iptables nat chain ${layout.hostChain}`);
  const rules = await run('iptables-save', ['-t', 'nat']);
  if (rules.includes(layout.hostVeth)) left.push(`iptables rule on ${layout.hostVeth}`);
  if ((await exec('ip', ['link', 'show', layout.hostVeth])).code === 0) left.push(`link ${layout.hostVeth}`);
  return left;
}

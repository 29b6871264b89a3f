// What a stopped kubelet and containerd leave behind, found by what is ours and removed: the containers' tasks
// (through our containerd's socket), their shims (which name that socket), the pods' network namespaces (by the
// inode of a pod's sandbox namespace), mounts under the node's folder, and the cgroups under the node's root.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { exec } from '../exec.js';
import { containerNetnsPaths, tasks } from './containerd.js';
import type { NodeLayout } from './layout.js';

const CGROUP_MOUNT = '/sys/fs/cgroup';
const NETNS_DIR = '/run/netns';

/** Every cgroup hierarchy mounted here (v1 controllers and the unified one beside them). */
function hierarchies(): string[] {
  return readdirSync(CGROUP_MOUNT, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(CGROUP_MOUNT, entry.name));
}

/** The node's cgroup root in every hierarchy; cpuset needs its cpus and memory nodes copied from the parent. */
export function createCgroupRoot(layout: NodeLayout): void {
  for (const hierarchy of hierarchies()) {
    const dir = join(hierarchy, layout.cgroupRoot);
    if (existsSync(dir)) continue;
    mkdirSync(dir);
    if (existsSync(join(hierarchy, 'cpuset.cpus'))) {
      for (const file of ['cpuset.cpus', 'cpuset.mems'])
        writeFileSync(join(dir, file), readFileSync(join(hierarchy, file)));
    }
  }
}

/** Cgroup folders under `dir`, deepest first. */
function cgroupTree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const children = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => cgroupTree(join(dir, entry.name)));
  return [...children, dir];
}

function pidsIn(cgroup: string): number[] {
  try {
    return readFileSync(join(cgroup, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/** Kills what still runs in the node's cgroups (only pods' processes go there) and removes the cgroups. */
export async function removeCgroups(layout: NodeLayout): Promise<void> {
  for (const hierarchy of hierarchies()) {
    const root = join(hierarchy, layout.cgroupRoot);
    for (let attempt = 0; attempt < 50 && existsSync(root); attempt++) {
      for (const cgroup of cgroupTree(root)) {
        for (const pid of pidsIn(cgroup)) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        try {
          rmdirSync(cgroup);
        } catch {
          // busy until its processes are reaped: the next round
        }
      }
      if (existsSync(root)) await sleep(100);
    }
  }
}

export function cgroupLeftovers(layout: NodeLayout): string[] {
  return hierarchies()
    .map((hierarchy) => join(hierarchy, layout.cgroupRoot))
    .filter((dir) => existsSync(dir))
    .map((dir) => `cgroup ${dir}`);
}

/** Mount points from /proc/self/mountinfo (octal escapes undone). */
function mountPoints(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) =>
      (line.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_, octal: string) =>
        String.fromCharCode(parseInt(octal, 8)),
      ),
    );
}

function mountsUnder(dir: string): string[] {
  return mountPoints()
    .filter((point) => point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Inode of a network namespace: what /proc/<pid>/ns/net and a bind-mounted /run/netns file share. */
function netnsInode(pid: number): number | undefined {
  try {
    const match = /net:\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/net`));
    return match === null ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

/**
 * The /run/netns files of our pods (read before their tasks are killed): those a running task of our containerd
 * is in, and those our containers' specs name (a sandbox whose task stopped keeps its namespace file).
 */
export async function podNetnsFiles(layout: NodeLayout): Promise<string[]> {
  const inodes = new Set<number>();
  for (const task of await tasks(layout)) {
    const inode = netnsInode(task.pid);
    if (inode !== undefined) inodes.add(inode);
  }
  const named = new Set((await containerNetnsPaths(layout)).map((path) => basename(path)));
  if (!existsSync(NETNS_DIR)) return [];
  return readdirSync(NETNS_DIR)
    .filter((name) => name !== layout.netns)
    .filter((name) => {
      if (named.has(name)) return true;
      try {
        return inodes.has(statSync(join(NETNS_DIR, name)).ino);
      } catch {
        return false;
      }
    })
    .map((name) => join(NETNS_DIR, name));
}

async function unmount(point: string): Promise<void> {
  if ((await exec('umount', [point])).code !== 0) await exec('umount', ['-l', point]);
}

/** Unmounts everything under the node's folder and the given pod namespaces, and removes those files. */
export async function removeMounts(layout: NodeLayout, netnsFiles: string[]): Promise<void> {
  for (const point of mountsUnder(layout.dir)) await unmount(point);
  for (const file of netnsFiles) {
    await unmount(file);
    rmSync(file, { force: true });
  }
}

export function mountLeftovers(layout: NodeLayout): string[] {
  return mountsUnder(layout.dir).map((point) => `mount ${point}`);
}

/** containerd-shim processes that serve our containerd (they name its socket), which outlive it when orphaned. */
export function shimsOf(layout: NodeLayout): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return argv[0]?.includes('containerd-shim') === true && argv.includes(layout.containerdSocket);
      } catch {
        return false;
      }
    })
    .map(Number);
}

export async function killShims(layout: NodeLayout): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const shims = shimsOf(layout);
    if (shims.length === 0) return;
    for (const pid of shims) {
      try {
        process.kill(pid, attempt === 0 ? 'SIGTERM' : 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await sleep(100);
  }
}

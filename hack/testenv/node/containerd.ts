// The node's container runtime: a containerd of its own (own config, socket, root, state and runc root under
// the node's folder, in the node's network namespace), never the system's. Its CRI restricts oom_score_adj,
// since these machines do not grant CAP_SYS_RESOURCE even to root and every sandbox fails otherwise.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerdConfigToml } from '../containerd-config.js';
import { exec, run } from '../exec.js';
import { startProcess, waitReady, type ProcessRecord } from '../processes.js';
import type { NodeLayout } from './layout.js';
import { inNodeNetns } from './network.js';

export const CONTAINERD = 'containerd';
/** Where Debian's containernetworking-plugins puts bridge, host-local, loopback and portmap. */
export const CNI_BIN_DIR = '/usr/lib/cni';
/** The namespace the CRI (and so the kubelet) uses. */
const K8S_NAMESPACE = 'k8s.io';

export function containerdPaths(layout: NodeLayout) {
  const dir = join(layout.dir, 'containerd');
  return {
    dir,
    config: join(dir, 'config.toml'),
    root: join(dir, 'root'),
    state: join(dir, 'state'),
    runcRoot: join(dir, 'runc'),
    cniConfDir: join(layout.dir, 'cni', 'net.d'),
    cniDataDir: join(layout.dir, 'cni', 'ipam'),
  };
}

function configToml(layout: NodeLayout, sandboxImage: string): string {
  const p = containerdPaths(layout);
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return containerdConfigToml({
    root: p.root,
    state: p.state,
    address: layout.containerdSocket,
    disabledPlugins: ['btrfs', 'zfs', 'devmapper', 'aufs'].map(
      (name) => `io.containerd.snapshotter.v1.${name}`,
    ),
    extra: [
      '[metrics]',
      '  address = ""',
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = "${join(p.dir, 'opt')}"`,
      `[${cri}]`,
      `  sandbox_image = "${sandboxImage}"`,
      '  restrict_oom_score_adj = true',
      '  disable_apparmor = true',
      '  stream_server_address = "127.0.0.1"',
      '  stream_server_port = "0"',
      `[${cri}.containerd]`,
      '  snapshotter = "overlayfs"',
      '  default_runtime_name = "runc"',
      `[${cri}.containerd.runtimes.runc]`,
      '  runtime_type = "io.containerd.runc.v2"',
      `[${cri}.containerd.runtimes.runc.options]`,
      '  SystemdCgroup = false',
      `  Root = "${p.runcRoot}"`,
      `[${cri}.cni]`,
      `  bin_dir = "${CNI_BIN_DIR}"`,
      `  conf_dir = "${p.cniConfDir}"`,
      `[${cri}.registry]`,
      // An empty hosts folder: no mirrors, no credentials. The node's namespace has no route out in any case.
      `  config_path = "${join(p.dir, 'certs.d')}"`,
    ],
  });
}

/** The pod network: the bridge plugin on a bridge of the node's namespace, host-local addresses, portmap. */
function cniConflist(layout: NodeLayout, podCidr: string): string {
  return JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: 'testenv-pods',
      plugins: [
        {
          type: 'bridge',
          bridge: 'cro0',
          isGateway: true,
          isDefaultGateway: true,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: podCidr }]],
            dataDir: containerdPaths(layout).cniDataDir,
          },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}

/** `ctr` against a node's containerd (by its socket), in the CRI's namespace. */
function ctrAt(address: string, args: string[]) {
  return exec('ctr', ['--address', address, '--namespace', K8S_NAMESPACE, ...args]);
}

/** `ctr` against our containerd, in the CRI's namespace. */
export function ctr(layout: NodeLayout, args: string[]) {
  return ctrAt(layout.containerdSocket, args);
}

export async function startContainerd(
  layout: NodeLayout,
  sandboxImage: string,
  podCidr: string,
): Promise<ProcessRecord> {
  const p = containerdPaths(layout);
  for (const dir of [p.dir, p.root, p.state, p.runcRoot, p.cniConfDir, join(p.dir, 'certs.d')])
    mkdirSync(dir, { recursive: true });
  writeFileSync(p.config, configToml(layout, sandboxImage));
  writeFileSync(join(p.cniConfDir, '10-testenv.conflist'), cniConflist(layout, podCidr));
  const [command, args] = inNodeNetns(layout, 'containerd', ['--config', p.config]);
  const record = startProcess(layout.stateDir, CONTAINERD, command, args);
  await waitReady(record, async () => (await ctr(layout, ['version'])).code === 0, 60_000);
  return record;
}

/**
 * Imports an OCI archive into the CRI's namespace of the containerd at `address` (TESTENV_CONTAINERD_ADDRESS),
 * where the kubelet finds it without a pull.
 */
export async function importImage(address: string, archive: string): Promise<void> {
  const result = await ctrAt(address, ['images', 'import', '--all-platforms', archive]);
  if (result.code !== 0) throw new Error(`ctr images import ${archive}: ${result.stderr || result.stdout}`);
}

interface Task {
  id: string;
  pid: number;
}

/** The containers' tasks our containerd runs (pods the kubelet left behind when it stopped). */
export async function tasks(layout: NodeLayout): Promise<Task[]> {
  const listed = await ctr(layout, ['tasks', 'ls']);
  if (listed.code !== 0) return [];
  return listed.stdout
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 2)
    .map(([id = '', pid = '0']) => ({ id, pid: Number(pid) }));
}

/** Kills and deletes every task and container of our containerd; returns the containers it removed. */
export async function removeAllContainers(layout: NodeLayout): Promise<string[]> {
  for (const task of await tasks(layout)) {
    await ctr(layout, ['tasks', 'kill', '--all', '--signal', 'SIGKILL', task.id]);
  }
  for (const task of await tasks(layout)) await ctr(layout, ['tasks', 'delete', '--force', task.id]);
  const listed = await ctr(layout, ['containers', 'ls', '--quiet']);
  const ids = listed.code === 0 ? listed.stdout.split('\n').filter((id) => id !== '') : [];
  for (const id of ids)
    await run('ctr', [
      '--address',
      layout.containerdSocket,
      '--namespace',
      K8S_NAMESPACE,
      'containers',
      'delete',
      id,
    ]);
  return ids;
}

/**
 * The network namespace files named in our containers' specs: a pod sandbox keeps its container (and so this
 * path) until the kubelet removes it, also after its task stopped, e.g. when the kubelet was stopped half way
 * through tearing the pod down.
 */
export async function containerNetnsPaths(layout: NodeLayout): Promise<string[]> {
  const listed = await ctr(layout, ['containers', 'ls', '--quiet']);
  if (listed.code !== 0) return [];
  const paths: string[] = [];
  for (const id of listed.stdout.split('\n').filter((line) => line !== '')) {
    const info = await ctr(layout, ['containers', 'info', id]);
    if (info.code !== 0) continue;
    const spec = (JSON.parse(info.stdout) as ContainerInfo).Spec;
    for (const namespace of spec?.linux?.namespaces ?? [])
      if (namespace.type === 'network' && namespace.path) paths.push(namespace.path);
  }
  return paths;
}

interface ContainerInfo {
  Spec?: { linux?: { namespaces?: { type: string; path?: string }[] } };
}

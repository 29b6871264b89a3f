// buildImage(): an OCI image archive from layers of files, without a Docker daemon. The archive is an OCI image
// layout in one tar (oci-layout, index.json, blobs/sha256/...) that also carries Docker's manifest.json, so that
// `ctr images import`, `skopeo copy oci-archive:...` and `docker load` all take it under its reference.
// Deterministic: entries sorted, fixed owners unless given, mtimes at the epoch; the same inputs give the same
// digests. Compressed layers are cached by their uncompressed digest, so an unchanged layer is not gzipped twice.
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
} from 'node:fs';
import { writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tarArchive, type TarEntry } from './tar.js';

/** One file, directory or symlink of a layer, at an absolute path inside the image. */
export type LayerEntry = {
  path: string;
  mode?: number;
  uid?: number;
  gid?: number;
} & (
  | { type: 'file'; source: string }
  | { type: 'file'; content: string | Buffer }
  | { type: 'dir' }
  | { type: 'symlink'; target: string }
);

export interface LayerSource {
  entries: LayerEntry[];
  /** What the layer is, for the image's history (`ctr`, `docker history`). */
  comment?: string;
}

export interface ImageConfig {
  /** `65532:65532`, `nonroot`... */
  user?: string;
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  labels?: Record<string, string>;
}

export interface ImageSpec {
  /** Repository, e.g. `cluster-registry-operator` or `registry.example/team/op`; normalized as Docker does. */
  name: string;
  tag: string;
  layers: LayerSource[];
  config: ImageConfig;
}

export interface BuiltLayer {
  /** sha256 of the compressed blob, as the manifest names it. */
  digest: string;
  /** sha256 of the uncompressed tar: the config's diff_id. */
  diffId: string;
  compressedBytes: number;
  /** Bytes of the files in the layer (not counting tar headers). */
  unpackedBytes: number;
  comment?: string;
}

export interface BuiltImage {
  archive: string;
  /** The fully qualified reference the archive carries, e.g. `docker.io/library/cluster-registry-operator:0.1.0`. */
  reference: string;
  /** The manifest's digest: what `ctr images ls` and a registry show for the image. */
  digest: string;
  layers: BuiltLayer[];
  /** Bytes of all the layers' files: what the image takes once unpacked. */
  unpackedBytes: number;
}

export interface BuildOptions {
  /** Folder for compressed layers by diff_id; unchanged layers are read from it instead of gzipped again. */
  layerCache?: string;
}

const MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** Docker's normalization: `op` is `docker.io/library/op`, `team/op` is `docker.io/team/op`. */
export function normalizeReference(name: string, tag: string): string {
  const first = name.split('/')[0] ?? '';
  const hasDomain =
    name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  const repository = hasDomain
    ? name
    : name.includes('/')
      ? `docker.io/${name}`
      : `docker.io/library/${name}`;
  if (!/^[a-z0-9]+(?:[._\-/:][a-z0-9]+)*$/.test(repository))
    throw new Error(`image name "${name}" is not valid`);
  if (!/^[\w][\w.-]{0,127}$/.test(tag)) throw new Error(`image tag "${tag}" is not valid`);
  return `${repository}:${tag}`;
}

/**
 * Layer entries for every file, directory and symlink under `dir` on this machine, placed under `at` in the
 * image, with the given owner (root by default) and the files' own modes.
 */
export function entriesFromDirectory(
  dir: string,
  at: string,
  owner: { uid: number; gid: number } = { uid: 0, gid: 0 },
): LayerEntry[] {
  const entries: LayerEntry[] = [];
  const walk = (hostDir: string, imageDir: string) => {
    for (const name of readdirSync(hostDir).sort()) {
      const host = join(hostDir, name);
      const path = posix.join(imageDir, name);
      const stat = lstatSync(host);
      const mode = stat.mode & 0o7777;
      if (stat.isSymbolicLink())
        entries.push({ path, type: 'symlink', target: readlinkSync(host), ...owner });
      else if (stat.isDirectory()) {
        entries.push({ path, type: 'dir', mode, ...owner });
        walk(host, path);
      } else if (stat.isFile()) entries.push({ path, type: 'file', source: host, mode, ...owner });
      else throw new Error(`${host}: only files, directories and symlinks go into an image layer`);
    }
  };
  walk(dir, at);
  return entries;
}

/** The layer's tar entries, sorted, with every missing parent directory added (root, 0755). */
function tarEntries(layer: LayerSource): { entries: TarEntry[]; fileBytes: number } {
  const byPath = new Map<string, TarEntry>();
  let fileBytes = 0;
  for (const entry of layer.entries) {
    const path = posix.normalize(entry.path).replace(/^\/+/, '').replace(/\/+$/, '');
    if (path === '' || path === '.' || path.startsWith('..'))
      throw new Error(`layer path "${entry.path}" is not valid`);
    const owner = { uid: entry.uid ?? 0, gid: entry.gid ?? 0 };
    let tar: TarEntry;
    if (entry.type === 'dir') tar = { path, type: 'dir', mode: entry.mode ?? 0o755, ...owner };
    else if (entry.type === 'symlink')
      tar = { path, type: 'symlink', mode: 0o777, target: entry.target, ...owner };
    else {
      const content =
        'source' in entry
          ? readFileSync(entry.source)
          : Buffer.isBuffer(entry.content)
            ? entry.content
            : Buffer.from(entry.content);
      fileBytes += content.length;
      tar = { path, type: 'file', mode: entry.mode ?? 0o644, content, ...owner };
    }
    if (byPath.has(path)) throw new Error(`layer path "${entry.path}" is given twice`);
    byPath.set(path, tar);
  }
  for (const path of [...byPath.keys()]) {
    for (let parent = posix.dirname(path); parent !== '.'; parent = posix.dirname(parent)) {
      if (!byPath.has(parent)) byPath.set(parent, { path: parent, type: 'dir', mode: 0o755, uid: 0, gid: 0 });
    }
  }
  const entries = [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { entries, fileBytes };
}

function compressLayer(tar: Buffer, diffId: string, cache: string | undefined): Buffer {
  const cached = cache === undefined ? undefined : join(cache, `${diffId.replace(':', '-')}.tar.gz`);
  if (cached !== undefined && existsSync(cached)) return readFileSync(cached);
  const gz = gzipSync(tar, { level: 9 });
  if (cached !== undefined) writeAtomically(cached, gz);
  return gz;
}

function writeAtomically(path: string, data: Buffer | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.${String(process.pid)}.partial`;
  writeFileSync(partial, data);
  renameSync(partial, path);
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/** Builds the image and writes its archive to `out` (a .tar file, replaced whole). */
export function buildImage(spec: ImageSpec, out: string, options: BuildOptions = {}): Promise<BuiltImage> {
  return Promise.resolve().then(() => buildImageNow(spec, out, options));
}

function buildImageNow(spec: ImageSpec, out: string, options: BuildOptions): BuiltImage {
  const reference = normalizeReference(spec.name, spec.tag);
  const blobs = new Map<string, Buffer>();
  const layers: BuiltLayer[] = spec.layers.map((layer) => {
    const { entries, fileBytes } = tarEntries(layer);
    const tar = tarArchive(entries);
    const diffId = sha256(tar);
    const gz = compressLayer(tar, diffId, options.layerCache);
    const digest = sha256(gz);
    blobs.set(digest, gz);
    return {
      digest,
      diffId,
      compressedBytes: gz.length,
      unpackedBytes: fileBytes,
      ...(layer.comment === undefined ? {} : { comment: layer.comment }),
    };
  });

  const { config } = spec;
  const configBlob = json({
    created: '1970-01-01T00:00:00Z',
    architecture: 'amd64',
    os: 'linux',
    config: {
      ...(config.user === undefined ? {} : { User: config.user }),
      ...(config.env === undefined ? {} : { Env: config.env }),
      ...(config.entrypoint === undefined ? {} : { Entrypoint: config.entrypoint }),
      ...(config.cmd === undefined ? {} : { Cmd: config.cmd }),
      ...(config.workingDir === undefined ? {} : { WorkingDir: config.workingDir }),
      ...(config.labels === undefined ? {} : { Labels: config.labels }),
    },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((l) => ({ created: '1970-01-01T00:00:00Z', created_by: l.comment ?? 'buildImage' })),
  });
  const configDigest = sha256(configBlob);
  blobs.set(configDigest, configBlob);

  const manifestBlob = json({
    schemaVersion: 2,
    mediaType: MEDIA.manifest,
    config: { mediaType: MEDIA.config, digest: configDigest, size: configBlob.length },
    layers: layers.map((l) => ({ mediaType: MEDIA.layer, digest: l.digest, size: l.compressedBytes })),
  });
  const digest = sha256(manifestBlob);
  blobs.set(digest, manifestBlob);

  const index = json({
    schemaVersion: 2,
    mediaType: MEDIA.index,
    manifests: [
      {
        mediaType: MEDIA.manifest,
        digest,
        size: manifestBlob.length,
        platform: { architecture: 'amd64', os: 'linux' },
        // containerd takes the first as the image's name; the OCI annotation is the tag, as `docker save` writes it.
        annotations: { 'io.containerd.image.name': reference, 'org.opencontainers.image.ref.name': spec.tag },
      },
    ],
  });
  const blobPath = (d: string) => `blobs/sha256/${d.slice('sha256:'.length)}`;
  const dockerManifest = json([
    {
      Config: blobPath(configDigest),
      RepoTags: [reference.replace(/^docker\.io\/(library\/)?/, '')],
      Layers: layers.map((l) => blobPath(l.digest)),
    },
  ]);

  const root = { mode: 0o644, uid: 0, gid: 0 };
  const archive = tarArchive([
    { path: 'blobs', type: 'dir', ...root, mode: 0o755 },
    { path: 'blobs/sha256', type: 'dir', ...root, mode: 0o755 },
    ...[...blobs.keys()]
      .sort()
      .map((d): TarEntry => ({ path: blobPath(d), type: 'file', content: blobs.get(d), ...root })),
    { path: 'index.json', type: 'file', content: index, ...root },
    { path: 'manifest.json', type: 'file', content: dockerManifest, ...root },
    { path: 'oci-layout', type: 'file', content: json({ imageLayoutVersion: '1.0.0' }), ...root },
  ]);
  writeAtomically(out, archive);
  return {
    archive: out,
    reference,
    digest,
    layers,
    unpackedBytes: layers.reduce((sum, l) => sum + l.unpackedBytes, 0),
  };
}

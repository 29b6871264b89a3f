// The operator's image without Docker: the Dockerfile's build stage (a clean copy of what it copies, `npm ci`, the
// bundle built on the pinned Node), then its runtime stage on the local Node base (hack/image/base.ts) with the
// Dockerfile's COPY, USER, ENTRYPOINT and CMD, written as an OCI archive with a CycloneDX SBOM beside it. Cached
// by content: the bundle by the files the build stage copies, the layers by their digest.
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import * as z from 'zod';
import { bundlePackagesFile } from '../bundle.js';
import { run } from '../testenv/exec.js';
import { importImage } from '../testenv/node/containerd.js';
import { provisionNode } from '../testenv/node.js';
import { cacheRoot, repoRoot } from '../testenv/paths.js';
import { nodeBase, type NodeBase } from './base.js';
import { runtimeStage, type RuntimeStage } from './dockerfile.js';
import { buildImage, type BuiltImage } from './oci.js';
import { imageSbom } from './sbom.js';

/** Bumped when the way the cache's contents are made changes. */
const CACHE = join(cacheRoot(), 'operator-image-v1');

/** What the Dockerfile's build stage COPYs (and .dockerignore lets through). */
const BUILD_CONTEXT = ['package.json', 'package-lock.json', 'tsconfig.json', 'hack', 'src'];
const IGNORED = new Set(['hack/tools']);

/** package.json's version: the image's tag. */
export const operatorVersion = z
  .object({ version: z.string() })
  .parse(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'))).version;

/** The chart's default image repository: the image is built under the name the chart pulls. */
export function chartRepository(): string {
  const values = z
    .object({ image: z.object({ repository: z.string() }) })
    .parse(parse(readFileSync(join(repoRoot, 'charts', 'cluster-registry-operator', 'values.yaml'), 'utf8')));
  return values.image.repository;
}

function contextFiles(): string[] {
  const files: string[] = [];
  const walk = (path: string) => {
    if (IGNORED.has(path)) return;
    if (!statSync(join(repoRoot, path)).isDirectory()) {
      files.push(path);
      return;
    }
    for (const name of readdirSync(join(repoRoot, path)).sort()) walk(`${path}/${name}`);
  };
  for (const path of BUILD_CONTEXT) walk(path);
  return files;
}

/** A digest of the build context's paths and bytes: the same sources give the same bundle. */
function contextKey(files: readonly string[]): string {
  const hash = createHash('sha256');
  for (const file of files)
    hash
      .update(`${file}\0`)
      .update(readFileSync(join(repoRoot, file)))
      .update('\0');
  return hash.digest('hex').slice(0, 32);
}

export interface OperatorBundle {
  file: string;
  packages: string[];
  cached: boolean;
}

/** The build stage: `npm ci` and the bundle in a clean copy of the context, on the pinned Node; cached by content. */
export async function buildStage(node: string): Promise<OperatorBundle> {
  const files = contextFiles();
  const dir = join(CACHE, 'bundles', contextKey(files));
  const file = join(dir, 'cluster-registry-operator.mjs');
  const read = (cached: boolean): OperatorBundle => ({
    file,
    packages: z.array(z.string()).parse(JSON.parse(readFileSync(bundlePackagesFile(file), 'utf8'))),
    cached,
  });
  if (existsSync(bundlePackagesFile(file))) return read(true);
  const work = mkdtempSync(join(tmpdir(), 'cro-build-stage-'));
  try {
    for (const path of files) cpSync(join(repoRoot, path), join(work, path));
    await run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: work });
    const out = join(work, 'dist', 'bundle', 'cluster-registry-operator.mjs');
    await run(node, ['--import', 'tsx', join('hack', 'bundle.ts')], { cwd: work });
    const partial = `${dir}.partial-${String(process.pid)}`;
    mkdirSync(partial, { recursive: true });
    cpSync(out, join(partial, 'cluster-registry-operator.mjs'));
    cpSync(bundlePackagesFile(out), bundlePackagesFile(join(partial, 'cluster-registry-operator.mjs')));
    mkdirSync(join(dir, '..'), { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return read(false);
}

/** The base's `KEY=VALUE` entries with the Dockerfile's ENV on top, replacing a key as a later ENV line does. */
function withEnv(under: readonly string[], over: Record<string, string>): string[] {
  return [
    ...under.filter((entry) => !Object.hasOwn(over, entry.slice(0, entry.indexOf('=')))),
    ...Object.entries(over).map(([key, value]) => `${key}=${value}`),
  ];
}

export interface OperatorImage extends BuiltImage {
  sbom: string;
  stage: RuntimeStage;
  base: NodeBase;
  bundle: OperatorBundle;
}

/** Builds `REPOSITORY:VERSION` into `outDir` (the archive and its SBOM); returns what was built. */
export async function buildOperatorImage(
  outDir: string,
  name: string = chartRepository(),
): Promise<OperatorImage> {
  const stage = runtimeStage();
  const node = await provisionNode();
  const bundle = await buildStage(node);
  const base = await nodeBase(node);
  mkdirSync(outDir, { recursive: true });
  const fileName = `${name.split('/').at(-1) ?? name}-${operatorVersion}`;
  const built = await buildImage(
    {
      name,
      tag: operatorVersion,
      layers: [
        ...base.layers,
        {
          comment: `COPY --from=build ${stage.copy.from} ${stage.copy.to}`,
          entries: [{ path: stage.copy.to, type: 'file', source: bundle.file }],
        },
      ],
      config: {
        ...base.config,
        env: withEnv(base.config.env ?? [], stage.env),
        user: stage.user,
        entrypoint: stage.entrypoint,
        cmd: stage.cmd,
        labels: {
          'org.opencontainers.image.title': 'cluster-registry-operator',
          'org.opencontainers.image.version': operatorVersion,
          'org.opencontainers.image.licenses': 'Apache-2.0',
        },
      },
    },
    join(outDir, `${fileName}.oci.tar`),
    { layerCache: join(CACHE, 'layers') },
  );
  const sbom = join(outDir, `${fileName}.cdx.json`);
  const bom = imageSbom({
    name,
    version: operatorVersion,
    digest: built.digest,
    node: base.node,
    debian: base.packages,
    npm: bundle.packages,
  });
  writeFileSync(sbom, `${JSON.stringify(bom, null, 2)}\n`);
  return { ...built, sbom, stage, base, bundle };
}

/**
 * Builds the image in a scratch folder and imports it into the containerd at `address` (a node's, where the kubelet
 * finds it without a pull); what the demo, the cluster tests and the bench run on the node.
 */
export async function importOperatorImage(address: string): Promise<OperatorImage> {
  const dir = mkdtempSync(join(tmpdir(), 'cro-node-image-'));
  try {
    const built = await buildOperatorImage(dir);
    await importImage(address, built.archive);
    return built;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// `npm run image [-- OUT_DIR]`: the operator's image without Docker (hack/image/operator.ts) into OUT_DIR (default
// dist/image): REPOSITORY-VERSION.oci.tar and its CycloneDX SBOM. Then runs it in a private containerd (read-only
// root, the image's user) and checks `--version` and `crd` against package.json and crds/; prints each layer's size.
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { CRD_FILE } from '../../src/api/crd.js';
import { ensureDebianPackages } from '../testenv/apt.js';
import { repoRoot } from '../testenv/paths.js';
import { buildOperatorImage, operatorVersion } from './operator.js';
import { smokeTest } from './smoke.js';

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

const outDir = resolve(process.argv[2] ?? join(repoRoot, 'dist', 'image'));
const started = Date.now();
const image = await buildOperatorImage(outDir);
const buildSeconds = (Date.now() - started) / 1000;
const lines = [
  `built ${image.reference} (${image.digest}) in ${buildSeconds.toFixed(1)} s` +
    (image.bundle.cached ? ' (bundle from the cache)' : ''),
  ...image.layers.map(
    (layer) =>
      `  layer ${mib(layer.compressedBytes).padStart(11)} compressed, ${mib(layer.unpackedBytes).padStart(11)} unpacked: ${layer.comment ?? ''}`,
  ),
  `  whole: ${mib(image.layers.reduce((sum, l) => sum + l.compressedBytes, 0))} compressed, ${mib(image.unpackedBytes)} unpacked`,
  `  archive ${relative(process.cwd(), image.archive)}`,
  `  sbom    ${relative(process.cwd(), image.sbom)}`,
];
process.stdout.write(`${lines.join('\n')}\n`);

await ensureDebianPackages(['containerd', 'runc']);
const smoke = await smokeTest(image.archive, image.reference, image.stage.entrypoint);
if (smoke.version !== operatorVersion) {
  throw new Error(`the image's --version printed "${smoke.version}", package.json says ${operatorVersion}`);
}
if (smoke.crd !== readFileSync(join(repoRoot, CRD_FILE), 'utf8'))
  throw new Error(`the image's crd differs from ${CRD_FILE}`);
process.stdout.write(
  `ran it (read-only root): --version ${smoke.version}, crd = ${CRD_FILE}, ${JSON.stringify(smoke.identity)}\n`,
);

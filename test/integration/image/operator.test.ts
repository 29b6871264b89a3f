// The operator's image built without Docker (hack/image/operator.ts) from the Dockerfile's definition on the local
// Node 24 base, then run for real by containerd and runc: read-only root, the image's user, its entrypoint.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as z from 'zod';
import { runtimeStage } from '../../../hack/image/dockerfile.js';
import { buildOperatorImage, chartRepository, operatorVersion } from '../../../hack/image/operator.js';
import { smokeTest } from '../../../hack/image/smoke.js';
import { run } from '../../../hack/testenv/exec.js';
import { versions } from '../../../hack/testenv/versions.js';
import { CRD_FILE } from '../../../src/api/crd.js';
import { repoRoot } from '../../../hack/testenv/paths.js';

const configSchema = z.object({
  config: z.object({ User: z.string(), Entrypoint: z.array(z.string()), Cmd: z.array(z.string()) }),
});
const sbomSchema = z.object({
  bomFormat: z.literal('CycloneDX'),
  metadata: z.object({ component: z.object({ name: z.string(), version: z.string() }) }),
  components: z.array(z.object({ name: z.string(), version: z.string(), purl: z.string().optional() })),
});

test('the image builds from the Dockerfile, runs as nonroot on a read-only root, and its SBOM says what is in it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cro-operator-image-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const image = await buildOperatorImage(join(dir, 'out'));
  assert.equal(image.reference, `${chartRepository()}:${operatorVersion}`);

  // The image's config carries the Dockerfile's USER, ENTRYPOINT and CMD.
  const layout = join(dir, 'layout');
  mkdirSync(layout);
  await run('tar', ['-xf', image.archive, '-C', layout]);
  const blob = (digest: string) =>
    readFileSync(join(layout, 'blobs', 'sha256', digest.replace('sha256:', '')), 'utf8');
  const manifest = z
    .object({ config: z.object({ digest: z.string() }) })
    .parse(JSON.parse(blob(image.digest)));
  const { config } = configSchema.parse(JSON.parse(blob(manifest.config.digest)));
  const stage = runtimeStage();
  assert.deepEqual(
    { user: config.User, entrypoint: config.Entrypoint, cmd: config.Cmd },
    { user: stage.user, entrypoint: stage.entrypoint, cmd: stage.cmd },
  );

  const smoke = await smokeTest(image.archive, image.reference, stage.entrypoint);
  assert.equal(smoke.version, operatorVersion);
  assert.equal(smoke.crd, readFileSync(join(repoRoot, CRD_FILE), 'utf8'));
  for (const [key, value] of Object.entries(stage.env)) {
    assert.equal(smoke.identity.env[key], value, `the Dockerfile's ENV ${key}=${value} reaches the process`);
  }
  assert.deepEqual(
    { ...smoke.identity, zone: undefined, env: undefined },
    {
      uid: 65532,
      gid: 65532,
      user: 'nonroot',
      rootWritable: false,
      shell: false,
      caBundle: true,
      node: `v${versions.node}`,
      zone: undefined,
      env: undefined,
    },
  );

  const sbom = sbomSchema.parse(JSON.parse(readFileSync(image.sbom, 'utf8')));
  assert.deepEqual(sbom.metadata.component, {
    ...sbom.metadata.component,
    name: chartRepository(),
    version: operatorVersion,
  });
  const named = (name: string) => sbom.components.find((c) => c.name === name);
  assert.match(named('node')?.version ?? '', /^24\.\d+\.\d+$/);
  const lock = z
    .object({ packages: z.record(z.string(), z.object({ version: z.string().optional() })) })
    .parse(JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')));
  // Every runtime dependency is in the bundle, so in the SBOM, at the version the lock file pins.
  const { dependencies } = z
    .object({ dependencies: z.record(z.string(), z.string()) })
    .parse(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')));
  for (const name of Object.keys(dependencies)) {
    const component = named(name);
    assert.equal(component?.version, lock.packages[`node_modules/${name}`]?.version, `${name} in the SBOM`);
    assert.equal(component?.purl, `pkg:npm/${name.replace('@', '%40')}@${component?.version ?? ''}`);
  }
  // Packages the bundle leaves out are not listed: client-node's undici, the dev tools (yaml among them).
  for (const absent of ['undici', 'esbuild', 'typescript', 'yaml'])
    assert.equal(named(absent), undefined, absent);
  const libc = (await run('dpkg-query', ['-W', '-f=${Version}', 'libc6'])).trim();
  assert.equal(named('libc6')?.version, libc);
});

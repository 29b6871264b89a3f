// buildImage() (hack/image/oci.ts) without a Docker daemon: the archive is reproducible, its layers are tars that
// GNU tar reads as written (long paths, symlinks, owners, modes), and a real containerd imports it under its name.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startPrivateContainerd } from '../../../hack/image/containerd.js';
import { buildImage, entriesFromDirectory, type ImageSpec } from '../../../hack/image/oci.js';
import { run } from '../../../hack/testenv/exec.js';

const LONG = `deep/${'a'.repeat(60)}/${'b'.repeat(60)}/file.txt`;

async function workdir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cro-oci-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function spec(dir: string): ImageSpec {
  const src = join(dir, 'src');
  mkdirSync(join(src, 'bin'), { recursive: true });
  writeFileSync(join(src, 'bin', 'tool'), '#!/bin/false\n', { mode: 0o755 });
  return {
    name: 'registry.test/oci/sample',
    tag: 'v1',
    layers: [
      { comment: 'from a folder', entries: entriesFromDirectory(src, '/opt') },
      {
        comment: 'inline',
        entries: [
          { path: `/${LONG}`, type: 'file', content: 'long\n' },
          { path: '/home/nonroot', type: 'dir', mode: 0o700, uid: 65532, gid: 65532 },
          { path: '/usr/local/bin/tool', type: 'symlink', target: '/opt/bin/tool' },
        ],
      },
    ],
    config: { user: '65532:65532', entrypoint: ['/opt/bin/tool'], cmd: ['run'], env: ['A=b'] },
  };
}

test('the same inputs give the same image, whenever the files were written', async (t) => {
  const dir = await workdir(t);
  const image = spec(dir);
  const first = await buildImage(image, join(dir, 'one.tar'));
  utimesSync(join(dir, 'src', 'bin', 'tool'), new Date(), new Date(2001, 1, 1));
  const second = await buildImage(image, join(dir, 'two.tar'), { layerCache: join(dir, 'cache') });
  assert.equal(second.digest, first.digest);
  assert.deepEqual(readFileSync(second.archive), readFileSync(first.archive));
  assert.equal(first.reference, 'registry.test/oci/sample:v1');
  assert.equal(first.layers.length, 2);
  assert.equal(first.unpackedBytes, '#!/bin/false\n'.length + 'long\n'.length);
});

test('a layer unpacks with GNU tar as written: long paths, symlinks, owners and modes', async (t) => {
  const dir = await workdir(t);
  const built = await buildImage(spec(dir), join(dir, 'image.tar'));
  const layout = join(dir, 'layout');
  mkdirSync(layout);
  await run('tar', ['-xf', built.archive, '-C', layout]);
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as {
    manifests: { digest: string; annotations: Record<string, string> }[];
  };
  const [entry] = index.manifests;
  assert.ok(entry !== undefined);
  assert.equal(entry.digest, built.digest);
  assert.equal(entry.annotations['org.opencontainers.image.ref.name'], 'v1');
  const blob = (digest: string) => join(layout, 'blobs', 'sha256', digest.replace('sha256:', ''));
  const inline = built.layers[1];
  assert.ok(inline !== undefined);
  const listing = await run('tar', ['--numeric-owner', '-tvzf', blob(inline.digest)]);
  assert.match(listing, /^drwx------ 65532\/65532 .* home\/nonroot\/$/m);
  assert.match(listing, /^lrwxrwxrwx 0\/0 .* usr\/local\/bin\/tool -> \/opt\/bin\/tool$/m);
  const rootfs = join(dir, 'rootfs');
  mkdirSync(rootfs);
  await run('tar', ['-xzf', blob(inline.digest), '-C', rootfs]);
  assert.equal(readFileSync(join(rootfs, LONG), 'utf8'), 'long\n');
});

test('containerd imports the archive under its reference', async (t) => {
  const dir = await workdir(t);
  const built = await buildImage(spec(dir), join(dir, 'image.tar'));
  const containerd = await startPrivateContainerd(join(dir, 'cd'));
  t.after(() => containerd.stop());
  await containerd.ctr(['images', 'import', built.archive], 'k8s.io');
  const listed = await containerd.ctr(['images', 'ls'], 'k8s.io');
  const line = listed.split('\n').find((row) => row.startsWith(`${built.reference} `));
  assert.ok(line !== undefined, `ctr images ls lists ${built.reference}:\n${listed}`);
  assert.match(line, new RegExp(built.digest));
  assert.match(line, /linux\/amd64/);
});

// The single-file bundle the image ships (hack/bundle.ts), run with plain node in a folder of its own, as in
// the image: no node_modules, no package.json, no sources.
import assert from 'node:assert/strict';
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { imageEnvironment, imageNodeFlags } from '../../../hack/bundle.js';
import { exec } from '../../../hack/testenv/exec.js';
import { versions } from '../../../hack/testenv/versions.js';
import { CRD_FILE } from '../../../src/api/crd.js';
import { buildBundle, repoRoot } from './support.js';

/** A budget with room to grow, that a dependency pulled in by mistake (a second Kubernetes client, say) breaks. */
const MAX_BUNDLE_BYTES = 4 * 1024 * 1024;

test('the bundle runs on the pinned Node, as in the image (hack/test.ts runs the tests on TESTENV_NODE)', (t) => {
  const pinned = process.env.TESTENV_NODE;
  if (pinned === undefined) {
    t.skip('TESTENV_NODE is not set: an external environment without the provisioned Node');
    return;
  }
  assert.equal(realpathSync(process.execPath), realpathSync(pinned));
  assert.equal(process.version, `v${versions.node}`);
});

/** As the image starts it: node with the Dockerfile's flags and ENV, in the bundle's folder alone. */
function runAsTheImage(file: string, args: string[], nodeArgs: string[] = []) {
  const alone = { cwd: join(file, '..'), env: { PATH: process.env.PATH ?? '', ...imageEnvironment() } };
  return exec(process.execPath, [...imageNodeFlags(), ...nodeArgs, file, ...args], alone);
}

test('the bundle runs alone: --version, --help, crd', async (t) => {
  const { file, bytes } = await buildBundle(t);
  assert.ok(bytes < MAX_BUNDLE_BYTES, `bundle is ${bytes} bytes, over the ${MAX_BUNDLE_BYTES} budget`);

  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const version = await runAsTheImage(file, ['--version']);
  assert.equal(version.code, 0, version.stderr);
  assert.equal(version.stdout.trim(), pkg.version);

  const help = await runAsTheImage(file, ['--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /uninstall-hook/);

  const crd = await runAsTheImage(file, ['crd']);
  assert.equal(crd.code, 0, crd.stderr);
  assert.equal(crd.stdout, readFileSync(join(repoRoot, CRD_FILE), 'utf8'));

  const usage = await runAsTheImage(file, ['uninstall-hook']);
  assert.equal(usage.code, 2, 'a usage error');
  assert.match(usage.stderr, /--selector is required/);
});

test("the bundle carries zod's English messages alone", async (t) => {
  // `import { z } from 'zod'` is the namespace as a value, which esbuild keeps whole: every one of zod's 40-odd
  // locales, a fifth of the bundle and 1-2 MiB of the operator's RSS (docs/benchmarks.md). German stands for them.
  const { file } = await buildBundle(t);
  const text = readFileSync(file, 'utf8');
  assert.match(text, /Invalid input/);
  assert.doesNotMatch(text, /Eingabe/);
});

test("the bundle leaves Node's own fetch unloaded: it never calls it", async (t) => {
  const { file } = await buildBundle(t);
  // Node's undici (fetch, WebSocket, with HTTP/2 and web streams) costs megabytes of memory when loaded; an ES
  // module import of node:http loads it, which the bundle must avoid (hack/bundle.ts).
  const listModules = join(file, '..', 'list-modules.cjs');
  writeFileSync(
    listModules,
    "process.on('exit', () => process._rawDebug(JSON.stringify(process.moduleLoadList)));\n",
  );
  const run = await runAsTheImage(file, ['--version'], ['--require', listModules]);
  assert.equal(run.code, 0, run.stderr);
  const loaded = JSON.parse(run.stderr.trim().split('\n').at(-1) ?? '[]') as string[];
  assert.ok(loaded.includes('NativeModule https'), 'the list names the built-ins loaded');
  assert.deepEqual(
    loaded.filter((name) => name.includes('undici')),
    [],
  );
});

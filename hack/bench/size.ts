// Size: what ships. The operator as one bundled file beside the node_modules it replaces; the old way's JVM, jars
// and kcat for comparison.
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { exec } from '../testenv/exec.js';
import { repoRoot } from '../testenv/paths.js';
import { findExecutable } from './exec.js';
import { BUNDLE } from './operator.js';

export interface SizeResult {
  bundleBytes?: number;
  bundleGzipBytes?: number;
  /** The operator's runtime dependencies as npm installs them (`npm ls --omit=dev`). */
  productionNodeModulesBytes: number;
  productionPackages: number;
  /** Everything in node_modules, dev tools included. */
  allNodeModulesBytes: number;
  nodeBinaryBytes: number;
  jreBytes?: number;
  kafkaLibsBytes: number;
  /** kcat and the shared libraries it loads (librdkafka and friends; libc left out). */
  kcatBytes?: number;
}

/** Bytes under a path, not following symlinks; `skipNested` leaves out node_modules below the top. */
export function duBytes(path: string, skipNested = false): number {
  if (!existsSync(path)) return 0;
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.isFile() ? stat.size : 0;
  let total = 0;
  for (const entry of readdirSync(path)) {
    if (skipNested && entry === 'node_modules') continue;
    total += duBytes(join(path, entry), skipNested);
  }
  return total;
}

async function javaHome(): Promise<string | undefined> {
  const out = await exec('java', ['-XshowSettings:properties', '-version']);
  return /java\.home = (.+)/.exec(out.stderr)?.[1]?.trim();
}

/** A binary and the shared libraries it loads (as ldd lists them), libc excepted. */
async function withLibraries(binary: string): Promise<number> {
  const ldd = await exec('ldd', [binary]);
  let total = statSync(binary).size;
  for (const match of ldd.stdout.matchAll(/=> (\/\S+)/g)) {
    const lib = match[1] ?? '';
    if (/\/lib(c|m|pthread|dl|rt)\.so/.test(lib)) continue;
    if (existsSync(lib)) total += statSync(lib).size;
  }
  return total;
}

export async function benchSize(kafkaLibs: string): Promise<SizeResult> {
  const ls = await exec('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: repoRoot });
  const packages = [...new Set(ls.stdout.split('\n').filter((p) => p.includes('/node_modules/')))];
  const result: SizeResult = {
    productionNodeModulesBytes: packages.reduce((sum, p) => sum + duBytes(p, true), 0),
    productionPackages: packages.length,
    allNodeModulesBytes: duBytes(join(repoRoot, 'node_modules')),
    nodeBinaryBytes: statSync(process.execPath).size,
    kafkaLibsBytes: duBytes(kafkaLibs),
  };
  if (existsSync(BUNDLE)) {
    const bundle = readFileSync(BUNDLE);
    result.bundleBytes = bundle.length;
    result.bundleGzipBytes = gzipSync(bundle, { level: 9 }).length;
  }
  const home = await javaHome();
  if (home !== undefined) result.jreBytes = duBytes(home);
  const kcat = findExecutable('kcat');
  if (kcat !== undefined) result.kcatBytes = await withLibraries(kcat);
  return result;
}

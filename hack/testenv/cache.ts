// Folders of the build cache (paths.ts's cacheRoot()): a folder counts as built only once its build finished and
// stamped it with its name, so an interrupted build is redone from an empty folder, never trusted half-done.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const STAMP = '.complete';

export function isBuilt(dir: string): boolean {
  return existsSync(join(dir, STAMP));
}

/** The name a built folder was stamped with (what `testenv status` lists). */
export function builtName(dir: string): string {
  return readFileSync(join(dir, STAMP), 'utf8').trim();
}

/** Runs `build` into an emptied `dir` unless a finished build is there. */
export async function buildOnce(dir: string, build: (dir: string) => Promise<void>): Promise<void> {
  if (isBuilt(dir)) return;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await build(dir);
  writeFileSync(join(dir, STAMP), `${basename(dir)}\n`);
}

/**
 * A short hash of what a folder is built from, for its name: the stamp only says a build finished, so inputs that
 * change (sources, a pom, a toolchain version) must change the folder.
 */
export function inputsHash(inputs: readonly (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const input of inputs) hash.update(input);
  return hash.digest('hex').slice(0, 12);
}

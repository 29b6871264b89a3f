import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in hack/testenv). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Builds live outside the repo so a clean clone reuses them: ${XDG_CACHE_HOME:-$HOME/.cache}/cluster-registry-operator/testenv. */
export function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(base, 'cluster-registry-operator', 'testenv');
}

/** Runtime state (data, logs, pids, the env file) of the default environment. */
export function defaultStateDir(): string {
  return process.env.TESTENV_DIR ?? join(repoRoot, '.testenv');
}

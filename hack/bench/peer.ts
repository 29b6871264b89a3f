// The Go peer the bench races (hack/tools/peer-operator: controller-runtime and franz-go), built once into the
// cache: the folder's name carries a hash of its sources and the Go version, so an edit or a new Go builds afresh.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOnce, inputsHash, isBuilt } from '../testenv/cache.js';
import { run } from '../testenv/exec.js';
import { cacheRoot, repoRoot } from '../testenv/paths.js';
import type { PeerOperatorBuild } from './operator.js';

const SOURCE = join(repoRoot, 'hack', 'tools', 'peer-operator');

export async function preparePeer(log: (line: string) => void): Promise<PeerOperatorBuild> {
  const goVersion = (await run('go', ['env', 'GOVERSION'])).trim();
  const sources = readdirSync(SOURCE)
    .sort()
    .flatMap((file) => [file, readFileSync(join(SOURCE, file))]);
  const dir = join(cacheRoot(), `peer-operator-${inputsHash([goVersion, ...sources])}`);
  const binary = join(dir, 'peer-operator');
  if (!isBuilt(dir))
    log(`building the Go peer into ${dir} (${goVersion}; first run only, about 2 minutes on 2 cores)`);
  await buildOnce(dir, async () => {
    await run('go', ['build', '-trimpath', '-ldflags', '-s -w', '-o', binary, '.'], { cwd: SOURCE });
  });
  return {
    kind: 'peer',
    label: 'Go peer (controller-runtime 0.22.5, franz-go 1.22.3)',
    binary,
    note: `${goVersion}, ${binary}`,
  };
}

// The Dockerfile's runtime stage, read as the one definition of the image: its base, the file it copies from the
// build stage, ENV, USER, ENTRYPOINT and CMD. The build without Docker, the bench and the chart tests take them from here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../testenv/paths.js';

export interface RuntimeStage {
  base: string;
  /** `COPY --from=build SRC DEST`: SRC inside the build stage (WORKDIR-relative paths resolved), DEST in the image. */
  copy: { from: string; to: string };
  /** `ENV KEY=VALUE ...` lines, by key (a later line's value replacing an earlier one's, as in Docker). */
  env: Record<string, string>;
  user: string;
  entrypoint: string[];
  cmd: string[];
}

function execForm(instruction: string, line: string | undefined): string[] {
  const parsed: unknown = line === undefined ? undefined : JSON.parse(line);
  if (!Array.isArray(parsed) || !parsed.every((part): part is string => typeof part === 'string')) {
    throw new Error(`Dockerfile: expected ${instruction} in exec form (a JSON array of strings)`);
  }
  return parsed;
}

export function runtimeStage(dockerfile = join(repoRoot, 'Dockerfile')): RuntimeStage {
  const text = readFileSync(dockerfile, 'utf8');
  const stages = text.split(/^(?=FROM\s)/m).filter((stage) => stage.startsWith('FROM'));
  const last = stages.at(-1);
  if (last === undefined) throw new Error(`${dockerfile}: no FROM`);
  const value = (instruction: string) => new RegExp(`^${instruction}\\s+(.+?)\\s*$`, 'm').exec(last)?.[1];
  const base = /^FROM\s+(\S+)/.exec(last)?.[1] ?? '';
  const copy = /^COPY\s+--from=\S+\s+(\S+)\s+(\S+)\s*$/m.exec(last);
  const user = value('USER');
  if (copy?.[1] === undefined || copy[2] === undefined || user === undefined) {
    throw new Error(`${dockerfile}: the runtime stage needs one COPY --from=build SRC DEST and a USER`);
  }
  const env: Record<string, string> = {};
  for (const [, pairs = ''] of last.matchAll(/^ENV\s+(.+?)\s*$/gm)) {
    for (const entry of pairs.split(/\s+/)) {
      const pair = /^([A-Za-z_][A-Za-z0-9_]*)=(\S*)$/.exec(entry);
      if (pair?.[1] === undefined || pair[2] === undefined) {
        throw new Error(`${dockerfile}: expected ENV KEY=VALUE (unquoted, no spaces), got ENV ${pairs}`);
      }
      env[pair[1]] = pair[2];
    }
  }
  return {
    base,
    copy: { from: copy[1], to: copy[2] },
    env,
    user,
    entrypoint: execForm('ENTRYPOINT', value('ENTRYPOINT')),
    cmd: execForm('CMD', value('CMD')),
  };
}

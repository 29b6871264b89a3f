// Profiles for missed targets: the slow phase is run again with `node --cpu-prof`, and the profile is summarised
// by self time (function and package), so the report explains a miss with a measurement.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { benchColdStart } from './coldstart.js';
import type { BenchContext } from './context.js';
import { isCpuProfile, summarizeProfile, type ProfileSummary } from './cpuprofile.js';
import { benchLatency } from './latency.js';
import { scaleOnce } from './scale.js';

export type ProfiledPhase = 'latency' | 'scale-1000' | 'coldstart';

export interface PhaseProfile {
  phase: ProfiledPhase;
  /** What the profiled run was. */
  run: string;
  summary: ProfileSummary;
}

function readProfiles(dir: string): ProfileSummary | undefined {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  // The operator is one process: one profile; a second would be a child it spawned, which it does not.
  const file = files[0];
  if (file === undefined) return undefined;
  const parsed: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  return isCpuProfile(parsed) ? summarizeProfile(parsed, 15) : undefined;
}

export async function profilePhase(
  ctx: BenchContext,
  phase: ProfiledPhase,
): Promise<PhaseProfile | undefined> {
  const dir = join(ctx.workDir, `profile-${phase}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // 1 ms sampling: enough samples in a short phase without distorting it much.
  const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=1000'];
  let run: string;
  switch (phase) {
    case 'latency':
      await benchLatency(ctx, nodeArgs, ctx.quick ? 20 : 100);
      run = `${ctx.quick ? 20 : 100} sequential registrations and deletions`;
      break;
    case 'scale-1000': {
      const count = ctx.quick ? 200 : 1000;
      await scaleOnce(ctx, count, nodeArgs);
      run = `${count} registrations created at once, then deleted`;
      break;
    }
    case 'coldstart':
      await benchColdStart(ctx, nodeArgs, 1);
      run = 'one cold start up to the first registration, then shutdown';
      break;
  }
  const summary = readProfiles(dir);
  if (summary === undefined) {
    ctx.log(`profile ${phase}: no .cpuprofile was written (did the operator exit cleanly on SIGTERM?)`);
    return undefined;
  }
  return { phase, run, summary };
}

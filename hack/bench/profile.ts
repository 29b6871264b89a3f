// Profiles for missed targets: the slow phase is run again with `node --cpu-prof`, and the profile is summarised
// by self time (function and package), so the report explains a miss with a measurement; a memory miss gets a heap
// snapshot too, and the idle one where its resident pages are.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { imageNodeFlags } from '../bundle.js';
import { benchColdStart } from './coldstart.js';
import { requireNodeOperator, sleep, type BenchContext } from './context.js';
import { isCpuProfile, summarizeProfile, type ProfileSummary, type ProfileWindow } from './cpuprofile.js';
import { isHeapSnapshot, summarizeHeap, type HeapSummary } from './heapsnapshot.js';
import { benchSteady } from './steady.js';
import { benchLatency } from './latency.js';
import { OperatorProcess } from './operator.js';
import { scaleOnce } from './scale.js';
import { residencyOf, type Residency } from './smaps.js';

const PROFILED_PHASES = ['latency', 'scale-1000', 'steady', 'coldstart', 'idle'] as const;
export type ProfiledPhase = (typeof PROFILED_PHASES)[number];

export function profiledPhase(name: string | undefined): ProfiledPhase {
  const phase = PROFILED_PHASES.find((p) => p === name);
  if (phase === undefined)
    throw new Error(`no phase ${String(name)}: profile one of ${PROFILED_PHASES.join(' ')}`);
  return phase;
}

export interface PhaseProfile {
  phase: ProfiledPhase;
  /** What the profiled run was. */
  run: string;
  summary: ProfileSummary;
  /** What the heap held: with every object registered (scale phase), or idle before the first (idle phase). */
  heap?: HeapSummary;
  /** Where the idle operator's resident memory is, beside a bare node's with the same flags (idle phase only). */
  residency?: { operator: Residency; bareNode: Residency };
  /** The same scale run under settings that bound memory (scale phase only). */
  memoryVariants?: MemoryVariant[];
}

export interface MemoryVariant {
  variant: string;
  peakRssBytes: number;
  allRegisteredMs: number;
  cpuSeconds: number;
}

/** The variant that runs the bundle without the image's Node flags and ENV: what they cost and save. */
const WITHOUT_IMAGE_FLAGS = "without the image's Node flags and ENV";

/**
 * The same run without the image's settings (which trade CPU for memory), without its ENV alone, with V8's other
 * memory-for-CPU flag instead of the image's, and with fewer malloc arenas.
 */
const MEMORY_VARIANTS: {
  variant: string;
  nodeArgs: string[];
  env: Record<string, string>;
  /** Leave out the image's Node flags, its ENV. */
  without?: { flags?: boolean; env?: boolean };
}[] = [
  { variant: WITHOUT_IMAGE_FLAGS, nodeArgs: [], env: {}, without: { flags: true, env: true } },
  { variant: "without the image's ENV", nodeArgs: [], env: {}, without: { env: true } },
  {
    variant: "--optimize-for-size instead of the image's flags",
    nodeArgs: ['--optimize-for-size'],
    env: {},
    without: { flags: true },
  },
  { variant: 'MALLOC_ARENA_MAX=2', nodeArgs: [], env: { MALLOC_ARENA_MAX: '2' } },
];

/** Asks the operator for a heap snapshot (SIGUSR2) and waits, bounded, until the file is complete. */
async function heapSnapshot(operator: OperatorProcess, dir: string): Promise<HeapSummary | undefined> {
  operator.child.kill('SIGUSR2');
  let last = -1;
  for (let i = 0; i < 600; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot'));
    if (file === undefined) continue;
    const size = statSync(join(dir, file)).size;
    // Written in one go while the process is paused: a size that holds still for 200 ms is the whole file.
    if (size > 0 && size === last) {
      const parsed: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      rmSync(join(dir, file));
      return isHeapSnapshot(parsed) ? summarizeHeap(parsed, 15) : undefined;
    }
    last = size;
  }
  return undefined;
}

/** When the race reads the idle RSS: half a second after /readyz first answers. */
const IDLE_READ_MS = 500;

async function started(ctx: BenchContext, nodeArgs: string[]): Promise<OperatorProcess> {
  const operator = await OperatorProcess.start(requireNodeOperator(ctx), {
    kubeconfig: ctx.kubeconfig,
    namespace: ctx.namespace,
    nodeArgs,
  });
  try {
    await operator.waitReady();
  } catch (error) {
    await operator.stop();
    throw error;
  }
  await sleep(IDLE_READ_MS);
  return operator;
}

/** A bare node with the same flags, read as long after its start as the idle operator is after its own. */
async function bareNodeResidency(flags: string[]): Promise<Residency> {
  const child = spawn(process.execPath, [...flags, '-e', 'setTimeout(() => {}, 30_000)'], {
    stdio: 'ignore',
  });
  try {
    await sleep(1000);
    if (child.pid === undefined || child.exitCode !== null) throw new Error('the bare node did not start');
    return residencyOf(child.pid);
  } finally {
    child.kill('SIGKILL');
  }
}

function readProfiles(dir: string, window?: ProfileWindow): ProfileSummary | undefined {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  // The operator is one process: one profile; a second would be a child it spawned, which it does not.
  const file = files[0];
  if (file === undefined) return undefined;
  const parsed: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  return isCpuProfile(parsed) ? summarizeProfile(parsed, 15, window) : undefined;
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
  let heap: HeapSummary | undefined;
  const memoryVariants: MemoryVariant[] = [];
  let window: ProfileWindow | undefined;
  let residency: PhaseProfile['residency'];
  switch (phase) {
    case 'latency':
      await benchLatency(ctx, nodeArgs, ctx.quick ? 20 : 100);
      run = `${ctx.quick ? 20 : 100} sequential registrations and deletions`;
      break;
    case 'scale-1000': {
      const count = ctx.quick ? 200 : 1000;
      await scaleOnce(ctx, count, nodeArgs);
      // The heap snapshot in a run of its own: writing it costs seconds of CPU that would swamp the CPU profile.
      const heapDir = join(dir, 'heap');
      mkdirSync(heapDir);
      await scaleOnce(
        ctx,
        count,
        [`--diagnostic-dir=${heapDir}`, '--heapsnapshot-signal=SIGUSR2'],
        {},
        async (op) => {
          heap = await heapSnapshot(op, heapDir);
        },
      );
      const build = requireNodeOperator(ctx);
      const flags = new Set(imageNodeFlags());
      for (const v of MEMORY_VARIANTS) {
        const operator = {
          ...build,
          entry: v.without?.flags === true ? build.entry.filter((arg) => !flags.has(arg)) : build.entry,
          env: v.without?.env === true ? {} : build.env,
        };
        const point = await scaleOnce({ ...ctx, operator }, count, v.nodeArgs, v.env);
        memoryVariants.push({
          variant: v.variant,
          peakRssBytes: point.peakRssBytes,
          allRegisteredMs: point.allRegisteredMs,
          cpuSeconds: point.cpuSeconds,
        });
      }
      run = `${count} registrations created at once, then deleted`;
      break;
    }
    case 'steady': {
      // A shorter window than the section's (four rounds of heartbeats), summarised alone: not the creation before.
      const seconds = ctx.quick ? 60 : 120;
      const result = await benchSteady(ctx, nodeArgs, seconds, (measured) => {
        window = measured;
      });
      run = `${String(result.count)} registrations heart-beating every ${String(result.intervalSeconds)} s, ${String(seconds)} s of it`;
      break;
    }
    case 'coldstart':
      await benchColdStart(ctx, nodeArgs, 1);
      run = 'one cold start up to the first registration, then shutdown';
      break;
    case 'idle': {
      // Residency and the heap snapshot in a run without the profiler, whose buffers are memory too.
      const heapDir = join(dir, 'heap');
      mkdirSync(heapDir);
      const quiet = await started(ctx, [`--diagnostic-dir=${heapDir}`, '--heapsnapshot-signal=SIGUSR2']);
      try {
        const operator = residencyOf(quiet.pid);
        heap = await heapSnapshot(quiet, heapDir);
        residency = { operator, bareNode: await bareNodeResidency(imageNodeFlags()) };
      } finally {
        await quiet.stop();
      }
      await (await started(ctx, nodeArgs)).stop();
      run = `an operator started with no objects, up to ${String(IDLE_READ_MS)} ms after it was ready, then shut down`;
      break;
    }
  }
  const summary = readProfiles(dir, window);
  if (summary === undefined) {
    ctx.log(`profile ${phase}: no .cpuprofile was written (did the operator exit cleanly on SIGTERM?)`);
    return undefined;
  }
  return {
    phase,
    run,
    summary,
    ...(heap !== undefined ? { heap } : {}),
    ...(residency !== undefined ? { residency } : {}),
    ...(memoryVariants.length > 0 ? { memoryVariants } : {}),
  };
}

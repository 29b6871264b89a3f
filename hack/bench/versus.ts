// Ours beside the Go controller-runtime peer (hack/bench/peer.ts), in the same environment and the same run:
// registration latency one at a time and N created at once (each in rounds in the order ours, peer, peer, ours, ...,
// so that neither gets the quieter minutes of a machine speeding up or slowing down), and N heart-beating. Each
// figure for both, and the ratio the targets are judged by.
import type { BenchContext } from './context.js';
import { writeCount } from './kube.js';
import { benchLatency, latencyCount, poolLatency, type LatencyResult } from './latency.js';
import type { NodeOperatorBuild, PeerOperatorBuild } from './operator.js';
import { MiB } from './proc.js';
import type { ProfiledPhase } from './profile.js';
import { scaleOnce, type ScalePoint } from './scale.js';
import { summarize } from './stats.js';
import { benchSteady, type SteadyResult } from './steady.js';
import type { LatencySummary, ScalePointSummary, SteadySummary, VersusSummary } from './summary.js';

export type Contender = 'ours' | 'peer';

export interface VersusResult {
  labels: Record<Contender, string>;
  count: number;
  /** Each contender's rounds pooled. */
  latency: Record<Contender, LatencyResult>;
  /** Who ran the latency rounds, in order (`raceOrder`). */
  latencyOrder: Contender[];
  /** In the order they ran (`raceOrder`). */
  scale: { operator: Contender; point: ScalePoint }[];
  steady: Record<Contender, SteadyResult>;
}

const ROUNDS = 2;

/**
 * Who runs a measurement's runs, in order: each round (one run of each) mirrors the one before (ours, peer, then peer,
 * ours), so that a drift of the machine's speed across an even number of rounds lands on both alike; plain
 * alternation gives whoever starts the earlier minutes of every round.
 */
export function raceOrder(rounds: number): Contender[] {
  return Array.from({ length: rounds }, (_, round): Contender[] =>
    round % 2 === 0 ? ['ours', 'peer'] : ['peer', 'ours'],
  ).flat();
}

export async function benchVersus(
  ctx: BenchContext,
  ours: NodeOperatorBuild,
  peer: PeerOperatorBuild,
): Promise<VersusResult> {
  const builds: Record<Contender, BenchContext> = {
    ours: { ...ctx, operator: ours },
    peer: { ...ctx, operator: peer },
  };
  const count = ctx.quick ? 200 : 1000;
  const order = raceOrder(ROUNDS);
  const perRound = latencyCount(ctx) / ROUNDS;
  const latencyRuns: Record<Contender, LatencyResult[]> = { ours: [], peer: [] };
  for (const who of order) latencyRuns[who].push(await benchLatency(builds[who], [], perRound));
  const latency = { ours: poolLatency(latencyRuns.ours), peer: poolLatency(latencyRuns.peer) };
  const scale: VersusResult['scale'] = [];
  for (const who of order) {
    ctx.log(
      `versus: ${who}, ${String(count)} at once, run ${String(scale.length + 1)} of ${String(order.length)}`,
    );
    scale.push({ operator: who, point: await scaleOnce(builds[who], count) });
  }
  const steady = { ours: await benchSteady(builds.ours), peer: await benchSteady(builds.peer) };
  return {
    labels: { ours: ours.label, peer: peer.label },
    count,
    latency,
    latencyOrder: order,
    scale,
    steady,
  };
}

/** One figure for both, the ratio ours / peer, and the target for it. */
export interface VersusRow {
  what: string;
  ours: string;
  peer: string;
  /** ours / peer of the means; undefined when either is missing or the peer's is 0. */
  ratio?: number;
  goal: string;
  /** Undefined when there is no target or nothing to judge. */
  met?: boolean;
  /** The phase of ours whose profile explains a miss. */
  profile?: ProfiledPhase;
}

/** API writes (create, update, patch, delete) per registration, from the API server's counters. */
export function writesPerRegistration(point: ScalePointSummary): number {
  return writeCount(Object.entries(point.apiRequests)) / point.count;
}

/** A server's CPU from the first create to the last register record, per registration; the bench's load included. */
export function serverCpuMsPerRegistration(point: ScalePointSummary, server: string): number | undefined {
  const seconds = point.cpuByProcess?.[server];
  return seconds === undefined ? undefined : (seconds * 1000) / point.count;
}

const mean = (values: number[]): number | undefined =>
  values.length === 0 ? undefined : summarize(values).mean;

/**
 * The rows the report shows and the targets of the race: each compares the means of both operators' values,
 * `maxRatio` bounds ours / peer, `maxOurs` bounds ours itself.
 */
export function judgeVersus(v: VersusSummary): VersusRow[] {
  const of = (who: Contender, pick: (p: ScalePointSummary) => number | undefined): number[] =>
    v.scale
      .filter((s) => s.operator === who)
      .map((s) => pick(s.point))
      .filter((x): x is number => x !== undefined);
  const row = (
    what: string,
    values: Record<Contender, number[]>,
    format: (x: number) => string,
    goal: { maxRatio?: number; maxOurs?: number; text: string; profile?: ProfiledPhase },
  ): VersusRow => {
    const [ours, peer] = [mean(values.ours), mean(values.peer)];
    const ratio = ours !== undefined && peer !== undefined && peer > 0 ? ours / peer : undefined;
    const judged = goal.maxRatio !== undefined || goal.maxOurs !== undefined;
    const met =
      !judged || ratio === undefined || ours === undefined
        ? undefined
        : (goal.maxRatio === undefined || ratio <= goal.maxRatio) &&
          (goal.maxOurs === undefined || Math.max(...values.ours) <= goal.maxOurs);
    return {
      what,
      ours: values.ours.map(format).join(', '),
      peer: values.peer.map(format).join(', '),
      ...(ratio === undefined ? {} : { ratio }),
      goal: goal.text,
      ...(met === undefined ? {} : { met }),
      ...(goal.profile === undefined ? {} : { profile: goal.profile }),
    };
  };
  const scale = (pick: (p: ScalePointSummary) => number | undefined) => ({
    ours: of('ours', pick),
    peer: of('peer', pick),
  });
  const both = <T>(pick: (x: T) => number, x: Record<Contender, T>) => ({
    ours: [pick(x.ours)],
    peer: [pick(x.peer)],
  });
  const s = (x: number) => `${(x / 1000).toFixed(2)} s`;
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const mib = (x: number) => `${(x / MiB).toFixed(1)} MiB`;
  const n = v.count.toLocaleString('en-US');
  return [
    row(
      `${n} created at once: first create to the last register record`,
      scale((p) => p.allRegisteredMs),
      s,
      { maxRatio: 1.0, text: '<= 1.0x', profile: 'scale-1000' },
    ),
    row(
      'operator CPU per registration',
      scale((p) => p.cpuMsPerRegistration),
      ms,
      { maxRatio: 1.5, text: '<= 1.5x', profile: 'scale-1000' },
    ),
    // The machine's speed drifts within a run; the API server does the same work for either operator, so the
    // operator's CPU over the API server's in the same round divides the drift out.
    row(
      "operator CPU over kube-apiserver's, the same round",
      scale((p) => {
        const server = serverCpuMsPerRegistration(p, 'kube-apiserver');
        return server === undefined || server === 0 ? undefined : p.cpuMsPerRegistration / server;
      }),
      (x) => x.toFixed(3),
      { text: '' },
    ),
    row(
      'RSS before the first object',
      scale((p) => p.idleRssBytes),
      mib,
      {
        maxRatio: 1.5,
        maxOurs: 100 * MiB,
        text: '<= 1.5x, <= 100 MiB',
        profile: 'idle',
      },
    ),
    row(
      `peak RSS with ${n} objects`,
      scale((p) => p.peakRssBytes),
      mib,
      {
        maxRatio: 1.5,
        maxOurs: 100 * MiB,
        text: '<= 1.5x, <= 100 MiB',
      },
    ),
    row(
      `delete of all ${n} to all gone`,
      scale((p) => p.allGoneMs),
      s,
      { text: '' },
    ),
    // What each operator costs the servers it talks to: on a machine they share, that CPU is the operator's too.
    row(
      'kube-apiserver CPU per registration (all of it, create to the last record)',
      scale((p) => serverCpuMsPerRegistration(p, 'kube-apiserver')),
      ms,
      { text: '' },
    ),
    row(
      'Kafka broker CPU per registration',
      scale((p) => serverCpuMsPerRegistration(p, 'kafka')),
      ms,
      { text: '' },
    ),
    row(
      'API writes per registration (create until writes stop)',
      scale(writesPerRegistration),
      (x) => x.toFixed(2),
      {
        maxRatio: 1.0,
        text: 'no more than the peer',
      },
    ),
    row(
      `${v.steady.ours.count.toLocaleString('en-US')} heart-beating every ${String(v.steady.ours.intervalSeconds)} s: CPU per minute`,
      both((x: SteadySummary) => x.cpuSecondsPerMinute, v.steady),
      (x) => `${x.toFixed(2)} s`,
      { maxRatio: 1.5, text: '<= 1.5x', profile: 'steady' },
    ),
    row(
      'heart-beating: RSS p50',
      both((x: SteadySummary) => x.rss.p50, v.steady),
      mib,
      {
        maxRatio: 1.5,
        maxOurs: 100 * MiB,
        text: '<= 1.5x, <= 100 MiB',
      },
    ),
    row(
      'one at a time, create to record: p50',
      both((x: LatencySummary) => x.registerSummary.p50, v.latency),
      ms,
      { text: '' },
    ),
    row(
      'one at a time, create to record: p99',
      both((x: LatencySummary) => x.registerSummary.p99, v.latency),
      ms,
      { maxRatio: 1.0, text: '<= 1.0x', profile: 'latency' },
    ),
  ];
}

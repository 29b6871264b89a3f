// What docs/benchmarks/results.json keeps of a run: every measurement's statistics and counts, none of its raw
// samples (each latency, each process sample, each old-way run), which go to the run's folder instead. The report
// renders from the summaries; only the plots of raw samples (the latency CDF, the steady state over time) need
// the samples, and are redrawn only when the run's folder has them.
import type { ColdStartResult } from './coldstart.js';
import type { LatencyResult, RegistrationStages } from './latency.js';
import type { OldWayResult, OldWayTool } from './oldway.js';
import type { ScalePoint, ScaleResult } from './scale.js';
import { summarize, type Summary } from './stats.js';
import type { SteadyResult } from './steady.js';
import type { Contender, VersusResult } from './versus.js';

export type OldWayToolSummary = Omit<OldWayTool, 'runs'>;
export interface OldWaySummary extends Omit<OldWayResult, 'consoleProducer' | 'kcat'> {
  consoleProducer: OldWayToolSummary;
  kcat: OldWayToolSummary;
}

export type LatencySummary = Omit<LatencyResult, 'register' | 'tombstone' | 'gone' | 'stages'> & {
  /** Absent from runs before the stages were measured. */
  stageSummaries?: Record<keyof RegistrationStages, Summary>;
};

export type ScalePointSummary = Omit<ScalePoint, 'samples'>;
export interface ScaleSummary extends Omit<ScaleResult, 'points'> {
  points: ScalePointSummary[];
}

export type SteadySummary = Omit<SteadyResult, 'samples'>;

export type ColdStartSummary = Omit<ColdStartResult, 'runs'>;

export interface VersusSummary extends Omit<VersusResult, 'latency' | 'scale' | 'steady'> {
  latency: Record<Contender, LatencySummary>;
  scale: { operator: Contender; point: ScalePointSummary }[];
  steady: Record<Contender, SteadySummary>;
}

/** The sections with raw samples, as a run measures them. */
export interface SampledSections {
  oldway?: OldWayResult;
  latency?: LatencyResult;
  scale?: ScaleResult;
  steady?: SteadyResult;
  coldstart?: ColdStartResult;
  versus?: VersusResult;
}

/** The same sections as results.json keeps them. */
export interface SummarizedSections {
  oldway?: OldWaySummary;
  latency?: LatencySummary;
  scale?: ScaleSummary;
  steady?: SteadySummary;
  coldstart?: ColdStartSummary;
  /** Ours beside the Go peer. */
  versus?: VersusSummary;
}

function without<T extends object, K extends keyof T & string>(value: T, ...keys: K[]): Omit<T, K> {
  const dropped = new Set<string>(keys);
  return Object.fromEntries(Object.entries(value).filter(([key]) => !dropped.has(key))) as Omit<T, K>;
}

function latencySummary(l: LatencyResult): LatencySummary {
  const { stages } = l;
  const kept = without(l, 'register', 'tombstone', 'gone', 'stages');
  if (stages === undefined) return kept;
  return {
    ...kept,
    stageSummaries: {
      created: summarize(stages.created),
      seen: summarize(stages.seen),
      finalized: summarize(stages.finalized),
      statusWritten: summarize(stages.statusWritten),
    },
  };
}

const scalePointSummary = (p: ScalePoint): ScalePointSummary => without(p, 'samples');
const steadySummary = (s: SteadyResult): SteadySummary => without(s, 'samples');

/** Each section present, without its raw samples; the statistics of those samples are in every section already. */
export function summarizeSections(s: SampledSections): SummarizedSections {
  const out: SummarizedSections = {};
  if (s.oldway !== undefined) {
    out.oldway = {
      ...s.oldway,
      consoleProducer: without(s.oldway.consoleProducer, 'runs'),
      kcat: without(s.oldway.kcat, 'runs'),
    };
  }
  if (s.latency !== undefined) out.latency = latencySummary(s.latency);
  if (s.scale !== undefined) out.scale = { ...s.scale, points: s.scale.points.map(scalePointSummary) };
  if (s.steady !== undefined) out.steady = steadySummary(s.steady);
  if (s.coldstart !== undefined) out.coldstart = without(s.coldstart, 'runs');
  if (s.versus !== undefined) {
    const v = s.versus;
    out.versus = {
      ...v,
      latency: { ours: latencySummary(v.latency.ours), peer: latencySummary(v.latency.peer) },
      scale: v.scale.map(({ operator, point }) => ({ operator, point: scalePointSummary(point) })),
      steady: { ours: steadySummary(v.steady.ours), peer: steadySummary(v.steady.peer) },
    };
  }
  return out;
}

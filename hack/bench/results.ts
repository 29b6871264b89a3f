// The results of the runs as docs/benchmarks/results.json keeps them (summaries: see summary.ts), and the targets
// judged from them.
import type { ApiClientResult } from './apiclient.js';
import type { Machine } from './machine.js';
import type { PodResult } from './pod.js';
import type { PhaseProfile, ProfiledPhase } from './profile.js';
import type { SizeResult } from './size.js';
import type { SummarizedSections } from './summary.js';

export const REGISTER_P99_GOAL_MS = 50;

export const SECTIONS = [
  'oldway',
  'latency',
  'scale',
  'steady',
  'coldstart',
  'size',
  'apiclient',
  'versus',
  'pod',
] as const;
export type Section = (typeof SECTIONS)[number];

export interface Results extends SummarizedSections {
  generatedAt: string;
  quick: boolean;
  machine: Machine;
  /** When each section last ran: a subset run keeps the other sections of the previous run. */
  ranAt: Partial<Record<Section, string>>;
  /** The 1-minute load average as each section started: other work on the machine shows here. */
  loadAt?: Partial<Record<Section, number>>;
  /** Sections that could not run, with the reason. */
  skipped: Partial<Record<Section, string>>;
  size?: SizeResult;
  apiclient?: ApiClientResult;
  /** The chart's pod on the node. */
  pod?: PodResult;
  profiles: Partial<Record<ProfiledPhase, PhaseProfile>>;
}

export interface Target {
  id: string;
  what: string;
  goal: string;
  measured: string;
  met: boolean | undefined;
  /** The phase whose profile explains a miss. */
  profile: ProfiledPhase;
}

const MiB = 1024 * 1024;
const ms = (v: number | undefined): string =>
  v === undefined || !Number.isFinite(v) ? 'n/a' : `${v.toFixed(1)} ms`;

export function judgeTargets(r: Results): Target[] {
  const lat = r.latency;
  const cp = r.oldway?.consoleProducer.wallMs?.p50;
  const scale1000 = r.scale?.points.find((p) => p.count === 1000);
  const ratio = cp !== undefined && lat !== undefined ? cp / lat.registerSummary.p50 : undefined;
  const rss1000 = [
    scale1000?.peakRssBytes,
    r.steady?.count === 1000 ? r.steady.peakRssBytes : undefined,
  ].filter((v): v is number => v !== undefined);
  const rssMax = rss1000.length > 0 ? Math.max(...rss1000) : undefined;
  const cold = r.coldstart?.firstRecord;
  return [
    {
      id: 'register-p99',
      what: 'registration latency p99 (create request to record in the topic), operator warm',
      goal: `<= ${REGISTER_P99_GOAL_MS} ms`,
      measured: ms(lat?.registerSummary.p99),
      met: lat === undefined ? undefined : lat.registerSummary.p99 <= REGISTER_P99_GOAL_MS,
      profile: 'latency',
    },
    {
      id: 'deregister-p99',
      what: 'deregistration latency p99 (delete request to tombstone / to object gone), operator warm',
      goal: '<= 100 ms',
      measured: lat === undefined ? 'n/a' : `${ms(lat.tombstoneSummary.p99)} / ${ms(lat.goneSummary.p99)}`,
      met: lat === undefined ? undefined : Math.max(lat.tombstoneSummary.p99, lat.goneSummary.p99) <= 100,
      profile: 'latency',
    },
    {
      id: 'per-record-ratio',
      what: 'time per record, kafka-console-producer median / operator registration median',
      goal: '>= 20x',
      measured: ratio === undefined ? 'n/a' : `${ratio.toFixed(0)}x`,
      met: ratio === undefined ? undefined : ratio >= 20,
      profile: 'latency',
    },
    {
      id: 'scale-1000',
      what: '1,000 registrations created at once, all registered',
      goal: '<= 10 s',
      measured: scale1000 === undefined ? 'n/a' : `${(scale1000.allRegisteredMs / 1000).toFixed(2)} s`,
      met:
        scale1000 === undefined
          ? undefined
          : scale1000.registered === 1000 && scale1000.allRegisteredMs <= 10_000,
      profile: 'scale-1000',
    },
    {
      id: 'rss-1000',
      what: 'operator peak RSS with 1,000 objects (scale run and steady state)',
      goal: '<= 100 MiB',
      measured: rssMax === undefined ? 'n/a' : `${(rssMax / MiB).toFixed(1)} MiB`,
      met: rssMax === undefined ? undefined : rssMax <= 100 * MiB,
      profile: 'scale-1000',
    },
    {
      id: 'cold-start',
      what: 'cold start: process start to first registration acknowledged (median of runs; worst in brackets)',
      goal: '<= 1 s',
      measured: cold === undefined ? 'n/a' : `${ms(cold.p50)} (${ms(cold.max)})`,
      met: cold === undefined ? undefined : cold.p50 <= 1000,
      profile: 'coldstart',
    },
  ];
}

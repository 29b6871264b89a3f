// Registration and deregistration latency with the operator warm, one object at a time: create request to the
// record in the topic; delete request to the tombstone, and to the object being gone (its watch DELETED event).
// One at a time means the operator is idle when each request is sent: a create waits until the previous object's
// status is written, or it would queue behind that object's status PATCH and measure two registrations at once.
import { objectName, requireOperator, sleep, type BenchContext } from './context.js';
import { OperatorProcess } from './operator.js';
import { summarize, type Summary } from './stats.js';

/** Where a registration's time goes: each stage in ms from the create request, as the bench's watch sees it. */
export interface RegistrationStages {
  /** The API server answered the create. */
  created: number[];
  /** The ADDED watch event arrived (the operator's watch gets the same event). */
  seen: number[];
  /** Our finalizer is on: the operator's PATCH, which must precede any record, came back through the watch. */
  finalized: number[];
  /** The status is written: after the broker acknowledged the record. */
  statusWritten: number[];
}

export const STAGE_NAMES: Record<keyof RegistrationStages, string> = {
  created: 'create request answered',
  seen: 'ADDED watch event',
  finalized: 'finalizer on (operator PATCH)',
  statusWritten: 'status written (after the ack)',
};

export interface LatencyResult {
  operator: string;
  count: number;
  /** Create request sent to the register record's arrival, ms. */
  register: number[];
  /** Absent from results written before the stages were measured. */
  stages?: RegistrationStages;
  /** Delete request sent to the tombstone's arrival, ms. */
  tombstone: number[];
  /** Delete request sent to the object's DELETED watch event, ms. */
  gone: number[];
  registerSummary: Summary;
  tombstoneSummary: Summary;
  goneSummary: Summary;
}

/** How many registrations a latency measurement times, unless told otherwise. */
export const latencyCount = (ctx: BenchContext): number => (ctx.quick ? 30 : 200);

export async function benchLatency(
  ctx: BenchContext,
  nodeArgs: string[] = [],
  countOverride?: number,
): Promise<LatencyResult> {
  const build = requireOperator(ctx);
  const count = countOverride ?? latencyCount(ctx);
  const warmup = 10;
  const operator = await OperatorProcess.start(build, {
    kubeconfig: ctx.kubeconfig,
    namespace: ctx.namespace,
    nodeArgs,
  });
  const stopWatch = new AbortController();
  try {
    await operator.waitReady();
    const seen = new Map<string, number>();
    const finalized = new Map<string, number>();
    const statusWritten = new Map<string, number>();
    const gone = new Map<string, number>();
    const { resourceVersion } = await ctx.kube.listRegistrations();
    await ctx.kube.watchRegistrations(resourceVersion, stopWatch.signal, (type, object, at) => {
      const { name, finalizers } = object.metadata;
      if (type === 'ADDED') seen.set(name, at);
      if (type === 'DELETED') gone.set(name, at);
      if (type !== 'MODIFIED') return;
      if (!finalized.has(name) && (finalizers ?? []).length > 0) finalized.set(name, at);
      if (!statusWritten.has(name) && object.status !== undefined) statusWritten.set(name, at);
    });
    const waitUntil = async (what: string, name: string, times: Map<string, number>): Promise<number> => {
      const deadline = performance.now() + 30_000;
      while (!times.has(name) && performance.now() < deadline) await sleep(2);
      const at = times.get(name);
      if (at === undefined) throw new Error(`${name}: no ${what} within 30 s`);
      return at;
    };
    const register: number[] = [];
    const stages: RegistrationStages = { created: [], seen: [], finalized: [], statusWritten: [] };
    const tombstone: number[] = [];
    const goneMs: number[] = [];
    const names = Array.from({ length: warmup + count }, (_, i) => objectName('bench-lat', i));
    for (const [i, name] of names.entries()) {
      const t0 = performance.now();
      await ctx.kube.createRegistration(name, ctx.brokers, '30s');
      const created = performance.now();
      const at = await ctx.watch.waitFor(name, 'register', t0, 30_000);
      const written = await waitUntil('status', name, statusWritten);
      if (i < warmup) continue;
      register.push(at - t0);
      stages.created.push(created - t0);
      stages.seen.push((await waitUntil('ADDED event', name, seen)) - t0);
      stages.finalized.push((await waitUntil('finalizer', name, finalized)) - t0);
      stages.statusWritten.push(written - t0);
    }
    for (const [i, name] of names.entries()) {
      const t0 = performance.now();
      await ctx.kube.deleteRegistration(name);
      const at = await ctx.watch.waitFor(name, 'tombstone', t0, 30_000);
      const goneAt = await waitUntil('DELETED event', name, gone);
      if (i >= warmup) {
        tombstone.push(at - t0);
        goneMs.push(goneAt - t0);
      }
    }
    ctx.log(
      `latency (${build.label}): register p50 ${summarize(register).p50.toFixed(1)} ms p99 ${summarize(register).p99.toFixed(1)} ms; ` +
        `tombstone p99 ${summarize(tombstone).p99.toFixed(1)} ms; gone p99 ${summarize(goneMs).p99.toFixed(1)} ms`,
    );
    return latencyResult(build.label, register, tombstone, goneMs, stages);
  } finally {
    stopWatch.abort();
    await operator.stop();
  }
}

function latencyResult(
  operator: string,
  register: number[],
  tombstone: number[],
  gone: number[],
  stages: RegistrationStages,
): LatencyResult {
  return {
    operator,
    count: register.length,
    register,
    stages,
    tombstone,
    gone,
    registerSummary: summarize(register),
    tombstoneSummary: summarize(tombstone),
    goneSummary: summarize(gone),
  };
}

/** Several runs of one operator as one: their samples together, summarized again. */
export function poolLatency(runs: LatencyResult[]): LatencyResult {
  const [first] = runs;
  if (first === undefined) throw new Error('poolLatency: no runs');
  const all = (pick: (run: LatencyResult) => number[]): number[] => runs.flatMap(pick);
  const stage = (key: keyof RegistrationStages): number[] => all((run) => run.stages?.[key] ?? []);
  return latencyResult(
    first.operator,
    all((run) => run.register),
    all((run) => run.tombstone),
    all((run) => run.gone),
    {
      created: stage('created'),
      seen: stage('seen'),
      finalized: stage('finalized'),
      statusWritten: stage('statusWritten'),
    },
  );
}

// Registration and deregistration latency with the operator warm, one object at a time: create request to the
// record in the topic; delete request to the tombstone, and to the object being gone (its watch DELETED event).
import { objectName, requireOperator, sleep, type BenchContext } from './context.js';
import { OperatorProcess } from './operator.js';
import { summarize, type Summary } from './stats.js';

export interface LatencyResult {
  operator: string;
  count: number;
  /** Create request sent to the register record's arrival, ms. */
  register: number[];
  /** Delete request sent to the tombstone's arrival, ms. */
  tombstone: number[];
  /** Delete request sent to the object's DELETED watch event, ms. */
  gone: number[];
  registerSummary: Summary;
  tombstoneSummary: Summary;
  goneSummary: Summary;
}

export async function benchLatency(
  ctx: BenchContext,
  nodeArgs: string[] = [],
  countOverride?: number,
): Promise<LatencyResult> {
  const build = requireOperator(ctx);
  const count = countOverride ?? (ctx.quick ? 30 : 200);
  const warmup = 10;
  const operator = await OperatorProcess.start(build, {
    kubeconfig: ctx.kubeconfig,
    namespace: ctx.namespace,
    nodeArgs,
  });
  const stopWatch = new AbortController();
  try {
    await operator.waitReady();
    const gone = new Map<string, number>();
    const { resourceVersion } = await ctx.kube.listRegistrations();
    await ctx.kube.watchRegistrations(resourceVersion, stopWatch.signal, (type, object, at) => {
      if (type === 'DELETED') gone.set(object.metadata.name, at);
    });
    const register: number[] = [];
    const tombstone: number[] = [];
    const goneMs: number[] = [];
    const names = Array.from({ length: warmup + count }, (_, i) => objectName('bench-lat', i));
    for (const [i, name] of names.entries()) {
      const t0 = performance.now();
      await ctx.kube.createRegistration(name, ctx.brokers, '30s');
      const at = await ctx.watch.waitFor(name, 'register', t0, 30_000);
      if (i >= warmup) register.push(at - t0);
    }
    // Let the status writes of the last creations settle, so deletions do not queue behind them.
    await sleep(1000);
    for (const [i, name] of names.entries()) {
      const t0 = performance.now();
      await ctx.kube.deleteRegistration(name);
      const at = await ctx.watch.waitFor(name, 'tombstone', t0, 30_000);
      const deadline = performance.now() + 30_000;
      while (!gone.has(name) && performance.now() < deadline) await sleep(2);
      const goneAt = gone.get(name);
      if (goneAt === undefined) throw new Error(`${name} was not deleted within 30 s`);
      if (i >= warmup) {
        tombstone.push(at - t0);
        goneMs.push(goneAt - t0);
      }
    }
    ctx.log(
      `latency: register p50 ${summarize(register).p50.toFixed(1)} ms p99 ${summarize(register).p99.toFixed(1)} ms; ` +
        `tombstone p99 ${summarize(tombstone).p99.toFixed(1)} ms; gone p99 ${summarize(goneMs).p99.toFixed(1)} ms`,
    );
    return {
      operator: build.label,
      count,
      register,
      tombstone,
      gone: goneMs,
      registerSummary: summarize(register),
      tombstoneSummary: summarize(tombstone),
      goneSummary: summarize(goneMs),
    };
  } finally {
    stopWatch.abort();
    await operator.stop();
  }
}

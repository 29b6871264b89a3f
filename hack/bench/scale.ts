// Scale: N ClusterRegistrations created at once against a freshly started operator; how long until every one is
// registered, at what rate, with how many API requests, at what RSS and CPU; then all deleted at once.
import { objectName, pool, requireOperator, sleep, type BenchContext } from './context.js';
import { requestDelta, writeCount } from './kube.js';
import { OperatorProcess, promValue } from './operator.js';
import { readProc } from './proc.js';
import { summarize, total, type Summary } from './stats.js';

export interface ScalePoint {
  count: number;
  /** First create request to the last creation answered, ms. */
  createMs: number;
  /** First create request to the last register record's arrival, ms. */
  allRegisteredMs: number;
  registered: number;
  recordsPerSecond: number;
  /** Each object's register record, ms after the first create request. */
  perObject: Summary;
  /** First create request to every object's Ready condition True (a LIST a second), ms; undefined if not all. */
  allReadyMs?: number;
  ready: number;
  cpuSeconds: number;
  cpuMsPerRegistration: number;
  /** RSS once ready, before the first object (absent from results written before it was measured). */
  idleRssBytes?: number;
  peakRssBytes: number;
  rssAfterBytes: number;
  heapUsedBytes?: number;
  /** V8 heap committed (nodejs_heap_size_total_bytes). */
  heapTotalBytes?: number;
  externalBytes?: number;
  apiRequests: Record<string, number>;
  apiRequestsPerRegistration: number;
  /** First delete request to the last tombstone, and to the last object gone, ms. */
  allTombstonedMs: number;
  allGoneMs?: number;
  samples: { t: number; cpuSeconds: number; rssBytes: number }[];
  /**
   * CPU seconds of every process on the machine's cores from the first create to the last register record: the
   * operator, the environment's servers and the bench itself (creating objects and reading records).
   */
  cpuByProcess?: Record<string, number>;
}

export interface ScaleResult {
  operator: string;
  points: ScalePoint[];
  /** Counts whose run failed, with the error. */
  failed?: { count: number; error: string }[];
}

const CREATE_CONCURRENCY = 32;

// The first heartbeats are due 30 s after the first registrations, and ours then writes lastHeartbeatTime: writes
// counted up to here are the registrations' own.
const SETTLE_UNTIL_MS = 28_000;

/**
 * The API server's counters once writes have stood still for a second, or at `untilMs` (performance.now()): the
 * Go peer's Events leave client-go's recorder from a queue, one at a time, after its records and status writes,
 * and a count taken 2 s after Ready missed some of them.
 */
async function settledCounters(ctx: BenchContext, untilMs: number): Promise<Map<string, number>> {
  let counters = await ctx.kube.requestCounters();
  for (;;) {
    await sleep(1000);
    const next = await ctx.kube.requestCounters();
    if (writeCount(next) === writeCount(counters) || performance.now() >= untilMs) return next;
    counters = next;
  }
}

export async function scaleOnce(
  ctx: BenchContext,
  count: number,
  nodeArgs: string[] = [],
  env: Record<string, string> = {},
  /** Called once every object is registered and Ready (the profile run takes a heap snapshot there). */
  atRegistered?: (operator: OperatorProcess) => Promise<void>,
): Promise<ScalePoint> {
  const build = requireOperator(ctx);
  const operator = await OperatorProcess.start(build, {
    kubeconfig: ctx.kubeconfig,
    namespace: ctx.namespace,
    nodeArgs,
    env,
  });
  try {
    await operator.waitReady();
    await sleep(500);
    const names = Array.from({ length: count }, (_, i) => objectName(`bench-scale${count}`, i));
    const before = await ctx.kube.requestCounters();
    const ownBefore = ctx.kube.ownSnapshot();
    const idle = operator.sampler.sample();
    const cpu0 = idle?.cpuSeconds ?? 0;
    const servers0 = serverCpu(ctx);
    const bench0 = process.cpuUsage();
    const t0 = performance.now();
    await pool(names, CREATE_CONCURRENCY, (name) => ctx.kube.createRegistration(name, ctx.brokers, '30s'));
    const createMs = performance.now() - t0;
    const arrivals = await ctx.watch.waitAll(names, 'register', t0, 60_000 + count * 40);
    const tAll = Math.max(...arrivals.values(), t0);
    const cpu1 = operator.sampler.sample()?.cpuSeconds ?? 0;
    const bench1 = process.cpuUsage(bench0);
    const servers1 = serverCpu(ctx);
    const cpuByProcess: Record<string, number> = {
      operator: cpu1 - cpu0,
      bench: (bench1.user + bench1.system) / 1e6,
    };
    for (const [name, seconds] of Object.entries(servers1))
      cpuByProcess[name] = seconds - (servers0[name] ?? 0);
    let ready = 0;
    const allReady = await ctx.kube.waitList(
      (items) => {
        const ours = items.filter((o) => o.metadata.name.startsWith(`bench-scale${count}-`));
        ready = ours.filter((o) =>
          o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        ).length;
        return ready === count;
      },
      30_000 + count * 20,
    );
    const tReady = performance.now();
    const after = await settledCounters(ctx, t0 + SETTLE_UNTIL_MS);
    const apiRequests = requestDelta(before, after, ownBefore, ctx.kube.ownSnapshot());
    const metrics = await operator.metrics().catch(() => '');
    if (atRegistered !== undefined) await atRegistered(operator);
    const settled = operator.sampler.sample();
    const phase = operator.sampler.between(t0, performance.now());
    const point: ScalePoint = {
      count,
      createMs,
      allRegisteredMs: tAll - t0,
      registered: arrivals.size,
      recordsPerSecond: arrivals.size / ((tAll - t0) / 1000),
      perObject: summarize([...arrivals.values()].map((at) => at - t0)),
      ...(allReady ? { allReadyMs: tReady - t0 } : {}),
      ready,
      cpuSeconds: cpu1 - cpu0,
      cpuMsPerRegistration: ((cpu1 - cpu0) * 1000) / count,
      ...(idle === undefined ? {} : { idleRssBytes: idle.rssBytes }),
      peakRssBytes: settled?.peakRssBytes ?? Math.max(...phase.map((s) => s.rssBytes)),
      rssAfterBytes: settled?.rssBytes ?? 0,
      apiRequests,
      apiRequestsPerRegistration: total(apiRequests) / count,
      allTombstonedMs: 0,
      samples: phase.map((s) => ({
        t: (s.at - t0) / 1000,
        cpuSeconds: s.cpuSeconds - cpu0,
        rssBytes: s.rssBytes,
      })),
      cpuByProcess,
    };
    const heap = promValue(metrics, 'nodejs_heap_size_used_bytes');
    const external = promValue(metrics, 'nodejs_external_memory_bytes');
    const heapTotal = promValue(metrics, 'nodejs_heap_size_total_bytes');
    if (heapTotal !== undefined) point.heapTotalBytes = heapTotal;
    if (heap !== undefined) point.heapUsedBytes = heap;
    if (external !== undefined) point.externalBytes = external;
    // Deregistration at scale: every object deleted at once (32 requests in flight); the finalizers hold each one
    // until its tombstone.
    const t2 = performance.now();
    await ctx.kube.deleteRegistrations(names);
    const tombstones = await ctx.watch.waitAll(names, 'tombstone', t2, 60_000 + count * 40);
    point.allTombstonedMs = Math.max(...tombstones.values(), t2) - t2;
    if (await ctx.kube.waitList((items) => items.length === 0, 60_000 + count * 20)) {
      point.allGoneMs = performance.now() - t2;
    }
    ctx.log(
      `scale ${count}: all registered in ${(point.allRegisteredMs / 1000).toFixed(2)} s ` +
        `(${point.recordsPerSecond.toFixed(0)}/s), ${point.apiRequestsPerRegistration.toFixed(2)} API requests each, ` +
        `peak RSS ${(point.peakRssBytes / 2 ** 20).toFixed(0)} MiB, CPU ${point.cpuSeconds.toFixed(2)} s`,
    );
    return point;
  } finally {
    await operator.stop();
  }
}

/** CPU seconds so far of each of the environment's servers that is still running. */
function serverCpu(ctx: BenchContext): Record<string, number> {
  const now = performance.now();
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(ctx.serverPids)) {
    const sample = readProc(pid, now);
    if (sample !== undefined) out[name] = sample.cpuSeconds;
  }
  return out;
}

export async function benchScale(ctx: BenchContext): Promise<ScaleResult> {
  const counts = ctx.quick ? [1, 50, 200] : [1, 100, 1000, 5000];
  const points: ScalePoint[] = [];
  const failed: { count: number; error: string }[] = [];
  for (const count of counts) {
    try {
      points.push(await scaleOnce(ctx, count));
    } catch (error) {
      // The other counts still stand; what is left behind is cleaned up before the next.
      failed.push({ count, error: (error instanceof Error ? error.message : String(error)).slice(0, 500) });
      ctx.log(`scale ${count} failed: ${failed[failed.length - 1]?.error ?? ''}`);
      await ctx.cleanup();
    }
  }
  if (points.length === 0) throw new Error(failed.map((f) => `${f.count}: ${f.error}`).join('; '));
  return { operator: requireOperator(ctx).label, points, ...(failed.length > 0 ? { failed } : {}) };
}

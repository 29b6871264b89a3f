// Steady state: N registrations heart-beating every 30 s for a window; the operator's CPU and RSS over it, beside
// what the old CronJob spent (one pod, one JVM per cluster per minute).
import { objectName, pool, requireOperator, sleep, type BenchContext } from './context.js';
import { requestDelta } from './kube.js';
import { OperatorProcess } from './operator.js';
import type { ProfileWindow } from './cpuprofile.js';
import { summarize, total, type Summary } from './stats.js';

export interface SteadyResult {
  operator: string;
  count: number;
  intervalSeconds: number;
  windowSeconds: number;
  heartbeats: number;
  expectedHeartbeats: number;
  cpuSeconds: number;
  cpuSecondsPerMinute: number;
  /** Share of one core, %. */
  cpuPercentOfCore: number;
  rss: Summary;
  peakRssBytes: number;
  apiRequests: Record<string, number>;
  apiRequestsPerMinute: number;
  samples: { t: number; cpuSeconds: number; rssBytes: number }[];
}

export async function benchSteady(
  ctx: BenchContext,
  nodeArgs: string[] = [],
  windowOverrideSeconds?: number,
  /** Told the measured window, in milliseconds since the operator was started (to cut its profile to it). */
  onWindow?: (window: ProfileWindow) => void,
): Promise<SteadyResult> {
  const build = requireOperator(ctx);
  const count = ctx.quick ? 100 : 1000;
  const windowSeconds = windowOverrideSeconds ?? (ctx.quick ? 60 : 300);
  const intervalSeconds = 30;
  const spawnedAt = performance.now();
  const operator = await OperatorProcess.start(build, {
    kubeconfig: ctx.kubeconfig,
    namespace: ctx.namespace,
    nodeArgs,
  });
  const names = Array.from({ length: count }, (_, i) => objectName('bench-steady', i));
  try {
    await operator.waitReady();
    const t0 = performance.now();
    await pool(names, 32, (name) => ctx.kube.createRegistration(name, ctx.brokers, `${intervalSeconds}s`));
    await ctx.watch.waitAll(names, 'register', t0, 120_000);
    // The first round of heartbeats and status writes settles before the window opens.
    await sleep(ctx.quick ? 5_000 : 10_000);
    const before = await ctx.kube.requestCounters();
    const ownBefore = ctx.kube.ownSnapshot();
    const start = operator.sampler.sample();
    const w0 = performance.now();
    const deadline = w0 + windowSeconds * 1000;
    while (performance.now() < deadline) await sleep(Math.min(1000, deadline - performance.now()));
    const end = operator.sampler.sample();
    const w1 = performance.now();
    onWindow?.({ fromMs: w0 - spawnedAt, toMs: w1 - spawnedAt });
    const after = await ctx.kube.requestCounters();
    const apiRequests = requestDelta(before, after, ownBefore, ctx.kube.ownSnapshot());
    const heartbeats = ctx.watch
      .arrivalsBetween('heartbeat', w0, w1)
      .filter((a) => a.key.startsWith('bench-steady-')).length;
    const window = operator.sampler.between(w0, w1);
    const cpuSeconds = (end?.cpuSeconds ?? 0) - (start?.cpuSeconds ?? 0);
    const minutes = (w1 - w0) / 60_000;
    const result: SteadyResult = {
      operator: build.label,
      count,
      intervalSeconds,
      windowSeconds,
      heartbeats,
      expectedHeartbeats: Math.round((count * windowSeconds) / intervalSeconds),
      cpuSeconds,
      cpuSecondsPerMinute: cpuSeconds / minutes,
      cpuPercentOfCore: (cpuSeconds / ((w1 - w0) / 1000)) * 100,
      rss: summarize(window.map((s) => s.rssBytes)),
      peakRssBytes: end?.peakRssBytes ?? 0,
      apiRequests,
      apiRequestsPerMinute: total(apiRequests) / minutes,
      samples: window.map((s) => ({
        t: (s.at - w0) / 1000,
        cpuSeconds: s.cpuSeconds - (start?.cpuSeconds ?? 0),
        rssBytes: s.rssBytes,
      })),
    };
    ctx.log(
      `steady: ${count} objects, ${heartbeats}/${result.expectedHeartbeats} heartbeats in ${windowSeconds} s, ` +
        `${result.cpuSecondsPerMinute.toFixed(2)} CPU s/min, RSS p50 ${(result.rss.p50 / 2 ** 20).toFixed(0)} MiB`,
    );
    return result;
  } finally {
    const t2 = performance.now();
    await ctx.kube.deleteRegistrations(names).catch(() => undefined);
    await ctx.watch.waitAll(names, 'tombstone', t2, 120_000);
    await ctx.kube.waitList((items) => items.length === 0, 120_000);
    await operator.stop();
  }
}

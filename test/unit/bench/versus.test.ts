import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { poolLatency, type LatencyResult } from '../../../hack/bench/latency.js';
import type { ScalePoint } from '../../../hack/bench/scale.js';
import { summarize } from '../../../hack/bench/stats.js';
import type { SteadyResult } from '../../../hack/bench/steady.js';
import {
  judgeVersus,
  raceOrder,
  serverCpuMsPerRegistration,
  writesPerRegistration,
  type VersusResult,
  type VersusRow,
} from '../../../hack/bench/versus.js';

const MiB = 1024 * 1024;

function point(allRegisteredMs: number, peakRssMiB: number, apiRequests: Record<string, number>): ScalePoint {
  return {
    count: 1000,
    createMs: 1000,
    allRegisteredMs,
    registered: 1000,
    recordsPerSecond: 1000 / (allRegisteredMs / 1000),
    perObject: summarize([1, 2, 3]),
    ready: 1000,
    cpuSeconds: 3,
    cpuMsPerRegistration: 3,
    idleRssBytes: 40 * MiB,
    peakRssBytes: peakRssMiB * MiB,
    rssAfterBytes: 0,
    apiRequests,
    apiRequestsPerRegistration: 0,
    allTombstonedMs: 1000,
    allGoneMs: 2000,
    samples: [],
  };
}

function latency(p99: number): LatencyResult {
  const s = summarize([p99 / 2, p99]);
  return {
    operator: 'x',
    count: 2,
    register: [],
    tombstone: [],
    gone: [],
    registerSummary: s,
    tombstoneSummary: s,
    goneSummary: s,
  };
}

function steady(cpuSecondsPerMinute: number): SteadyResult {
  return {
    operator: 'x',
    count: 1000,
    intervalSeconds: 30,
    windowSeconds: 300,
    heartbeats: 10_000,
    expectedHeartbeats: 10_000,
    cpuSeconds: cpuSecondsPerMinute * 5,
    cpuSecondsPerMinute,
    cpuPercentOfCore: 1,
    rss: summarize([50 * MiB]),
    peakRssBytes: 50 * MiB,
    apiRequests: {},
    apiRequestsPerMinute: 0,
    samples: [],
  };
}

const writes = {
  'PATCH clusterregistrations': 2000,
  'PATCH clusterregistrations/status': 1000,
  'GET secrets': 900,
};

function result(ours: { ms: number[]; rss: number }, peer: { ms: number[]; rss: number }): VersusResult {
  return {
    labels: { ours: 'bundle', peer: 'Go peer' },
    count: 1000,
    latency: { ours: latency(40), peer: latency(50) },
    latencyOrder: ['ours', 'peer'],
    scale: ours.ms.flatMap((ms, i) => [
      { operator: 'ours' as const, point: point(ms, ours.rss, writes) },
      { operator: 'peer' as const, point: point(peer.ms[i] ?? 0, peer.rss, writes) },
    ]),
    steady: { ours: steady(3), peer: steady(1) },
  };
}

function find(rows: VersusRow[], matches: (what: string) => boolean): VersusRow {
  const row = rows.find((r) => matches(r.what));
  assert.ok(row !== undefined, 'no such row');
  return row;
}

describe('the race with the Go peer', () => {
  it('counts only writes per registration', () => {
    assert.equal(writesPerRegistration(point(1, 1, writes)), 3);
  });

  it("leaves out the environment node's own status writes, which neither operator makes", () => {
    // The kubelet patches its node's status every 10 s: one more in one operator's window is not its write.
    assert.equal(writesPerRegistration(point(1, 1, { ...writes, 'PATCH nodes/status': 3 })), 3);
  });

  it('judges each figure by the ratio of the means, ours over the peer', () => {
    const rows = judgeVersus(result({ ms: [12_000, 14_000], rss: 60 }, { ms: [13_000, 13_000], rss: 50 }));
    const all = find(rows, (w) => w.includes('created at once'));
    assert.equal(all.ours, '12.00 s, 14.00 s');
    assert.equal(all.ratio, 1);
    assert.equal(all.met, true);
    const beats = find(rows, (w) => w.includes('CPU per minute'));
    assert.equal(beats.ratio, 3);
    assert.equal(beats.met, false);
    assert.equal(find(rows, (w) => w.endsWith('p99')).met, true);
    assert.equal(find(rows, (w) => w.startsWith('API writes')).met, true);
    assert.equal(find(rows, (w) => w.startsWith('delete')).met, undefined, 'no target');
  });

  it('shows what each costs the API server and the broker, per registration, without a target', () => {
    const race = result({ ms: [1, 1], rss: 60 }, { ms: [1, 1], rss: 50 });
    race.scale.forEach((s, i) => {
      s.point.cpuByProcess = { 'kube-apiserver': s.operator === 'ours' ? 16 + i : 12, kafka: 3 };
    });
    assert.equal(serverCpuMsPerRegistration(race.scale[0]?.point ?? point(1, 1, {}), 'kube-apiserver'), 16);
    const rows = judgeVersus(race);
    const api = find(rows, (w) => w.startsWith('kube-apiserver CPU'));
    assert.equal(api.ours, '16.0 ms, 18.0 ms');
    assert.equal(api.ratio, 17 / 12);
    assert.equal(api.met, undefined);
    assert.equal(find(rows, (w) => w.startsWith('Kafka broker CPU')).ratio, 1);
  });

  it("divides the machine's speed out: the operator's CPU over the API server's in the same round", () => {
    const race = result({ ms: [1, 1], rss: 60 }, { ms: [1, 1], rss: 50 });
    // A machine twice as slow in the second round doubles both processes' CPU: the quotient stays.
    race.scale.forEach((s, i) => {
      s.point.cpuMsPerRegistration = (s.operator === 'ours' ? 4 : 2) * (i < 2 ? 1 : 2);
      s.point.cpuByProcess = { 'kube-apiserver': 10 * (i < 2 ? 1 : 2) };
    });
    const row = find(judgeVersus(race), (w) => w.startsWith('operator CPU over'));
    assert.equal(row.ours, '0.400, 0.400');
    assert.equal(row.peer, '0.200, 0.200');
    assert.equal(row.ratio, 2);
    assert.equal(row.met, undefined, 'no target');
    const without = result({ ms: [1, 1], rss: 60 }, { ms: [1, 1], rss: 50 });
    assert.equal(find(judgeVersus(without), (w) => w.startsWith('operator CPU over')).ratio, undefined);
  });

  it('leaves a server out where the run did not measure it', () => {
    assert.equal(serverCpuMsPerRegistration(point(1, 1, {}), 'kafka'), undefined);
  });

  it("points a missed idle RSS at the idle operator's profile, where its resident pages are", () => {
    const race = result({ ms: [1, 1], rss: 60 }, { ms: [1, 1], rss: 50 });
    race.scale.forEach((s) => {
      s.point.idleRssBytes = (s.operator === 'ours' ? 76 : 38) * MiB;
    });
    const idle = find(judgeVersus(race), (w) => w.startsWith('RSS before'));
    assert.equal(idle.met, false);
    assert.equal(idle.profile, 'idle');
  });

  it('misses a memory target above 100 MiB even within the ratio', () => {
    const rows = judgeVersus(result({ ms: [1, 1], rss: 120 }, { ms: [1, 1], rss: 100 }));
    const peak = find(rows, (w) => w.startsWith('peak RSS'));
    assert.equal(peak.ratio, 1.2);
    assert.equal(peak.met, false);
  });
});

describe("the order of the race's rounds", () => {
  it('mirrors each pair, so that a steady drift of the machine lands on both alike', () => {
    assert.deepEqual(raceOrder(2), ['ours', 'peer', 'peer', 'ours']);
    const order = raceOrder(4);
    const meanSlot = (who: string) =>
      order.reduce((sum, name, slot) => sum + (name === who ? slot : 0), 0) / (order.length / 2);
    assert.equal(meanSlot('ours'), meanSlot('peer'));
  });
});

describe("pooling an operator's latency rounds", () => {
  const run = (register: number[]): LatencyResult => ({
    ...latency(1),
    register,
    tombstone: register.map((ms) => ms / 2),
    gone: register,
    stages: { created: register, seen: register, finalized: register, statusWritten: register },
  });

  it("summarizes every round's samples together, not the rounds' summaries", () => {
    const fast = Array.from({ length: 99 }, () => 10);
    const pooled = poolLatency([run(fast), run([...fast, 500])]);
    assert.equal(pooled.count, 199);
    assert.equal(pooled.register.length, 199);
    assert.equal(pooled.registerSummary.max, 500);
    assert.equal(pooled.registerSummary.p50, 10);
    assert.equal(pooled.tombstoneSummary.max, 250);
    assert.equal(pooled.stages?.finalized.length, 199);
  });

  it('refuses nothing to pool', () => {
    assert.throws(() => poolLatency([]), /no runs/);
  });
});

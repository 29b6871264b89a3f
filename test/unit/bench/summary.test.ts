// What results.json keeps of a run: the statistics and counts of every section, none of the raw samples, which
// the run's folder holds instead.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LatencyResult } from '../../../hack/bench/latency.js';
import type { OldWayTool } from '../../../hack/bench/oldway.js';
import type { ScalePoint } from '../../../hack/bench/scale.js';
import { summarize } from '../../../hack/bench/stats.js';
import type { SteadyResult } from '../../../hack/bench/steady.js';
import { summarizeSections } from '../../../hack/bench/summary.js';

const register = [20, 22, 25, 41];

const latency: LatencyResult = {
  operator: 'bundle',
  count: register.length,
  register,
  stages: {
    created: [8, 8, 9, 10],
    seen: [9, 9, 10, 12],
    finalized: [16, 17, 18, 30],
    statusWritten: [30, 31, 33, 50],
  },
  tombstone: [10, 12],
  gone: [20, 24],
  registerSummary: summarize(register),
  tombstoneSummary: summarize([10, 12]),
  goneSummary: summarize([20, 24]),
};

const series = [
  { t: 0, cpuSeconds: 0, rssBytes: 80 },
  { t: 1, cpuSeconds: 0.1, rssBytes: 90 },
];

const steadyStats: Omit<SteadyResult, 'samples'> = {
  operator: 'bundle',
  count: 1000,
  intervalSeconds: 30,
  windowSeconds: 300,
  heartbeats: 10_000,
  expectedHeartbeats: 10_000,
  cpuSeconds: 16,
  cpuSecondsPerMinute: 3.2,
  cpuPercentOfCore: 5.3,
  rss: summarize([80, 90]),
  peakRssBytes: 90,
  apiRequests: { 'PATCH clusterregistrations/status': 200 },
  apiRequestsPerMinute: 40,
};
const steady: SteadyResult = { ...steadyStats, samples: series };

const point: ScalePoint = {
  count: 1000,
  createMs: 3900,
  allRegisteredMs: 13_100,
  registered: 1000,
  recordsPerSecond: 76,
  perObject: summarize([1000, 13_100]),
  ready: 1000,
  cpuSeconds: 6.2,
  cpuMsPerRegistration: 6.2,
  peakRssBytes: 121,
  rssAfterBytes: 110,
  apiRequests: { 'PATCH clusterregistrations': 2000 },
  apiRequestsPerRegistration: 3,
  allTombstonedMs: 9000,
  samples: series,
};

const tool: OldWayTool = {
  tool: 'kcat',
  command: 'kcat -P',
  runs: [
    { wallMs: 25, recordMs: 30 },
    { wallMs: 27, recordMs: 31 },
  ],
  wallMs: summarize([25, 27]),
  recordMs: summarize([30, 31]),
};

describe("the run's results, summarised for results.json", () => {
  const summary = summarizeSections({
    latency,
    steady,
    scale: { operator: 'bundle', points: [point] },
    oldway: { consoleProducer: tool, kcat: tool, gnuTime: true },
    versus: {
      labels: { ours: 'bundle', peer: 'Go peer' },
      count: 1000,
      latency: { ours: latency, peer: latency },
      latencyOrder: ['ours', 'peer'],
      scale: [{ operator: 'ours', point }],
      steady: { ours: steady, peer: steady },
    },
  });

  it('keeps the statistics and counts, and summarises the stages of a registration', () => {
    assert.deepEqual(summary.latency, {
      operator: 'bundle',
      count: 4,
      registerSummary: latency.registerSummary,
      tombstoneSummary: latency.tombstoneSummary,
      goneSummary: latency.goneSummary,
      stageSummaries: {
        created: summarize([8, 8, 9, 10]),
        seen: summarize([9, 9, 10, 12]),
        finalized: summarize([16, 17, 18, 30]),
        statusWritten: summarize([30, 31, 33, 50]),
      },
    });
    assert.deepEqual(summary.steady, steadyStats);
    assert.deepEqual(summary.versus?.steady.peer, steadyStats);
    assert.equal(summary.scale?.points[0]?.allRegisteredMs, 13_100);
    assert.deepEqual(summary.oldway?.kcat.wallMs, summarize([25, 27]));
  });

  it('leaves out every raw sample, also inside the race with the Go peer', () => {
    const text = JSON.stringify(summary);
    for (const raw of ['"register"', '"tombstone"', '"gone"', '"stages"', '"samples"', '"runs"']) {
      assert.ok(!text.includes(raw), `${raw} is still in the summary`);
    }
  });

  it('leaves the sections as measured alone, for the samples file', () => {
    assert.equal(latency.register.length, 4);
    assert.equal(steady.samples.length, 2);
    assert.equal(point.samples.length, 2);
  });

  it('has nothing for sections that did not run', () => {
    assert.deepEqual(summarizeSections({}), {});
  });
});

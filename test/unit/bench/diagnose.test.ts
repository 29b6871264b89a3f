import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diagnose } from '../../../hack/bench/diagnose.js';
import type { LatencyResult } from '../../../hack/bench/latency.js';
import { judgeTargets, type Results } from '../../../hack/bench/results.js';
import { summarize } from '../../../hack/bench/stats.js';

/** Registrations given as [ADDED event, finalizer on, record] in ms from the create request. */
function results(registrations: [number, number, number][]): Results {
  const register = registrations.map(([, , record]) => record);
  const latency: LatencyResult = {
    operator: 'test',
    count: registrations.length,
    register,
    stages: {
      created: registrations.map(([seen]) => seen),
      seen: registrations.map(([seen]) => seen),
      finalized: registrations.map(([, finalized]) => finalized),
      statusWritten: register.map((record) => record + 10),
    },
    tombstone: [10],
    gone: [20],
    registerSummary: summarize(register),
    tombstoneSummary: summarize([10]),
    goneSummary: summarize([20]),
  };
  return {
    generatedAt: '',
    quick: false,
    machine: {
      cores: 2,
      cpuModel: '',
      memoryBytes: 0,
      kernel: '',
      node: '',
      java: '',
      kafka: '',
      kcat: '',
      commit: '',
      loadAverage: 0,
    },
    ranAt: {},
    skipped: {},
    latency,
    profiles: {},
  };
}

function registerFindings(r: Results): string {
  const target = judgeTargets(r).find((t) => t.id === 'register-p99');
  assert.ok(target !== undefined);
  assert.equal(target.met, false);
  return diagnose(target, r, undefined).join('\n');
}

const typical: [number, number, number] = [8, 18, 24];

test('a missed registration p99 names the stage where the slow registrations lost their time', () => {
  const findings = registerFindings(
    results([...Array.from({ length: 98 }, () => typical), [9, 19, 70], [8, 20, 80]]),
  );
  assert.match(findings, /The 2 registrations over 50 ms spent on average 8\.5 ms in the create/);
  assert.match(findings, /The most extra time is in the send: the operator and the broker\./);
  assert.doesNotMatch(findings, /whole machine stalled/);
});

test('when every stage of the slow registrations is slower, the finding blames the machine, not a component', () => {
  const findings = registerFindings(
    results([...Array.from({ length: 98 }, () => typical), [20, 45, 60], [16, 40, 55]]),
  );
  assert.match(findings, /The most extra time is in the reconcile and its finalizer PATCH/);
  assert.match(findings, /the whole machine stalled/);
});

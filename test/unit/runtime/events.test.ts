import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventRecorder, type EventSink, type KubeEvent } from '../../../src/runtime/events.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { RuntimeMetrics } from '../../../src/observability/metrics.js';
import { FakeClock, settle } from './fake-clock.js';
import { captureLogger } from './helpers.js';

class RecordingSink implements EventSink {
  created: KubeEvent[] = [];
  series: { name: string; count: number }[] = [];
  fail = false;

  create(event: KubeEvent): Promise<void> {
    if (this.fail) return Promise.reject(new Error('api down'));
    this.created.push(structuredClone(event));
    return Promise.resolve();
  }

  updateSeries(event: KubeEvent): Promise<void> {
    this.series.push({ name: event.metadata.name, count: event.series?.count ?? 0 });
    return Promise.resolve();
  }
}

const registration: KubeObject = {
  apiVersion: 'registry.kgroot.io/v1alpha1',
  kind: 'ClusterRegistration',
  metadata: { name: 'prod-eu', uid: 'uid-1' },
};

function setup() {
  const clock = new FakeClock();
  const sink = new RecordingSink();
  const metrics = new RuntimeMetrics();
  const recorder = new EventRecorder(
    { controller: 'registry.kgroot.io/operator', instance: 'pod-1', flushIntervalMs: 30_000 },
    { sink, logger: captureLogger().logger, metrics, clock },
  );
  return { clock, sink, metrics, recorder };
}

const failing = {
  type: 'Warning',
  reason: 'KafkaUnavailable',
  action: 'Register',
  note: 'broker down',
} as const;

test('an event names its object; a cluster-scoped object gets its events in default', async () => {
  const { sink, recorder } = setup();
  recorder.event(registration, { type: 'Normal', reason: 'Registered', action: 'Register', note: 'ok' });
  await settle();
  const [event] = sink.created;
  assert.ok(event !== undefined);
  assert.equal(event.metadata.namespace, 'default');
  assert.deepEqual(event.regarding, {
    apiVersion: 'registry.kgroot.io/v1alpha1',
    kind: 'ClusterRegistration',
    name: 'prod-eu',
    namespace: undefined,
    uid: 'uid-1',
    resourceVersion: undefined,
  });
  assert.equal(event.reportingController, 'registry.kgroot.io/operator');
  assert.match(event.eventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
});

test('a failing loop posts one event and a series count, not one event per failure', async () => {
  const { clock, sink, recorder } = setup();
  for (let i = 0; i < 1_000; i += 1) {
    recorder.event(registration, failing);
    await clock.advance(50);
  }
  // 50 s of failures: one create, and the series patched once per 30 s flush.
  assert.equal(sink.created.length, 1);
  assert.ok(sink.series.length <= 2, `series updates: ${sink.series.length}`);
  await recorder.close();
  assert.equal(sink.series.at(-1)?.count, 1_000);
});

test('events that differ every time are limited per object by a token bucket', async () => {
  const { clock, sink, metrics, recorder } = setup();
  for (let i = 0; i < 100; i += 1) recorder.event(registration, { ...failing, note: `attempt ${i}` });
  await settle();
  assert.equal(sink.created.length, 25);
  const dropped = (await metrics.eventsDropped.get()).values.find((v) => v.labels.reason === 'rate_limited');
  assert.equal(dropped?.value, 75);
  await clock.advance(300_000);
  recorder.event(registration, { ...failing, note: 'after refill' });
  await settle();
  assert.equal(sink.created.length, 26);
  const other: KubeObject = { metadata: { name: 'other', uid: 'uid-2' } };
  recorder.event(other, failing);
  await settle();
  assert.equal(sink.created.length, 27, 'another object has its own bucket');
  await recorder.close();
});

test('a failed post is logged and counted, never thrown at the caller', async () => {
  const { sink, metrics, recorder } = setup();
  sink.fail = true;
  assert.doesNotThrow(() => {
    recorder.event(registration, failing);
  });
  await settle();
  const errors = (await metrics.eventsDropped.get()).values.find((v) => v.labels.reason === 'error');
  assert.equal(errors?.value, 1);
  await recorder.close();
});

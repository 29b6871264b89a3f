// reportSends() and reportCleanup(): what acknowledgements and a failure mean for Progress, status, conditions,
// Events and the run's outcome. Pure: plans come from plan(), outcomes are written out here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ConditionReason,
  parseClusterRegistration,
  type ClusterRegistration,
} from '../../../src/api/index.js';
import { KafkaFailure, KafkaFailureReason } from '../../../src/kafka/index.js';
import { plan, planCleanup, stepName, type Plan, type Send } from '../../../src/registration/plan.js';
import { reportCleanup, reportSends, type Executed } from '../../../src/registration/report.js';
import type { KubeObject } from '../../../src/runtime/index.js';
import { minimalManifest } from '../api/fixtures/manifests.js';

const NOW = Date.parse('2026-11-20T10:00:00Z');

function registration(): ClusterRegistration {
  const manifest = minimalManifest('reg') as unknown as KubeObject;
  Object.assign(manifest.metadata, { uid: 'uid-1', generation: 3 });
  const parsed = parseClusterRegistration(manifest);
  assert.ok(parsed.ok);
  return parsed.value;
}

function firstSight(reg: ClusterRegistration): Extract<Plan, { kind: 'send' }> {
  const planned = plan({
    registration: reg,
    status: undefined,
    progress: undefined,
    now: NOW,
    holder: () => undefined,
    resolve: (kafka) => ({ ok: true, conn: { brokers: [...kafka.brokers] }, usesSecrets: false }),
  });
  assert.ok(planned.kind === 'send');
  return planned;
}

const ack = (send: Send | undefined, offset: string, at: number) => {
  assert.ok(send !== undefined);
  return { send, position: { topic: send.place.topic, partition: 0, offset }, at };
};

test('a registration and a heartbeat acknowledged: Progress, status fields, True conditions, one Event, the next run', () => {
  const reg = registration();
  const planned = firstSight(reg);
  const [register, heartbeat] = planned.sends;
  const executed: Executed = {
    topic: { ok: true },
    acks: [ack(register, '5', NOW), ack(heartbeat, '9', NOW + 10)],
  };
  const report = reportSends({
    registration: reg,
    planned,
    executed,
    progress: undefined,
    status: undefined,
    clusterUid: 'cluster-uid',
    heartbeatStatusPeriodMs: 60_000,
    now: NOW + 10,
    random: () => 0.5,
  });
  assert.equal(report.error, undefined);
  assert.deepEqual(report.progress, {
    uid: 'uid-1',
    generation: 3,
    place: planned.place.key,
    lastRegisteredAt: NOW,
    lastAckAt: NOW + 10,
    nextHeartbeatAt: NOW + 31_000, // ack at NOW + 10, 30 s on, up to the next whole second
    position: { topic: 'cluster.registry', partition: 0, offset: '5', kafka: reg.spec.kafka },
  });
  assert.deepEqual(report.fields, {
    clusterId: 'cluster-uid',
    lastRegistration: { topic: 'cluster.registry', partition: 0, offset: '5', kafka: reg.spec.kafka },
    lastRegisteredTime: '2026-11-20T10:00:00Z',
    firstRegisteredTime: '2026-11-20T10:00:00Z',
    lastHeartbeatTime: '2026-11-20T10:00:00Z',
  });
  assert.equal(report.assessment.registered?.status, 'True');
  assert.match(report.assessment.registered.message, /partition 0 offset 5/);
  assert.equal(report.assessment.heartbeating?.reason, ConditionReason.HeartbeatAcknowledged);
  assert.equal(report.assessment.ready, undefined, 'Ready is the summary');
  assert.deepEqual(
    report.events.map((event) => `${event.type} ${event.reason}: ${event.note}`),
    ['Normal Registered: registered at topic cluster.registry on kafka.example.com:9092 (first)'],
  );
  assert.equal(report.requeueAfterMs, 30_990, 'the next heartbeat, on its tick');
});

test('a heartbeat failing after the registration was acknowledged keeps the Progress and fails the run', () => {
  const reg = registration();
  const planned = firstSight(reg);
  const [register, heartbeat] = planned.sends;
  assert.ok(heartbeat !== undefined);
  const failure = new KafkaFailure(KafkaFailureReason.BrokerUnreachable, 'no broker answered');
  const report = reportSends({
    registration: reg,
    planned,
    executed: {
      topic: { ok: true },
      acks: [ack(register, '5', NOW)],
      failed: { ...stepName(heartbeat), failure },
    },
    progress: undefined,
    status: undefined,
    clusterUid: 'cluster-uid',
    heartbeatStatusPeriodMs: 60_000,
    now: NOW,
  });
  assert.equal(report.progress?.lastRegisteredAt, NOW, 'the registration is not sent again');
  assert.deepEqual(report.fields, {}, 'status fields wait for a complete run');
  assert.equal(report.assessment.heartbeating?.reason, KafkaFailureReason.BrokerUnreachable);
  assert.equal(report.assessment.heartbeating.message, 'heartbeat failed: no broker answered');
  assert.equal(report.assessment.credentials?.status, 'True');
  assert.deepEqual(
    report.events.map((event) => `${event.type} ${event.reason}`),
    ['Normal Registered', 'Warning BrokerUnreachable'],
  );
  assert.equal(report.error?.message, 'heartbeat failed: no broker answered');
  assert.equal(report.error.cause, failure);
});

test('a registry topic that is not compacted: Ready says so, and a Warning', () => {
  const reg = registration();
  const planned = firstSight(reg);
  const [register] = planned.sends;
  const report = reportSends({
    registration: reg,
    planned: { ...planned, sends: register === undefined ? [] : [register] },
    executed: { topic: { ok: false, message: 'cleanup.policy is delete' }, acks: [ack(register, '1', NOW)] },
    progress: undefined,
    status: undefined,
    clusterUid: 'c',
    heartbeatStatusPeriodMs: 60_000,
    now: NOW,
  });
  assert.equal(report.assessment.ready?.reason, ConditionReason.TopicNotCompacted);
  assert.ok(report.events.some((event) => event.reason === ConditionReason.TopicNotCompacted));
});

test('a deletion whose tombstone failed: Ready and the Warning say how to let the object go', () => {
  const reg = registration();
  const raw = { ...reg, metadata: { ...reg.metadata, deletionTimestamp: '2026-11-20T10:00:00Z' } };
  const status = {
    lastRegistration: { topic: 'cluster.registry', partition: 0, offset: '1', kafka: reg.spec.kafka },
  };
  const planned = planCleanup(raw, reg, {
    status,
    holder: () => undefined,
    resolve: (kafka) => ({ ok: true, conn: { brokers: [...kafka.brokers] }, usesSecrets: false }),
  });
  const [tombstone] = planned.sends;
  assert.ok(tombstone !== undefined);
  const failure = new KafkaFailure(KafkaFailureReason.BrokerUnreachable, 'down');
  const report = reportCleanup('reg', planned, {
    topic: { ok: true },
    acks: [],
    failed: { ...stepName(tombstone), failure },
  });
  assert.match(report.assessment.ready?.message ?? '', /^tombstone at .* failed: down\. The object is kept/);
  assert.match(report.events[0]?.note ?? '', /kubectl annotate clusterregistration reg/);
  assert.equal(report.events[0]?.type, 'Warning');
  assert.ok(report.error !== undefined);

  const done = reportCleanup('reg', planned, { topic: { ok: true }, acks: [ack(tombstone, '2', NOW)] });
  assert.equal(done.error, undefined);
  assert.deepEqual(
    done.events.map((event) => event.reason),
    ['Deregistered'],
  );
});

// plan() and planCleanup(): every branch of what is due, from typed objects, a Progress and a clock, with the two
// cache lookups faked. No HTTP, no Kafka.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ConditionReason,
  DELETION_POLICY_ANNOTATION,
  parseClusterRegistration,
  type ClusterRegistration,
  type ClusterRegistrationStatus,
  type KafkaSpec,
} from '../../../src/api/index.js';
import { desiredPlace, type Place } from '../../../src/registration/claims.js';
import type { ResolvedConnection } from '../../../src/registration/credentials.js';
import {
  howToLetGo,
  plan,
  planCleanup,
  stepName,
  type Observation,
  type Plan,
  type Send,
} from '../../../src/registration/plan.js';
import { STALE_WINDOW_MS, type Progress } from '../../../src/registration/schedule.js';
import type { KubeObject } from '../../../src/runtime/index.js';
import { minimalManifest } from '../api/fixtures/manifests.js';

const NOW = 10_000_000;
const BROKERS = ['kafka.example.com:9092'];
const OLD_BROKERS = ['old-kafka.example.com:9092'];

/** A valid object as the parser types it; `change` edits the manifest first. */
function registration(
  change: (manifest: Record<string, unknown>) => void = () => undefined,
): ClusterRegistration {
  const manifest = minimalManifest('reg') as unknown as Record<string, unknown> & KubeObject;
  Object.assign(manifest.metadata, {
    uid: 'uid-1',
    generation: 2,
    creationTimestamp: '2026-01-01T00:00:00Z',
  });
  change(manifest);
  const parsed = parseClusterRegistration(manifest);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
  return parsed.value;
}

const spec = (m: Record<string, unknown>) => m.spec as Record<string, unknown>;

/** What this process remembers after registering `reg` at NOW - `ago` and heart-beating `beatAgo` ago. */
function progress(reg: ClusterRegistration, over: Partial<Progress> = {}): Progress {
  return {
    uid: reg.metadata.uid ?? '',
    generation: reg.metadata.generation ?? 0,
    place: desiredPlace(reg.spec).key,
    lastRegisteredAt: NOW - 60_000,
    lastAckAt: NOW - 10_000,
    nextHeartbeatAt: NOW + 20_000,
    position: { topic: 'cluster.registry', partition: 0, offset: '7', kafka: reg.spec.kafka },
    ...over,
  };
}

/** Status naming where the last registration went. */
const registeredAt = (brokers: string[], topic = 'cluster.registry'): ClusterRegistrationStatus => ({
  lastRegistration: { topic, partition: 0, offset: '7', kafka: { brokers } },
});

const ok = (kafka: KafkaSpec): ResolvedConnection => ({
  ok: true,
  conn: { brokers: [...kafka.brokers] },
  usesSecrets: false,
});
const missing: ResolvedConnection = {
  ok: false,
  reason: ConditionReason.SecretNotFound,
  message: 'Secret ops/creds (SASL username) does not exist',
};

function observe(reg: ClusterRegistration, over: Partial<Observation> = {}): Observation {
  return {
    registration: reg,
    status: undefined,
    progress: undefined,
    now: NOW,
    holder: () => undefined,
    resolve: ok,
    ...over,
  };
}

/** The sends as short strings: kind, and the brokers of where they go. */
function sends(planned: Plan | { sends: Send[] }): string[] {
  assert.ok(
    !('kind' in planned) || planned.kind === 'send',
    `planned ${'kind' in planned ? planned.kind : ''}`,
  );
  const list = 'sends' in planned ? planned.sends : [];
  return list.map(
    (send) =>
      `${send.kind}${send.kind === 'register' ? `(${send.reason})` : ''} ${send.place.brokers.join(',')}`,
  );
}

const HERE = BROKERS[0] ?? '';
const THERE = OLD_BROKERS[0] ?? '';

test('first sight: register, then the first heartbeat at once; credentials need no Secret', () => {
  const planned = plan(observe(registration()));
  assert.deepEqual(sends(planned), [`register(first) ${HERE}`, `heartbeat ${HERE}`]);
  assert.ok(planned.kind === 'send');
  assert.equal(planned.credentials.status, 'True');
  assert.equal(planned.credentials.reason, ConditionReason.NoCredentialsRequired);
});

test('a recreated object (new uid) is first sight again', () => {
  const reg = registration();
  const planned = plan(observe(reg, { progress: progress(reg, { uid: 'uid-0' }) }));
  assert.deepEqual(sends(planned), [`register(first) ${HERE}`, `heartbeat ${HERE}`]);
});

test('a new generation re-registers at once', () => {
  const reg = registration();
  const planned = plan(observe(reg, { progress: progress(reg, { generation: 1 }) }));
  assert.deepEqual(sends(planned), [`register(spec changed) ${HERE}`, `heartbeat ${HERE}`]);
});

test('nothing due: no send, the next run is scheduled (kind send with an empty list)', () => {
  const reg = registration();
  const planned = plan(observe(reg, { progress: progress(reg), status: registeredAt(BROKERS) }));
  assert.deepEqual(sends(planned), []);
});

test('a heartbeat that is due goes alone', () => {
  const reg = registration();
  const planned = plan(observe(reg, { progress: progress(reg, { nextHeartbeatAt: NOW }) }));
  assert.deepEqual(sends(planned), [`heartbeat ${HERE}`]);
});

test('a heartbeat gap past the stale window re-registers', () => {
  const reg = registration();
  const planned = plan(observe(reg, { progress: progress(reg, { lastAckAt: NOW - STALE_WINDOW_MS - 1 }) }));
  assert.deepEqual(sends(planned), [`register(heartbeat gap) ${HERE}`, `heartbeat ${HERE}`]);
});

test('the re-assert interval re-registers', () => {
  const reg = registration();
  const planned = plan(observe(reg, { progress: progress(reg, { lastRegisteredAt: NOW - 600_000 }) }));
  assert.deepEqual(sends(planned), [`register(reassert) ${HERE}`, `heartbeat ${HERE}`]);
});

test('heartbeats disabled: the registration goes alone, and no heartbeat is ever planned', () => {
  const reg = registration((m) => {
    spec(m).heartbeat = { enabled: false };
  });
  assert.deepEqual(sends(plan(observe(reg))), [`register(first) ${HERE}`]);
  assert.deepEqual(sends(plan(observe(reg, { progress: progress(reg, { nextHeartbeatAt: NOW - 1 }) }))), []);
});

test('a move tombstones the previous place first, then registers at the new one', () => {
  const reg = registration();
  const planned = plan(observe(reg, { progress: progress(reg), status: registeredAt(OLD_BROKERS) }));
  assert.deepEqual(sends(planned), [`tombstone ${THERE}`, `register(moved) ${HERE}`, `heartbeat ${HERE}`]);
  assert.ok(planned.kind === 'send');
  const [tombstone] = planned.sends;
  assert.ok(tombstone?.kind === 'tombstone');
  assert.deepEqual(stepName(tombstone), {
    condition: 'registered',
    action: 'Move',
    what: `tombstone at the previous topic cluster.registry on ${THERE}`,
  });
});

test('a move to another topic on the same brokers is a move too; a changed broker list that overlaps is not', () => {
  const reg = registration();
  const otherTopic = plan(observe(reg, { status: registeredAt(BROKERS, 'old.registry') }));
  assert.deepEqual(sends(otherTopic)[0], `tombstone ${HERE}`);
  const overlapping = plan(
    observe(reg, { progress: progress(reg), status: registeredAt([...BROKERS, 'kafka-2.example.com:9092']) }),
  );
  assert.deepEqual(sends(overlapping), []);
});

test('a move with deletion policy Orphan, or where another object now holds the old place, sends no tombstone', () => {
  const orphan = registration((m) => {
    spec(m).deletionPolicy = 'Orphan';
  });
  assert.deepEqual(sends(plan(observe(orphan, { status: registeredAt(OLD_BROKERS) }))), [
    `register(moved) ${HERE}`,
    `heartbeat ${HERE}`,
  ]);
  const reg = registration();
  const held = plan(
    observe(reg, {
      status: registeredAt(OLD_BROKERS),
      holder: (place: Place, options?: { yieldToYounger?: boolean }) =>
        place.brokers[0] === THERE && options?.yieldToYounger === true ? 'younger' : undefined,
    }),
  );
  assert.deepEqual(sends(held), [`register(moved) ${HERE}`, `heartbeat ${HERE}`]);
});

test("a move whose old place's Secret is gone still plans the tombstone, carrying the failure", () => {
  const reg = registration();
  const planned = plan(
    observe(reg, {
      status: registeredAt(OLD_BROKERS),
      resolve: (kafka) => (kafka.brokers[0] === THERE ? missing : ok(kafka)),
    }),
  );
  assert.ok(planned.kind === 'send');
  const [tombstone] = planned.sends;
  assert.ok(tombstone?.kind === 'tombstone');
  assert.deepEqual(tombstone.via, missing);
});

test('suspend: stop, nothing sent, every condition says Suspended', () => {
  const reg = registration((m) => {
    spec(m).suspend = true;
  });
  const planned = plan(observe(reg, { progress: progress(reg, { nextHeartbeatAt: NOW - 1 }) }));
  assert.ok(planned.kind === 'stop');
  assert.deepEqual(planned.events, []);
  for (const condition of [
    planned.assessment.ready,
    planned.assessment.registered,
    planned.assessment.heartbeating,
  ])
    assert.equal(condition?.reason, ConditionReason.Suspended);
});

test('a duplicate clientId held by an older object: stop, with a Warning naming the holder', () => {
  const reg = registration();
  const planned = plan(observe(reg, { holder: () => 'older' }));
  assert.ok(planned.kind === 'stop');
  assert.equal(planned.assessment.ready?.reason, ConditionReason.DuplicateClientId);
  assert.match(planned.assessment.ready.message, /ClusterRegistration older is older/);
  assert.deepEqual(
    planned.events.map((event) => `${event.type} ${event.reason}`),
    [`Warning ${ConditionReason.DuplicateClientId}`],
  );
});

test('a missing Secret: wait, CredentialsValid=False with its reason, and a Warning', () => {
  const reg = registration();
  const planned = plan(observe(reg, { resolve: () => missing }));
  assert.ok(planned.kind === 'wait');
  assert.deepEqual(planned.assessment, {
    credentials: { status: 'False', reason: ConditionReason.SecretNotFound, message: missing.message },
  });
  assert.deepEqual(planned.events, [
    { type: 'Warning', reason: ConditionReason.SecretNotFound, action: 'Register', note: missing.message },
  ]);
});

test('the steps are named for their condition, action and what failed', () => {
  const reg = registration();
  const planned = plan(observe(reg));
  assert.ok(planned.kind === 'send');
  assert.deepEqual(
    planned.sends.map((send) => stepName(send)),
    [
      { condition: 'registered', action: 'Register', what: 'registration' },
      { condition: 'heartbeating', action: 'Heartbeat', what: 'heartbeat' },
    ],
  );
});

const deleting = (reg: ClusterRegistration, annotations: Record<string, string> = {}): KubeObject => ({
  ...reg,
  metadata: { ...reg.metadata, deletionTimestamp: '2026-01-02T00:00:00Z', annotations },
});

test('deletion: a tombstone where it is registered, then the Deregistered event', () => {
  const reg = registration();
  const cleanup = planCleanup(deleting(reg), reg, observe(reg, { status: registeredAt(BROKERS) }));
  assert.equal(cleanup.orphan, false);
  assert.deepEqual(sends(cleanup), [`tombstone ${HERE}`]);
  const [tombstone] = cleanup.sends;
  assert.ok(tombstone !== undefined);
  assert.equal(stepName(tombstone).action, 'Deregister');
  assert.equal(cleanup.done.reason, 'Deregistered');
  assert.match(cleanup.done.note, new RegExp(`tombstone acknowledged at topic cluster.registry on ${HERE}`));
});

test('deletion after an unfinished move: tombstones at both the desired and the recorded place', () => {
  const reg = registration();
  const cleanup = planCleanup(deleting(reg), reg, observe(reg, { status: registeredAt(OLD_BROKERS) }));
  assert.deepEqual(sends(cleanup), [`tombstone ${HERE}`, `tombstone ${THERE}`]);
  assert.match(cleanup.done.note, / and /);
});

test('deletion with policy Orphan, or the annotation that lets a stuck object go: no tombstone', () => {
  const byPolicy = registration((m) => {
    spec(m).deletionPolicy = 'Orphan';
  });
  const policy = planCleanup(
    deleting(byPolicy),
    byPolicy,
    observe(byPolicy, { status: registeredAt(BROKERS) }),
  );
  assert.deepEqual([policy.orphan, policy.sends.length, policy.done.reason], [true, 0, 'Orphaned']);
  const reg = registration();
  const annotated = deleting(reg, { [DELETION_POLICY_ANNOTATION]: 'Orphan' });
  const annotation = planCleanup(annotated, reg, observe(reg, { status: registeredAt(BROKERS) }));
  assert.deepEqual(
    [annotation.orphan, annotation.sends.length, annotation.done.reason],
    [true, 0, 'Orphaned'],
  );
});

test('deletion where another object holds the clientId: no tombstone there, and the log says why', () => {
  const reg = registration();
  const cleanup = planCleanup(
    deleting(reg),
    reg,
    observe(reg, { status: registeredAt(BROKERS), holder: () => 'other' }),
  );
  assert.deepEqual(cleanup.sends, []);
  assert.equal(cleanup.done.reason, 'NothingToDeregister');
  assert.deepEqual(
    cleanup.skipped.map((skip) => skip.why),
    ['another object holds the clientId there'],
  );
});

test('deletion of an object never registered whose Secret is missing: nothing could have been sent', () => {
  const reg = registration();
  const cleanup = planCleanup(deleting(reg), reg, observe(reg, { resolve: () => missing }));
  assert.deepEqual(cleanup.sends, []);
  assert.equal(cleanup.done.reason, 'NothingToDeregister');
  assert.match(cleanup.skipped[0]?.why ?? '', /never registered/);
});

test('deletion of a registered object whose Secret is missing plans the tombstone with its failure', () => {
  const reg = registration();
  const cleanup = planCleanup(
    deleting(reg),
    reg,
    observe(reg, { status: registeredAt(BROKERS), resolve: () => missing }),
  );
  const [tombstone] = cleanup.sends;
  assert.ok(tombstone?.kind === 'tombstone');
  assert.deepEqual(tombstone.via, missing);
});

test('deletion with an invalid spec: no tombstone can be built', () => {
  const reg = registration();
  const cleanup = planCleanup(deleting(reg), undefined, observe(reg, { status: registeredAt(BROKERS) }));
  assert.deepEqual(cleanup.sends, []);
  assert.equal(cleanup.done.reason, 'NothingToDeregister');
  assert.match(cleanup.done.note, /spec is invalid/);
});

test('a stuck deletion says how to let the object go', () => {
  assert.match(
    howToLetGo('reg'),
    /kubectl annotate clusterregistration reg registry\.kgroot\.io\/deletion-policy=Orphan/,
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KafkaFailure, KafkaFailureReason } from '../../../src/kafka/index.js';
import { nextConditions, sendFailed, verdict } from '../../../src/registration/assessment.js';

const t0 = new Date('2026-11-20T10:00:00Z');
const t1 = new Date('2026-11-20T10:05:00Z');
const ok = {
  credentials: verdict('True', 'CredentialsResolved', ''),
  registered: verdict('True', 'Registered', 'acknowledged'),
  heartbeating: verdict('True', 'HeartbeatAcknowledged', ''),
};

test('Ready is the first problem: credentials, then registration, then heartbeats; disabled heartbeats are fine', () => {
  const ready = (conditions: ReturnType<typeof nextConditions>) => conditions.find((c) => c.type === 'Ready');
  assert.equal(ready(nextConditions(undefined, ok, 1, t0))?.status, 'True');
  const noBeat = { ...ok, heartbeating: verdict('False', 'HeartbeatDisabled', '') };
  assert.equal(ready(nextConditions(undefined, noBeat, 1, t0))?.status, 'True');
  const failing = sendFailed(
    'heartbeating',
    new KafkaFailure(KafkaFailureReason.BrokerUnreachable, 'down'),
    'heartbeat',
  );
  assert.equal(ready(nextConditions(undefined, { ...ok, ...failing }, 1, t0))?.reason, 'BrokerUnreachable');
  const auth = sendFailed(
    'registered',
    new KafkaFailure(KafkaFailureReason.AuthenticationFailed, 'no'),
    'registration',
  );
  const conditions = nextConditions(undefined, { ...ok, ...auth }, 1, t0);
  assert.equal(ready(conditions)?.reason, 'AuthenticationFailed');
  assert.equal(
    conditions.find((c) => c.type === 'CredentialsValid')?.status,
    'False',
    'a credential failure',
  );
  const pending = nextConditions(undefined, {}, 1, t0);
  assert.equal(ready(pending)?.status, 'Unknown');
  assert.equal(ready(pending)?.reason, 'Pending');
  const unknown = sendFailed('registered', new KafkaFailure(KafkaFailureReason.Unknown, '?'), 'registration');
  assert.equal(unknown.registered?.reason, 'PublishFailed');
});

test('unmentioned conditions keep their value; transition times move only when a status flips', () => {
  const first = nextConditions(undefined, ok, 1, t0);
  const second = nextConditions(first, { registered: verdict('True', 'Registered', 'again') }, 2, t1);
  const registered = second.find((c) => c.type === 'Registered');
  assert.ok(registered !== undefined);
  assert.equal(registered.lastTransitionTime, '2026-11-20T10:00:00Z');
  assert.equal(registered.observedGeneration, 2);
  assert.equal(second.find((c) => c.type === 'CredentialsValid')?.reason, 'CredentialsResolved');
  const flipped = nextConditions(second, { registered: verdict('False', 'SendTimeout', '') }, 2, t1);
  assert.equal(flipped.find((c) => c.type === 'Registered')?.lastTransitionTime, '2026-11-20T10:05:00Z');
  assert.equal(flipped.length, 4);
});

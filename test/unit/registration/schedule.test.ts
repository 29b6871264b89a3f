import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  heartbeatDue,
  nextHeartbeatAt,
  nextRunInMs,
  registrationDue,
  STALE_WINDOW_MS,
  type Progress,
  type Timing,
} from '../../../src/registration/schedule.js';

const timing: Timing = { heartbeatEnabled: true, heartbeatIntervalMs: 30_000, reassertIntervalMs: 600_000 };
const target = { uid: 'u1', generation: 2, place: 'kafka:9092/cluster.registry' };
const progress = (over: Partial<Progress> = {}): Progress => ({
  uid: 'u1',
  generation: 2,
  place: target.place,
  lastRegisteredAt: 1_000_000,
  lastAckAt: 1_000_000,
  nextHeartbeatAt: 1_030_000,
  position: { topic: 'cluster.registry', partition: 0, offset: '1' },
  ...over,
});

test('the registration is due on first sight, a spec change, a heartbeat gap and the re-assert interval only', () => {
  const now = 1_010_000;
  assert.equal(registrationDue(undefined, target, timing, now), 'first');
  assert.equal(registrationDue(progress({ uid: 'u0' }), target, timing, now), 'first', 'a recreated object');
  assert.equal(registrationDue(progress({ generation: 1 }), target, timing, now), 'spec changed');
  assert.equal(registrationDue(progress({ place: 'other' }), target, timing, now), 'spec changed');
  assert.equal(registrationDue(progress(), target, timing, now), undefined, 'nothing due');
  const gap = 1_000_000 + STALE_WINDOW_MS + 1;
  assert.equal(
    registrationDue(progress({ lastRegisteredAt: gap - 10 }), target, timing, gap),
    'heartbeat gap',
  );
  assert.equal(
    registrationDue(progress(), target, { ...timing, heartbeatEnabled: false }, gap),
    undefined,
    'no gap without heartbeats',
  );
  assert.equal(registrationDue(progress({ lastAckAt: 1_599_999 }), target, timing, 1_600_000), 'reassert');
});

test('heartbeats: at once after a registration, then at the scheduled time, never when disabled', () => {
  assert.equal(heartbeatDue(progress({ nextHeartbeatAt: undefined }), timing, 1_000_001), true);
  assert.equal(heartbeatDue(progress(), timing, 1_029_999), false);
  assert.equal(heartbeatDue(progress(), timing, 1_030_000), true);
  assert.equal(heartbeatDue(progress(), { ...timing, heartbeatEnabled: false }, 2_000_000), false);
});

test('the next heartbeat: the interval ±10% on, on a whole tick; the next run is the earliest of heartbeat and re-assert', () => {
  assert.equal(
    nextHeartbeatAt(1_000_000, 30_000, () => 0),
    1_027_000,
  );
  assert.equal(
    nextHeartbeatAt(1_000_000, 30_000, () => 1),
    1_033_000,
  );
  assert.equal(
    nextHeartbeatAt(1_000_001, 30_000, () => 0.5),
    1_031_000,
    'up to the next tick',
  );
  assert.equal(
    nextHeartbeatAt(1_000_400, 30_000, () => 0.5),
    1_031_000,
    'objects acknowledged apart beat together',
  );
  assert.equal(
    nextHeartbeatAt(1_000_000, 30_000, () => 0.5),
    1_030_000,
    'a beat on a tick stays there',
  );
  assert.equal(nextRunInMs(progress(), timing, 1_010_000), 20_000);
  assert.equal(nextRunInMs(progress(), { ...timing, heartbeatEnabled: false }, 1_010_000), 590_000);
  assert.equal(nextRunInMs(progress({ nextHeartbeatAt: 900_000 }), timing, 1_010_000), 1, 'overdue: run now');
});

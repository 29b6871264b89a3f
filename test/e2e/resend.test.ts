// When the registration is sent again although the broker already has it: a new operator process re-sends it
// once (the control plane may have restarted too, and the contract asks for it on start), and a new generation
// re-sends it once with the new spec. Neither sends a tombstone, and between those nothing more is re-sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { RecordTail, type ReadRecord } from '../support/kafka-records.js';
import { requireKafkaBrokers } from '../support/testenv.js';
import { startOperator } from './support/operator.js';
import { apply, newScope, ready, registration, until, waitForEvent } from './support/registrations.js';

const REGISTRY = 'cluster.registry';
const HEARTBEAT = 'cluster.heartbeat';

function registrations(tail: RecordTail, key: string): ReadRecord[] {
  return tail.of(REGISTRY, key).filter((r) => r.headers.registry_event === 'register');
}

function tombstones(tail: RecordTail, key: string): ReadRecord[] {
  return tail.of(REGISTRY, key).filter((r) => r.value === null || r.headers.registry_event === 'deregister');
}

function valueOf(record: ReadRecord): Record<string, unknown> {
  assert.ok(record.value !== null, 'expected a value');
  return JSON.parse(record.value) as Record<string, unknown>;
}

function metadataOf(record: ReadRecord): Record<string, unknown> {
  return valueOf(record).metadata as Record<string, unknown>;
}

test('a new operator process re-sends the registration once, and no tombstone', async (t) => {
  const brokers = requireKafkaBrokers();
  const scope = await newScope(t, 'restart');
  const tail = await RecordTail.start(t, brokers, [REGISTRY]);
  const first = startOperator(t, scope);
  const manifest = registration(scope, { kafka: { brokers: [brokers] } });
  const { name } = manifest.metadata;
  await apply(manifest);
  const registered = await tail.waitFor('the registration', (r) => r.key === name);
  await until('Ready', name, ready('True', 'Registered'), { operator: first });

  assert.equal(await first.stop(), 0, 'SIGTERM is a clean exit');
  // Stopping sends nothing: still the one registration.
  await delay(1_000);
  assert.equal(registrations(tail, name).length, 1);
  assert.equal(tombstones(tail, name).length, 0, 'stopping is not deregistering');

  const second = startOperator(t, scope);
  const resent = await tail.waitFor(
    'the registration from the new process',
    (r) => r.key === name && r.headers.registry_event === 'register' && r !== registered,
    { timeoutMs: 30_000 },
  );
  await second.waitForLog(
    'the re-sent registration',
    (line) => line.message === 'registered' && line.reason === 'first',
  );
  assert.equal(resent.headers.registry_object_generation, '1');
  assert.equal(resent.headers.registry_object_uid, registered.headers.registry_object_uid);
  assert.deepEqual(metadataOf(resent), metadataOf(registered), 'the same spec, the same metadata');
  const observed = await until('Ready', name, ready('True', 'Registered'), { operator: second });
  // registered_at stays the time of the first registration, as status remembers it across processes.
  assert.equal(valueOf(resent).registered_at, observed.status.firstRegisteredTime);
  // Its own status write and the watch's resync run the object again: none of that re-sends.
  await delay(5_000);
  assert.equal(registrations(tail, name).length, 2, 'exactly one registration re-sent by the new process');
  assert.equal(tombstones(tail, name).length, 0, 'no tombstone');
});

test('a new generation at the same place re-sends the registration once with the new spec, then nothing', async (t) => {
  const brokers = requireKafkaBrokers();
  const scope = await newScope(t, 'regen');
  const tail = await RecordTail.start(t, brokers, [REGISTRY, HEARTBEAT]);
  const operator = startOperator(t, scope);
  const manifest = registration(scope, {
    kafka: { brokers: [brokers] },
    heartbeat: { interval: '5s' },
    labels: { team: 'sre' },
  });
  const { name } = manifest.metadata;
  await apply(manifest);
  const registered = await tail.waitFor('the registration', (r) => r.topic === REGISTRY && r.key === name);
  assert.equal(registered.headers.registry_object_generation, '1');
  assert.deepEqual(metadataOf(registered).labels, { team: 'sre' });
  await until('Ready', name, ready('True', 'Registered'), { operator });

  await apply({ ...manifest, spec: { ...manifest.spec, labels: { team: 'platform', tier: 'gold' } } });
  const resent = await tail.waitFor(
    'the registration of generation 2',
    (r) => r.topic === REGISTRY && r.key === name && r.headers.registry_object_generation === '2',
  );
  assert.equal(resent.headers.registry_event, 'register');
  assert.equal(resent.partition, registered.partition);
  const metadata = metadataOf(resent);
  assert.deepEqual(metadata.labels, { team: 'platform', tier: 'gold' });
  assert.equal(metadata.generation, 2);
  await waitForEvent(name, 'Registered', 30_000, { type: 'Normal', note: /\(spec changed\)$/ });
  await until(
    'Ready at generation 2',
    name,
    (o) => ready('True', 'Registered')(o) && o.status.observedGeneration === 2,
    {
      operator,
    },
  );

  // Nothing is due now but heartbeats: they keep coming, the registration is not sent again.
  const beatsBefore = tail.of(HEARTBEAT, name).length;
  await delay(12_000);
  assert.ok(tail.of(HEARTBEAT, name).length >= beatsBefore + 1, 'heartbeats keep flowing');
  assert.deepEqual(
    registrations(tail, name).map((r) => r.headers.registry_object_generation),
    ['1', '2'],
    'one registration per generation',
  );
  assert.equal(tombstones(tail, name).length, 0, 'a spec change at the same place sends no tombstone');
});

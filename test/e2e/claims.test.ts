// Two objects with one clientId at one place: the older wins, the newer sends nothing and its deletion sends no
// tombstone; when the winner goes, the other takes over. Moving the brokers or the registry topic tombstones the old
// place and registers at the new one, in that order (two broker lists may name one Kafka cluster).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createTopic } from '../integration/kafka/helpers.js';
import { RecordTail } from '../support/kafka-records.js';
import { kubectl, requireKafkaBrokers, uniqueName } from '../support/testenv.js';
import { startOperator } from './support/operator.js';
import {
  apply,
  at,
  condition,
  getJson,
  newScope,
  ready,
  registration,
  RESOURCE,
  until,
  waitForEvent,
} from './support/registrations.js';

const REGISTRY = 'cluster.registry';

test('a duplicate clientId: the older wins, the newer sends nothing and never tombstones', async (t) => {
  const brokers = requireKafkaBrokers();
  const scope = await newScope(t, 'dup');
  const tail = await RecordTail.start(t, brokers, [REGISTRY]);
  const operator = startOperator(t, scope);
  const clientId = uniqueName('shared');
  const older = registration(scope, { clientId, kafka: { brokers: [brokers] } });
  await apply(older);
  await until('Ready', older.metadata.name, ready('True', 'Registered'), { operator });
  await delay(1_100); // creationTimestamp has whole seconds
  const newer = registration(scope, { clientId, kafka: { brokers: [brokers] } });
  await apply(newer);
  const blocked = await until('DuplicateClientId', newer.metadata.name, ready('False', 'DuplicateClientId'), {
    operator,
  });
  assert.match(condition(blocked, 'Ready')?.message ?? '', new RegExp(older.metadata.name));
  await waitForEvent(newer.metadata.name, 'DuplicateClientId');
  const olderUid = at(await getJson(RESOURCE, older.metadata.name), 'metadata', 'uid');
  assert.ok(
    tail.of(REGISTRY, clientId).every((r) => r.headers.registry_object_uid === olderUid),
    'only the older object sent records',
  );

  const deleted = await kubectl(['delete', RESOURCE, newer.metadata.name, '--timeout=60s']);
  assert.equal(deleted.code, 0, deleted.stderr);
  await delay(1_000);
  assert.ok(
    tail.of(REGISTRY, clientId).every((r) => r.value !== null),
    "deleting the duplicate sent no tombstone over the older one's registration",
  );
  await until('still Ready', older.metadata.name, ready('True', 'Registered'), { operator });

  // When the holder goes, a remaining claimant takes over, and no tombstone removes its registration.
  const third = registration(scope, { clientId, kafka: { brokers: [brokers] } });
  await apply(third);
  await until('DuplicateClientId', third.metadata.name, ready('False', 'DuplicateClientId'), { operator });
  const gone = await kubectl(['delete', RESOURCE, older.metadata.name, '--timeout=60s']);
  assert.equal(gone.code, 0, gone.stderr);
  await until('Ready after take-over', third.metadata.name, ready('True', 'Registered'), { operator });
  const thirdUid = at(await getJson(RESOURCE, third.metadata.name), 'metadata', 'uid');
  const latest = tail.of(REGISTRY, clientId).at(-1);
  assert.equal(latest?.headers.registry_object_uid, thirdUid);
  assert.notEqual(latest?.value, null);
});

test('moving to another registry topic and other brokers tombstones the old place, then registers', async (t) => {
  const brokers = requireKafkaBrokers();
  const scope = await newScope(t, 'move');
  const topic = await createTopic(brokers, 'registry-moved', true);
  const tail = await RecordTail.start(t, brokers, [REGISTRY, topic]);
  const operator = startOperator(t, scope);
  const manifest = registration(scope, { kafka: { brokers: [brokers] } });
  const { name } = manifest.metadata;
  await apply(manifest);
  await tail.waitFor('the registration', (r) => r.topic === REGISTRY && r.key === name);

  await apply({ ...manifest, spec: { ...manifest.spec, topics: { registry: topic } } });
  const tombstone = await tail.waitFor(
    'the old place tombstone',
    (r) => r.topic === REGISTRY && r.key === name && r.value === null,
  );
  const moved = await tail.waitFor('the new registration', (r) => r.topic === topic && r.key === name);
  assert.ok(tombstone.timestamp <= moved.timestamp, 'the tombstone went first');
  const observed = await until(
    'Ready at the new topic',
    name,
    (o) => at(o.status, 'lastRegistration', 'topic') === topic && ready('True')(o),
    { operator },
  );
  await waitForEvent(name, 'Moved');
  assert.equal(condition(observed, 'Registered')?.status, 'True');

  // Other brokers that are in fact the same Kafka cluster: the record sent last must be the registration.
  const port = brokers.split(':').at(-1) ?? '';
  const sameCluster = `localhost:${port}`;
  const before = tail.records.length;
  await apply({
    ...manifest,
    spec: { ...manifest.spec, topics: { registry: topic }, kafka: { brokers: [sameCluster] } },
  });
  await until(
    'registered with the new brokers',
    name,
    (o) =>
      JSON.stringify(at(o.status, 'lastRegistration', 'kafka', 'brokers')) === JSON.stringify([sameCluster]),
    { operator },
  );
  const since = tail.records.slice(before).filter((r) => r.topic === topic && r.key === name);
  assert.deepEqual(
    since.map((r) => (r.value === null ? 'tombstone' : 'registration')),
    ['tombstone', 'registration'],
  );
});

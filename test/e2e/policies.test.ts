// The choices a user makes: Orphan as a policy or as the annotation that lets a stuck object go, suspend and
// resume, and a registry topic that is missing (reported, or created with --create-topics) or not compacted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import kafkajs from 'kafkajs';
import { DELETION_POLICY_ANNOTATION } from '../../src/api/index.js';
import { createTopic } from '../integration/kafka/helpers.js';
import { plainKafka, RecordTail } from '../support/kafka-records.js';
import { kubectl, requireKafkaBrokers, uniqueName } from '../support/testenv.js';
import { startOperator } from './support/operator.js';
import {
  apply,
  condition,
  eventsOf,
  hasCondition,
  newScope,
  ready,
  registration,
  RESOURCE,
  until,
  waitForEvent,
} from './support/registrations.js';

const REGISTRY = 'cluster.registry';

test('Orphan: by policy, and by annotation on an object stuck on an unreachable broker', async (t) => {
  const brokers = requireKafkaBrokers();
  const scope = await newScope(t, 'orphan');
  const tail = await RecordTail.start(t, brokers, [REGISTRY]);
  const operator = startOperator(t, { ...scope, args: ['--send-timeout', '2s'] });
  const byPolicy = registration(scope, { kafka: { brokers: [brokers] }, deletionPolicy: 'Orphan' });
  await apply(byPolicy);
  await until('Ready', byPolicy.metadata.name, ready('True'), { operator });
  const deleted = await kubectl(['delete', RESOURCE, byPolicy.metadata.name, '--timeout=60s']);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.ok(
    tail.of(REGISTRY, byPolicy.metadata.name).every((r) => r.value !== null),
    'no tombstone',
  );
  // The object is gone, but its Events stay (in `default`, where events about cluster-scoped objects go).
  await assertOrphanedEvent(byPolicy.metadata.name);

  // Nothing listens on port 1: the registration never succeeds and neither would the tombstone.
  const stuck = registration(scope, { kafka: { brokers: ['127.0.0.1:1'] } });
  const { name } = stuck.metadata;
  await apply(stuck);
  await until('BrokerUnreachable', name, ready('False', 'BrokerUnreachable'), { operator });
  assert.equal((await kubectl(['delete', RESOURCE, name, '--wait=false'])).code, 0);
  await until(
    'kept by the finalizer',
    name,
    (o) => o.exists && hasCondition('Ready', 'False', 'BrokerUnreachable')(o),
    { operator },
  );
  await delay(3_000);
  assert.ok(
    (await kubectl(['get', RESOURCE, name])).code === 0,
    'still held while the tombstone cannot be sent',
  );
  const annotated = await kubectl(['annotate', RESOURCE, name, `${DELETION_POLICY_ANNOTATION}=Orphan`]);
  assert.equal(annotated.code, 0, annotated.stderr);
  await until('gone', name, (o) => !o.exists, { operator });
  await assertOrphanedEvent(name);
});

/** The Normal event that says the finalizer went without a tombstone, and no event claims a tombstone was sent. */
async function assertOrphanedEvent(name: string): Promise<void> {
  await waitForEvent(name, 'Orphaned', 30_000, { type: 'Normal', note: /no tombstone sent/ });
  const events = await eventsOf(name);
  assert.ok(
    !events.some((line) => line.startsWith('Deregistered:')),
    `no Deregistered event: ${events.join('; ')}`,
  );
}

test('suspend stops all records without a tombstone; resuming registers again', async (t) => {
  const brokers = requireKafkaBrokers();
  const scope = await newScope(t, 'suspend');
  const tail = await RecordTail.start(t, brokers, [REGISTRY, 'cluster.heartbeat']);
  const operator = startOperator(t, scope);
  const manifest = registration(scope, { kafka: { brokers: [brokers] }, heartbeat: { interval: '5s' } });
  const { name } = manifest.metadata;
  await apply(manifest);
  await until('Ready', name, ready('True'), { operator });
  await apply({ ...manifest, spec: { ...manifest.spec, suspend: true } });
  await until('Suspended', name, ready('False', 'Suspended'), { operator });
  await delay(500);
  const count = tail.records.filter((r) => r.key === name).length;
  await delay(7_000);
  assert.equal(tail.records.filter((r) => r.key === name).length, count, 'nothing sent while suspended');
  assert.ok(
    tail.of(REGISTRY, name).every((r) => r.value !== null),
    'suspending is not deregistering',
  );
  await apply({ ...manifest, spec: { ...manifest.spec, suspend: false } });
  await until('Ready again', name, ready('True', 'Registered'), { operator });
  assert.equal(
    tail.of(REGISTRY, name).filter((r) => r.value !== null).length,
    2,
    'registered again on resume',
  );
});

test('a missing registry topic is reported, or created compacted with --create-topics; a delete-policy one is flagged', async (t) => {
  const brokers = requireKafkaBrokers();
  const scope = await newScope(t, 'topics');
  const plain = startOperator(t, scope);
  const missing = uniqueName('registry-missing');
  const heartbeat = uniqueName('heartbeat-missing');
  const reported = registration(scope, {
    kafka: { brokers: [brokers] },
    topics: { registry: missing, heartbeat },
  });
  await apply(reported);
  const notFound = await until('TopicNotFound', reported.metadata.name, ready('False', 'TopicNotFound'), {
    operator: plain,
  });
  assert.match(condition(notFound, 'Ready')?.message ?? '', /--create-topics/);
  await plain.stop();

  const creating = startOperator(t, { ...scope, args: ['--create-topics'] });
  await until('Ready with created topics', reported.metadata.name, ready('True', 'Registered'), {
    operator: creating,
  });
  const admin = plainKafka(brokers).admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: missing, configNames: ['cleanup.policy'] }],
  });
  assert.equal(configs.resources[0]?.configEntries[0]?.configValue, 'compact');
  const topics = await admin.listTopics();
  assert.ok(topics.includes(heartbeat), 'the heartbeat topic was created too');

  const deleting = await createTopic(brokers, 'registry-delete-policy', false);
  const flagged = registration(scope, { kafka: { brokers: [brokers] }, topics: { registry: deleting } });
  await apply(flagged);
  const observed = await until(
    'TopicNotCompacted',
    flagged.metadata.name,
    ready('False', 'TopicNotCompacted'),
    { operator: creating },
  );
  assert.equal(condition(observed, 'Registered')?.status, 'True', 'the registration is still sent');
  await waitForEvent(flagged.metadata.name, 'TopicNotCompacted');
});

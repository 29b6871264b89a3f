// The control plane keeps its state in memory: a restarted one that reads the registry from its end must still
// learn of the cluster within reassertInterval, from a registration sent again although nothing changed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordTail, plainKafka, toReadRecord, type ReadRecord } from '../support/kafka-records.js';
import { requireKafkaBrokers, uniqueName } from '../support/testenv.js';
import { startOperator } from './support/operator.js';
import { apply, newScope, registration } from './support/registrations.js';

const REGISTRY = 'cluster.registry';

test('a consumer reading from the end sees the registration again within reassertInterval', async (t) => {
  const brokers = requireKafkaBrokers();
  const scope = await newScope(t, 'reassert');
  const tail = await RecordTail.start(t, brokers, [REGISTRY]);
  const operator = startOperator(t, scope);
  await operator.waitForLog('controller start', (line) => line.message === 'started');
  const manifest = registration(scope, { kafka: { brokers: [brokers] }, reassertInterval: '1m' });
  const { name } = manifest.metadata;
  await apply(manifest);
  const first = await tail.waitFor('the registration', (r) => r.key === name);

  // A "restarted control plane": a new group that starts at the end of the topic.
  const seen: ReadRecord[] = [];
  const consumer = plainKafka(brokers).consumer({
    groupId: uniqueName('control-plane'),
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  t.after(() => consumer.disconnect());
  await consumer.subscribe({ topics: [REGISTRY], fromBeginning: false });
  await consumer.run({
    eachMessage: ({ topic, partition, message }) => {
      seen.push(toReadRecord(topic, partition, message));
      return Promise.resolve();
    },
  });
  const deadline = Date.now() + 80_000;
  while (!seen.some((r) => r.key === name) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const again = seen.find((r) => r.key === name);
  assert.ok(again !== undefined, 'the registration was sent again within reassertInterval');
  const after = again.timestamp - first.timestamp;
  assert.ok(after >= 59_000 && after < 75_000, `re-asserted ${after} ms after the first registration`);
  assert.equal((JSON.parse(again.value ?? '{}') as { status?: string }).status, 'active');
  // Never in a hot loop: exactly two registrations of the key so far. The tail reads on its own schedule, so it is
  // waited for: the other consumer may have fetched the record first.
  await tail.waitFor(
    'the re-assertion',
    (r) => r.key === name && r.partition === again.partition && r.offset === again.offset,
  );
  assert.equal(tail.of(REGISTRY, name).filter((r) => r.value !== null).length, 2);
});

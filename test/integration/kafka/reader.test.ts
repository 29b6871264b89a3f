// The tests' own record reader (test/support/kafka-records.ts) on a broker that has only just started: a 4.x
// broker's group coordinator answers COORDINATOR_LOAD_IN_PROGRESS while it loads __consumer_offsets (on its first
// groups, and again after a restart), and a reader that gave up on that read nothing. Many readers at once, as test
// files start them side by side, so that some groups land on partitions still loading.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { RecordTail, plainKafka } from '../../support/kafka-records.js';
import { onCleanup } from '../../support/cleanup.js';
import { startPrivateEnv, uniqueName } from '../../support/testenv.js';

const REGISTRY = 'cluster.registry';
const READERS = 32;

/** Readers started at once, then one record: every reader reads it, once. */
async function readersReadOneRecord(t: TestContext, brokers: string): Promise<void> {
  const tails = await Promise.all(
    Array.from({ length: READERS }, () => RecordTail.start(t, brokers, [REGISTRY])),
  );
  const key = uniqueName('fresh-broker');
  const producer = plainKafka(brokers).producer();
  await producer.connect();
  onCleanup(t, () => producer.disconnect());
  await producer.send({ topic: REGISTRY, messages: [{ key, value: '{}' }] });
  for (const tail of tails) await tail.waitFor(`the record of ${key}`, (record) => record.key === key);
  for (const tail of tails) assert.equal(tail.of(REGISTRY, key).length, 1, 'read once, not again');
}

test('readers started on a fresh broker, and on one just restarted, read every record', async (t) => {
  const env = await startPrivateEnv(t, { kube: false, kafka: true });
  const brokers = env.vars().KAFKA_BROKERS;
  assert.ok(brokers !== undefined);
  await readersReadOneRecord(t, brokers);
  await env.stop('kafka');
  await env.start('kafka');
  await readersReadOneRecord(t, brokers);
});

// A broker outage on a private broker: sends fail within their deadline while it is down, and the same pooled
// producer sends again once it is back, with nothing done by the caller in between.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  KafkaFailure,
  KafkaFailureReason,
  ProducerPool,
  type KafkaConnection,
  type RecordPosition,
} from '../../../src/kafka/index.js';
import { heartbeatRecord } from '../../../src/registration/records.js';
import { startPrivateEnv } from '../../support/testenv.js';
import { countingClients } from './helpers.js';
import { onCleanup } from '../../support/cleanup.js';

const DEADLINE_MS = 15_000;

test('a broker restart: fail within the deadline while down, publish again once up', async (t) => {
  const env = await startPrivateEnv(t, { kube: false, kafka: true });
  const brokers = env.vars().KAFKA_BROKERS;
  assert.ok(brokers !== undefined);
  const conn: KafkaConnection = { brokers: [brokers] };
  const { create, count } = countingClients();
  const pool = new ProducerPool({ createClient: create });
  onCleanup(t, () => pool.closeAll());
  const heartbeat = () =>
    heartbeatRecord({
      clientId: 'restart-test',
      clusterUid: 'uid',
      objectName: 'restart',
      objectUid: 'object-uid',
      generation: 1,
      now: new Date(),
      topic: 'cluster.heartbeat',
    });

  const producer = pool.acquire('cluster-a', conn);
  const before = await producer.publish(heartbeat(), { deadlineMs: DEADLINE_MS });

  await env.stop('kafka');
  const down = await producer.publish(heartbeat(), { deadlineMs: DEADLINE_MS }).then(
    () => undefined,
    (error: unknown) => error,
  );
  assert.ok(down instanceof KafkaFailure, `a KafkaFailure while the broker is down, not ${String(down)}`);
  assert.ok(
    down.reason === KafkaFailureReason.BrokerUnreachable || down.reason === KafkaFailureReason.SendTimeout,
    `${down.reason}: ${down.message}`,
  );
  t.diagnostic(`while the broker was down: ${down.reason}: ${down.message}`);

  await env.start('kafka');
  // The caller's queue retries with backoff; a broker that just started may still be electing leaders.
  let after: RecordPosition | undefined;
  const failures: string[] = [];
  for (let attempt = 0; attempt < 10 && after === undefined; attempt += 1) {
    try {
      after = await producer.publish(heartbeat(), { deadlineMs: DEADLINE_MS });
    } catch (error) {
      failures.push(error instanceof KafkaFailure ? `${error.reason}: ${error.message}` : String(error));
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
  assert.ok(after !== undefined, `no publish after the restart: ${failures.join(' | ')}`);
  t.diagnostic(`failed attempts after the restart: ${failures.length}`);
  assert.equal(after.partition, before.partition);
  assert.ok(BigInt(after.offset) > BigInt(before.offset));
  // Still the caller's one connection, the same kafkajs producer: it reconnected by itself.
  assert.deepEqual(
    pool.connections().map((c) => c.owners),
    [['cluster-a']],
  );
  assert.deepEqual(count, { created: 1, connected: 1, disconnected: 0 }, `failures: ${failures.join(' | ')}`);
});

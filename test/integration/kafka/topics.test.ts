// Topic inspection and opt-in creation through the admin client, on the real broker.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ProducerPool, type KafkaConnection } from '../../../src/kafka/index.js';
import { uniqueName } from '../../support/testenv.js';
import { kafkaEnv, saslSsl } from './helpers.js';

const env = kafkaEnv();
const pool = new ProducerPool();
after(() => pool.closeAll());
const plaintext: KafkaConnection = { brokers: [env.brokers] };

test('the environment registry topic is compacted, the heartbeat topic is not', async () => {
  assert.deepEqual(await pool.describeTopic(plaintext, 'cluster.registry'), {
    exists: true,
    cleanupPolicy: 'compact',
  });
  assert.deepEqual(await pool.describeTopic(plaintext, 'cluster.heartbeat'), {
    exists: true,
    cleanupPolicy: 'delete',
  });
});

test('a topic that does not exist is reported as such', async () => {
  assert.deepEqual(await pool.describeTopic(plaintext, uniqueName('kafka-nothing')), { exists: false });
});

test('describing works over SASL_SSL too', async () => {
  const conn = saslSsl(env, { mechanism: 'scram-sha-512', ...env.scram });
  assert.equal((await pool.describeTopic(conn, 'cluster.registry')).cleanupPolicy, 'compact');
});

test('createTopics makes a compacted registry topic and a delete-policy heartbeat topic, once', async () => {
  const registry = uniqueName('kafka-created-registry');
  const heartbeat = uniqueName('kafka-created-heartbeat');
  const topics = [
    { topic: registry, compact: true },
    { topic: heartbeat, compact: false },
  ];
  assert.deepEqual(await pool.createTopics(plaintext, topics), [
    { topic: registry, created: true },
    { topic: heartbeat, created: true },
  ]);
  assert.deepEqual(await pool.describeTopic(plaintext, registry), { exists: true, cleanupPolicy: 'compact' });
  assert.deepEqual(await pool.describeTopic(plaintext, heartbeat), { exists: true, cleanupPolicy: 'delete' });
  assert.deepEqual(await pool.createTopics(plaintext, topics), [
    { topic: registry, created: false },
    { topic: heartbeat, created: false },
  ]);
});

// The pool against the real broker: one kafkajs producer per connection, shared, closed with its last owner, and
// replaced when an owner's credentials change.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  KafkaFailure,
  KafkaFailureReason,
  ProducerPool,
  type KafkaRecord,
} from '../../../src/kafka/index.js';
import { countingClients, createTopic, kafkaEnv, readBack, saslSsl } from './helpers.js';

const env = kafkaEnv();

function record(topic: string, key: string): KafkaRecord {
  return { topic, key, value: JSON.stringify({ client_id: key }), headers: { registry_event: 'heartbeat' } };
}

test('two owners of one connection share one producer, closed when both release it', async () => {
  const topic = await createTopic(env.brokers, 'kafka-pool');
  const { create, count } = countingClients();
  const pool = new ProducerPool({ createClient: create });
  try {
    const conn = saslSsl(env, { mechanism: 'scram-sha-512', ...env.scram });
    const a = pool.acquire('cluster-a', conn);
    const b = pool.acquire('cluster-b', structuredClone(conn));
    assert.equal(b.id, a.id);
    await Promise.all([a.publish(record(topic, 'a')), b.publish(record(topic, 'b'))]);
    assert.deepEqual(count, { created: 1, connected: 1, disconnected: 0 });

    await a.release();
    await b.publish(record(topic, 'b'));
    assert.deepEqual(count, { created: 1, connected: 1, disconnected: 0 });

    await b.release();
    assert.deepEqual(count, { created: 1, connected: 1, disconnected: 1 });
    assert.deepEqual(pool.connections(), []);
    const keys = (await readBack(env.brokers, topic, 3)).map((r) => r.key).sort();
    assert.deepEqual(keys, ['a', 'b', 'b']);
  } finally {
    await pool.closeAll();
  }
});

test('a corrected password takes effect on the next acquire, without a restart', async () => {
  const topic = await createTopic(env.brokers, 'kafka-rotate');
  const { create, count } = countingClients();
  const pool = new ProducerPool({ createClient: create });
  try {
    const wrong = saslSsl(env, {
      mechanism: 'scram-sha-512',
      username: env.scram.username,
      password: 'stale',
    });
    const right = saslSsl(env, { mechanism: 'scram-sha-512', ...env.scram });
    const stale = pool.acquire('cluster-a', wrong);
    await assert.rejects(
      stale.publish(record(topic, 'a')),
      (error: unknown) =>
        error instanceof KafkaFailure && error.reason === KafkaFailureReason.AuthenticationFailed,
    );

    // The Secret was fixed: the caller acquires with what it now reads.
    const fresh = pool.acquire('cluster-a', right);
    const freshId = fresh.id;
    assert.notEqual(freshId, stale.id);
    const position = await fresh.publish(record(topic, 'a'));
    assert.equal(position.topic, topic);
    assert.deepEqual(
      pool.connections().map((c) => [c.id, c.owners]),
      [[freshId, ['cluster-a']]],
    );
    // One producer for the failed connect (discarded), one for the corrected password.
    assert.equal(count.created, 2);
    assert.equal(count.connected, 1);
  } finally {
    await pool.closeAll();
  }
  assert.equal(count.disconnected, count.created);
});

test('records sent while a request is in flight go together, each with its own partition and offset', async () => {
  const registry = await createTopic(env.brokers, 'kafka-batch-registry', true, 3);
  const heartbeat = await createTopic(env.brokers, 'kafka-batch-heartbeat');
  const { create, requests } = countingClients();
  const pool = new ProducerPool({ createClient: create });
  const conn = { brokers: [env.brokers] };
  const keys = Array.from({ length: 30 }, (_, i) => `cluster-${i}`);
  const records = keys.flatMap((key) => [record(registry, key), record(heartbeat, key)]);
  try {
    const producer = pool.acquire('owner', conn);
    const positions = await Promise.all(records.map((r) => producer.publish(r)));
    assert.ok(requests.length < records.length, `${records.length} records in ${requests.length} requests`);

    // What the broker stored at each acknowledged position is the record that was acknowledged there.
    const sent = new Map(records.map((r, i) => [`${r.topic} ${r.key}`, positions[i]]));
    const read = [
      ...(await readBack(env.brokers, registry, keys.length)),
      ...(await readBack(env.brokers, heartbeat, keys.length)),
    ];
    assert.equal(read.length, records.length);
    for (const r of read) {
      assert.deepEqual(sent.get(`${r.topic} ${r.key ?? ''}`), {
        topic: r.topic,
        partition: r.partition,
        offset: r.offset,
      });
    }
    assert.ok(new Set(read.filter((r) => r.topic === registry).map((r) => r.partition)).size > 1);
  } finally {
    await pool.closeAll();
  }
});

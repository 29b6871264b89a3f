// Records sent through the pool, read back by an independent consumer as the control plane reads them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProducerPool, type KafkaConnection, type ProducerHandle } from '../../../src/kafka/index.js';
import { heartbeatRecord, registrationRecord, tombstoneRecord } from '../../../src/registration/records.js';
import { uniqueName } from '../../support/testenv.js';
import { createTopic, kafkaEnv, readBack, saslSsl } from './helpers.js';

const env = kafkaEnv();

const origin = {
  clientId: 'acme-prod-eu',
  clusterUid: '6f1c2b1e-3f4a-4d7e-9a51-0c2f1e8b7d10',
  objectName: 'prod-eu',
  objectUid: 'a3b0c6f2-1d2e-4f5a-8b9c-0d1e2f3a4b5c',
  generation: 2,
  now: new Date(),
};

async function withProducer<T>(
  conn: KafkaConnection,
  work: (producer: ProducerHandle) => Promise<T>,
): Promise<T> {
  const pool = new ProducerPool();
  try {
    return await work(pool.acquire(uniqueName('owner'), conn));
  } finally {
    await pool.closeAll();
  }
}

test('a registration and its tombstone read back with key, value and headers, on one partition', async () => {
  const topic = await createTopic(env.brokers, 'kafka-registry', true);
  const conn: KafkaConnection = { brokers: [env.brokers] };
  const registration = registrationRecord({
    ...origin,
    topic,
    clusterName: 'prod-eu-1',
    region: 'eu-west-1',
    labels: { team: 'sre' },
    kubernetesVersion: 'v1.34.4',
    nodeCount: 3,
    operatorVersion: '0.1.0',
  });
  const tombstone = tombstoneRecord({ ...origin, topic });
  const [first, second] = await withProducer(conn, async (producer) => [
    await producer.publish(registration, { deadlineMs: 30_000 }),
    await producer.publish(tombstone, { deadlineMs: 30_000 }),
  ]);
  assert.equal(first.topic, topic);
  // The broker's timestamps are its own; everything else is what was sent and acknowledged.
  const read = (await readBack(env.brokers, topic, 2)).map((r) => ({
    topic: r.topic,
    key: r.key,
    value: r.value,
    headers: r.headers,
    partition: r.partition,
    offset: r.offset,
  }));
  assert.deepEqual(read, [
    {
      topic,
      key: 'acme-prod-eu',
      value: registration.value,
      headers: registration.headers,
      partition: first.partition,
      offset: first.offset,
    },
    {
      topic,
      key: 'acme-prod-eu',
      value: null,
      headers: tombstone.headers,
      partition: second.partition,
      offset: second.offset,
    },
  ]);
});

describe('every way of authenticating publishes', { concurrency: true }, () => {
  const ways: [string, KafkaConnection][] = [
    ['PLAIN over SASL_SSL', saslSsl(env, { mechanism: 'plain', ...env.plain })],
    ['SCRAM-SHA-256 over SASL_SSL', saslSsl(env, { mechanism: 'scram-sha-256', ...env.scram })],
    ['SCRAM-SHA-512 over SASL_SSL', saslSsl(env, { mechanism: 'scram-sha-512', ...env.scram })],
    [
      'SCRAM-SHA-512 over SASL_PLAINTEXT',
      { brokers: [env.saslBrokers], sasl: { mechanism: 'scram-sha-512', ...env.scram } },
    ],
    [
      'mutual TLS',
      {
        brokers: [env.mtlsBrokers],
        tls: { ca: env.ca, cert: env.cert, key: env.key, insecureSkipVerify: false },
      },
    ],
    [
      'TLS without verification (testing only)',
      {
        brokers: [env.sslBrokers],
        tls: { insecureSkipVerify: true },
        sasl: { mechanism: 'scram-sha-512', ...env.scram },
      },
    ],
  ];
  for (const [name, conn] of ways) {
    test(name, async () => {
      const topic = await createTopic(env.brokers, 'kafka-auth');
      const record = heartbeatRecord({ ...origin, topic });
      const position = await withProducer(conn, (producer) =>
        producer.publish(record, { deadlineMs: 30_000 }),
      );
      const [read] = await readBack(env.brokers, topic, 1);
      assert.equal(read?.offset, position.offset);
      assert.equal(read.value, record.value);
      assert.deepEqual(read.headers, record.headers);
    });
  }
});

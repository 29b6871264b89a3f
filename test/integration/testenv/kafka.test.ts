import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { requireKafka, uniqueName } from '../../support/testenv.js';

const env = requireKafka();

function client(config: Omit<KafkaConfig, 'clientId' | 'logLevel'>): Kafka {
  return new Kafka({
    clientId: 'testenv-test',
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5000,
    ...config,
  });
}

async function createTopic(topic: string): Promise<void> {
  const admin = client({ brokers: [env.brokers] }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Produces one keyed record and reads it back with a fresh consumer group on the same listener. */
async function roundTrip(kafka: Kafka): Promise<void> {
  const topic = uniqueName('testenv-roundtrip');
  await createTopic(topic);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: [{ key: 'cluster-a', value: '{"hello":"world"}' }] });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: uniqueName('testenv-group') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const received = await new Promise<{ key: string; value: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error('no record within 30s'));
    }, 30_000);
    void consumer.run({
      eachMessage: ({ message }) => {
        clearTimeout(timer);
        resolve({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '' });
        return Promise.resolve();
      },
    });
  });
  await consumer.disconnect();
  assert.deepEqual(received, { key: 'cluster-a', value: '{"hello":"world"}' });
}

const ca = readFileSync(env.caFile, 'utf8');
const scram512: SASLOptions = { mechanism: 'scram-sha-512', ...env.scram };

test('PLAINTEXT round trip', () => roundTrip(client({ brokers: [env.brokers] })));

test('SASL_PLAINTEXT round trip with PLAIN', () =>
  roundTrip(client({ brokers: [env.saslBrokers], sasl: { mechanism: 'plain', ...env.plain } })));

test('SASL_PLAINTEXT round trip with SCRAM-SHA-256', () =>
  roundTrip(client({ brokers: [env.saslBrokers], sasl: { mechanism: 'scram-sha-256', ...env.scram } })));

test('SASL_PLAINTEXT round trip with SCRAM-SHA-512', () =>
  roundTrip(client({ brokers: [env.saslBrokers], sasl: scram512 })));

test('SASL_SSL round trip with SCRAM-SHA-512 and the generated CA', () =>
  roundTrip(client({ brokers: [env.sslBrokers], ssl: { ca: [ca] }, sasl: scram512 })));

test('SSL round trip with a client certificate (mutual TLS)', () =>
  roundTrip(
    client({
      brokers: [env.mtlsBrokers],
      ssl: {
        ca: [ca],
        cert: readFileSync(env.clientCertFile, 'utf8'),
        key: readFileSync(env.clientKeyFile, 'utf8'),
      },
    }),
  ));

async function connectError(kafka: Kafka): Promise<Error> {
  const producer = kafka.producer();
  try {
    await producer.connect();
  } catch (error) {
    return error as Error;
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
  throw new Error('connect unexpectedly succeeded');
}

test('a wrong SCRAM password is rejected', async () => {
  const error = await connectError(
    client({
      brokers: [env.saslBrokers],
      retry: { retries: 0 },
      sasl: { mechanism: 'scram-sha-512', username: env.scram.username, password: 'wrong-password' },
    }),
  );
  assert.equal(error.name, 'KafkaJSSASLAuthenticationError');
  assert.match(error.message, /SASL SCRAM SHA512 authentication failed/);
});

test('TLS without the generated CA fails certificate verification', async () => {
  const error = await connectError(
    client({ brokers: [env.sslBrokers], retry: { retries: 0 }, ssl: true, sasl: scram512 }),
  );
  assert.match(error.message, /self[- ]signed certificate|unable to verify|unable to get local issuer/i);
});

test('mutual TLS without a client certificate is refused', async () => {
  const error = await connectError(
    client({ brokers: [env.mtlsBrokers], retry: { retries: 0 }, ssl: { ca: [ca] } }),
  );
  assert.ok(error instanceof Error);
});

// Each way a real broker says no, as the reason the operator will put on its status.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import {
  KafkaFailure,
  KafkaFailureReason,
  ProducerPool,
  type KafkaConnection,
  type KafkaRecord,
} from '../../../src/kafka/index.js';
import { uniqueName } from '../../support/testenv.js';
import { kafkaEnv, saslSsl } from './helpers.js';

const env = kafkaEnv();
const WRONG_PASSWORD = 'not-the-password-9f2c';

/** A loopback port nothing listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

async function failure(
  conn: KafkaConnection,
  topic = 'cluster.registry',
  deadlineMs = 30_000,
): Promise<KafkaFailure> {
  const pool = new ProducerPool();
  const record: KafkaRecord = { topic, key: 'kafka-test', value: '{}', headers: {} };
  try {
    await pool.acquire('owner', conn).publish(record, { deadlineMs });
  } catch (error) {
    assert.ok(error instanceof KafkaFailure, `a KafkaFailure, not ${String(error)}`);
    return error;
  } finally {
    await pool.closeAll();
  }
  throw new Error('the publish unexpectedly succeeded');
}

describe('failures', { concurrency: true }, () => {
  test('a wrong password is AuthenticationFailed, and the message does not show it', async () => {
    const error = await failure(
      saslSsl(env, { mechanism: 'scram-sha-512', username: env.scram.username, password: WRONG_PASSWORD }),
    );
    assert.equal(error.reason, KafkaFailureReason.AuthenticationFailed);
    assert.match(error.message, new RegExp(`user '${env.scram.username}'`));
    assert.equal(error.message.includes(WRONG_PASSWORD), false);
  });

  test('a wrong PLAIN password too', async () => {
    const error = await failure(
      saslSsl(env, { mechanism: 'plain', username: env.plain.username, password: WRONG_PASSWORD }),
    );
    assert.equal(error.reason, KafkaFailureReason.AuthenticationFailed);
  });

  test('TLS without the CA that signed the broker is TLSUntrusted', async () => {
    const error = await failure({
      brokers: [env.sslBrokers],
      tls: { insecureSkipVerify: false },
      sasl: { mechanism: 'scram-sha-512', ...env.scram },
    });
    assert.equal(error.reason, KafkaFailureReason.TLSUntrusted);
    assert.match(error.message, /CA/);
  });

  test('mutual TLS without a client certificate is TLSHandshakeFailed', async () => {
    const error = await failure({
      brokers: [env.mtlsBrokers],
      tls: { ca: env.ca, insecureSkipVerify: false },
    });
    assert.equal(error.reason, KafkaFailureReason.TLSHandshakeFailed);
  });

  test('TLS to a plaintext listener is TLSHandshakeFailed', async () => {
    const error = await failure({ brokers: [env.brokers], tls: { ca: env.ca, insecureSkipVerify: false } });
    assert.equal(error.reason, KafkaFailureReason.TLSHandshakeFailed);
    assert.match(error.message, /TLS listener/);
  });

  test('a closed port is BrokerUnreachable, within the deadline', async () => {
    const port = await closedPort();
    const error = await failure({ brokers: [`127.0.0.1:${port}`] }, 'cluster.registry', 20_000);
    assert.equal(error.reason, KafkaFailureReason.BrokerUnreachable);
    assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port} refused the connection`));
  });

  test('a closed port with a deadline shorter than the retries is still BrokerUnreachable', async () => {
    const port = await closedPort();
    const error = await failure({ brokers: [`127.0.0.1:${port}`] }, 'cluster.registry', 1_000);
    assert.equal(error.reason, KafkaFailureReason.BrokerUnreachable);
    assert.match(error.message, /no acknowledgement within 1000 ms/);
  });

  test('a topic that does not exist is TopicNotFound', async () => {
    const topic = uniqueName('kafka-missing');
    const error = await failure({ brokers: [env.brokers] }, topic);
    assert.equal(error.reason, KafkaFailureReason.TopicNotFound);
    assert.match(error.message, new RegExp(`topic '${topic}' does not exist`));
  });
});

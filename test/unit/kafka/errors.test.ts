// Classification of the errors kafkajs 2.2.4 really throws: its own error classes, wrapped the way its retrier
// wraps them, and the protocol errors its response decoder builds from broker error codes.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import kafkajs from 'kafkajs';
import type { KafkaConnection } from '../../../src/kafka/connection.js';
import { classifyKafkaError, deadlineFailure, protocolErrorTypes } from '../../../src/kafka/errors.js';
import { KafkaFailure, KafkaFailureReason } from '../../../src/kafka/failure.js';

interface ProtocolErrorModule {
  createErrorFromCode(code: number): Error & { type: string; code: number };
}
type Retrier = (options: { retries: number }) => (fn: () => Promise<never>) => Promise<never>;
// kafkajs's own factory for broker error codes and its retrier; not in its public types, so typed here.
const require = createRequire(import.meta.url);
const protocol = require('kafkajs/src/protocol/error') as ProtocolErrorModule;
const createRetry = require('kafkajs/src/retry') as Retrier;

const PASSWORD = 'p4ssw0rd-do-not-log';
const conn: KafkaConnection = {
  brokers: ['127.0.0.1:9093'],
  tls: { insecureSkipVerify: false },
  sasl: { mechanism: 'scram-sha-512', username: 'registry', password: PASSWORD },
};
const ctx = { conn, topic: 'cluster.registry' };

/** How kafkajs's retrier reports an error: retries exceeded for a retriable one, non-retriable otherwise. */
async function retried(cause: Error): Promise<unknown> {
  try {
    await createRetry({ retries: 0 })(() => Promise.reject(cause));
  } catch (error) {
    return error;
  }
  throw new Error('the retrier resolved');
}

function connectionError(message: string, code?: string): Error {
  return new kafkajs.KafkaJSConnectionError(`Connection error: ${message}`, {
    broker: '127.0.0.1:9093',
    ...(code === undefined ? {} : { code }),
  });
}

// Typed without arguments in kafkajs's declarations, though it passes a message at runtime.
const SaslError = kafkajs.KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;

function classify(error: unknown): KafkaFailure {
  return classifyKafkaError(error, ctx);
}

async function classifyRetried(cause: Error): Promise<KafkaFailure> {
  return classify(await retried(cause));
}

describe('KafkaFailureReason', () => {
  test('values are CamelCase condition reasons equal to their keys', () => {
    for (const [key, value] of Object.entries(KafkaFailureReason)) {
      assert.equal(key, value);
      assert.match(value, /^[A-Z][A-Za-z]*$/);
    }
  });
});

describe('classifyKafkaError', () => {
  test('connection refused, after retries', async () => {
    const failure = await classifyRetried(
      connectionError('connect ECONNREFUSED 127.0.0.1:9093', 'ECONNREFUSED'),
    );
    assert.ok(failure instanceof KafkaFailure);
    assert.ok(failure instanceof Error);
    assert.equal(failure.reason, KafkaFailureReason.BrokerUnreachable);
    assert.match(
      failure.message,
      /127\.0\.0\.1:9093 refused the connection: check the broker address and port/,
    );
  });

  test('unknown host', async () => {
    const failure = await classifyRetried(
      connectionError('getaddrinfo ENOTFOUND kafka.invalid', 'ENOTFOUND'),
    );
    assert.equal(failure.reason, KafkaFailureReason.BrokerUnreachable);
    assert.match(failure.message, /host not found.*DNS/);
  });

  test('connection timeout and closed connection', async () => {
    assert.equal(
      (await classifyRetried(new kafkajs.KafkaJSConnectionError('Connection timeout'))).reason,
      KafkaFailureReason.BrokerUnreachable,
    );
    const closed = await classifyRetried(new kafkajs.KafkaJSConnectionError('Closed connection'));
    assert.equal(closed.reason, KafkaFailureReason.BrokerUnreachable);
    assert.match(closed.message, /security protocol matches this client's \(SASL_SSL\)/);
  });

  test('SASL credentials rejected, and the password never appears', () => {
    const failure = classify(
      new SaslError(`SASL SCRAM SHA512 authentication failed: invalid credentials (tried ${PASSWORD})`),
    );
    assert.equal(failure.reason, KafkaFailureReason.AuthenticationFailed);
    assert.match(failure.message, /SCRAM-SHA-512 credentials of user 'registry'.*Secret/);
    assert.equal(failure.message.includes(PASSWORD), false);
  });

  test('SASL against a listener that does not speak it', () => {
    const failure = classify(protocol.createErrorFromCode(34));
    assert.equal(failure.reason, KafkaFailureReason.AuthenticationFailed);
    assert.match(failure.message, /does not accept SASL/);
    assert.equal(classify(protocol.createErrorFromCode(58)).reason, KafkaFailureReason.AuthenticationFailed);
    assert.equal(classify(protocol.createErrorFromCode(33)).reason, KafkaFailureReason.AuthenticationFailed);
  });

  test('untrusted certificates', async () => {
    const selfSigned = await classifyRetried(
      connectionError('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN'),
    );
    assert.equal(selfSigned.reason, KafkaFailureReason.TLSUntrusted);
    assert.match(selfSigned.message, /not trusted.*CA Secret/);
    const wrongHost = classify(
      connectionError("Hostname/IP does not match certificate's altnames", 'ERR_TLS_CERT_ALTNAME_INVALID'),
    );
    assert.equal(wrongHost.reason, KafkaFailureReason.TLSUntrusted);
    assert.match(wrongHost.message, /does not name the host/);
    const expired = classify(connectionError('certificate has expired', 'CERT_HAS_EXPIRED'));
    assert.equal(expired.reason, KafkaFailureReason.TLSUntrusted);
    assert.match(expired.message, /expired or not yet valid/);
  });

  test('TLS handshakes the broker refused', async () => {
    const badCert = await classifyRetried(
      connectionError(
        '80:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:rec_layer_s3.c:1601:SSL alert number 42',
        'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
      ),
    );
    assert.equal(badCert.reason, KafkaFailureReason.TLSHandshakeFailed);
    assert.match(badCert.message, /client certificate and key/);
    const notTls = classify(
      connectionError(
        'Client network socket disconnected before secure TLS connection was established',
        'ECONNRESET',
      ),
    );
    assert.equal(notTls.reason, KafkaFailureReason.TLSHandshakeFailed);
    assert.match(notTls.message, /is a TLS listener/);
  });

  test('TLS material that cannot be loaded', async () => {
    const failure = await classifyRetried(
      new kafkajs.KafkaJSConnectionError('Failed to connect: error:1E08010C:DECODER routines::unsupported'),
    );
    assert.equal(failure.reason, KafkaFailureReason.InvalidConfiguration);
    assert.match(failure.message, /PEM/);
  });

  test('broker error codes', async () => {
    const cases: [number, KafkaFailureReason, RegExp][] = [
      [3, KafkaFailureReason.TopicNotFound, /topic 'cluster\.registry' does not exist.*--create-topics/],
      [29, KafkaFailureReason.NotAuthorized, /user 'registry'.*Write/],
      [31, KafkaFailureReason.NotAuthorized, /CLUSTER_AUTHORIZATION_FAILED/],
      [19, KafkaFailureReason.NotEnoughReplicas, /min\.insync\.replicas/],
      [20, KafkaFailureReason.NotEnoughReplicas, /in-sync replicas/],
      [10, KafkaFailureReason.RecordRejected, /MESSAGE_TOO_LARGE/],
      [7, KafkaFailureReason.SendTimeout, /did not answer in time/],
      [5, KafkaFailureReason.BrokerUnreachable, /LEADER_NOT_AVAILABLE/],
      [6, KafkaFailureReason.BrokerUnreachable, /NOT_LEADER_FOR_PARTITION/],
    ];
    for (const [code, reason, message] of cases) {
      const failure = await classifyRetried(protocol.createErrorFromCode(code));
      assert.equal(failure.reason, reason, `code ${code}`);
      assert.match(failure.message, message, `code ${code}`);
    }
  });

  test('createTopics aggregate errors classify by their first error', async () => {
    const denied = new kafkajs.KafkaJSAggregateError('Topic creation errors', [
      protocol.createErrorFromCode(29),
    ]);
    assert.equal((await classifyRetried(denied)).reason, KafkaFailureReason.NotAuthorized);
  });

  test('client-side timeouts', () => {
    const timeout = new kafkajs.KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out', {
      broker: '127.0.0.1:9093',
      clientId: 'test',
      correlationId: 1,
      createdAt: 0,
      sentAt: 0,
      pendingDuration: 0,
    });
    assert.equal(classify(timeout).reason, KafkaFailureReason.SendTimeout);
  });

  test('anything else is Unknown with the original words, minus secrets', () => {
    const failure = classify(new Error(`something odd with ${PASSWORD}\nsecond line`));
    assert.equal(failure.reason, KafkaFailureReason.Unknown);
    assert.match(failure.message, /something odd with \[REDACTED\]$/);
    assert.equal(classify('a string').reason, KafkaFailureReason.Unknown);
    assert.equal(classify(undefined).reason, KafkaFailureReason.Unknown);
  });

  test('messages are one line', () => {
    const failure = classify(connectionError('first\nsecond', 'ECONNREFUSED'));
    assert.equal(failure.message.includes('\n'), false);
  });

  test('a KafkaFailure passes through; the cause is kept for debugging', () => {
    const original = new KafkaFailure(KafkaFailureReason.TopicNotFound, 'x');
    assert.equal(classify(original), original);
    const cause = protocol.createErrorFromCode(3);
    assert.equal(classify(cause).cause, cause);
  });
});

describe('deadlineFailure', () => {
  test('without a logged cause it is a SendTimeout naming the deadline', () => {
    const failure = deadlineFailure(2000, ctx, undefined);
    assert.equal(failure.reason, KafkaFailureReason.SendTimeout);
    assert.match(failure.message, /no acknowledgement within 2000 ms from 127\.0\.0\.1:9093 \(SASL_SSL/);
    assert.equal(failure.message.includes(PASSWORD), false);
  });

  test('a connection error kafkajs logged meanwhile explains it', () => {
    const failure = deadlineFailure(2000, ctx, 'Connection error: connect ECONNREFUSED 127.0.0.1:9093');
    assert.equal(failure.reason, KafkaFailureReason.BrokerUnreachable);
    assert.match(failure.message, /refused the connection.*\(no acknowledgement within 2000 ms\)/);
    const missing = deadlineFailure(2000, ctx, 'Response Metadata(key: 3, version: 6)');
    assert.equal(missing.reason, KafkaFailureReason.SendTimeout);
  });
});

test('protocolErrorTypes finds the broker error under the wrappers', async () => {
  assert.deepEqual(protocolErrorTypes(await retried(protocol.createErrorFromCode(45))), [
    'OUT_OF_ORDER_SEQUENCE_NUMBER',
  ]);
  assert.deepEqual(protocolErrorTypes(new Error('x')), []);
});

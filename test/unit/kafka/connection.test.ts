import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import kafkajs from 'kafkajs';
import { defaultTuning, kafkaClientConfig } from '../../../src/kafka/client-config.js';
import {
  connectionId,
  connectionProblems,
  describeConnection,
  securityProtocol,
  type KafkaConnection,
} from '../../../src/kafka/connection.js';

const PASSWORD = 'hunter2-very-secret';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n';
const CA = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2E=\n-----END CERTIFICATE-----\n';

const base: KafkaConnection = {
  brokers: ['kafka-1.example.com:9093', 'kafka-0.example.com:9093'],
  tls: { ca: CA, cert: CA, key: KEY, insecureSkipVerify: false },
  sasl: { mechanism: 'scram-sha-512', username: 'registry', password: PASSWORD },
};

describe('connectionId', () => {
  test('equal settings give equal ids, whatever the broker order or case', () => {
    const reordered: KafkaConnection = {
      ...base,
      brokers: ['KAFKA-0.example.com:9093', ' kafka-1.example.com:9093'],
    };
    assert.equal(connectionId(reordered), connectionId(base));
    assert.equal(connectionId(structuredClone(base)), connectionId(base));
  });

  test('any changed setting gives another id, a rotated password or certificate included', () => {
    const variants: KafkaConnection[] = [
      { ...base, brokers: ['kafka-0.example.com:9093'] },
      { ...base, sasl: { mechanism: 'scram-sha-512', username: 'registry', password: `${PASSWORD}!` } },
      { ...base, sasl: { mechanism: 'scram-sha-512', username: 'other', password: PASSWORD } },
      { ...base, sasl: { mechanism: 'scram-sha-256', username: 'registry', password: PASSWORD } },
      { ...base, sasl: undefined },
      { ...base, tls: undefined },
      { ...base, tls: { ca: CA, cert: CA, key: `${KEY}\n`, insecureSkipVerify: false } },
      { ...base, tls: { ca: `${CA}\n`, cert: CA, key: KEY, insecureSkipVerify: false } },
      { ...base, tls: { ca: CA, cert: CA, key: KEY, insecureSkipVerify: true } },
    ];
    const ids = new Set([base, ...variants].map(connectionId));
    assert.equal(ids.size, variants.length + 1);
  });

  test('shows protocol, mechanism and brokers, and no secret', () => {
    const id = connectionId(base);
    assert.match(
      id,
      /^SASL_SSL\+scram-sha-512:\/\/kafka-0\.example\.com:9093,kafka-1\.example\.com:9093#[0-9a-f]{16}$/,
    );
    for (const secret of [PASSWORD, 'registry', 'BEGIN', 'MIIE']) assert.equal(id.includes(secret), false);
  });

  test('the digest is no plain hash of the settings (it would let logs be used to test password guesses)', async () => {
    const { createHash } = await import('node:crypto');
    const digest = connectionId(base).split('#')[1] ?? '';
    assert.equal(createHash('sha256').update(PASSWORD).digest('hex').includes(digest), false);
  });
});

describe('securityProtocol and describeConnection', () => {
  test('protocol follows TLS and SASL', () => {
    assert.equal(securityProtocol({ brokers: ['a:1'] }), 'PLAINTEXT');
    assert.equal(securityProtocol({ brokers: ['a:1'], tls: { insecureSkipVerify: false } }), 'SSL');
    assert.equal(securityProtocol({ ...base, tls: undefined }), 'SASL_PLAINTEXT');
    assert.equal(securityProtocol(base), 'SASL_SSL');
  });

  test('description names where and how, never the password or key', () => {
    const text = describeConnection(base);
    assert.match(text, /SASL_SSL, SCRAM-SHA-512 as 'registry', client certificate/);
    assert.equal(text.includes(PASSWORD), false);
    assert.equal(text.includes('PRIVATE KEY'), false);
  });
});

describe('connectionProblems', () => {
  test('usable settings have none', () => {
    assert.deepEqual(connectionProblems(base), []);
    assert.deepEqual(connectionProblems({ brokers: ['127.0.0.1:9092'] }), []);
  });

  test('names each problem', () => {
    assert.match(connectionProblems({ brokers: [] }).join(), /at least one/);
    assert.match(connectionProblems({ brokers: ['kafka'] }).join(), /not host:port/);
    assert.match(connectionProblems({ brokers: ['kafka:0'] }).join(), /not host:port/);
    assert.match(connectionProblems({ brokers: ['kafka:70000'] }).join(), /not host:port/);
    assert.match(connectionProblems({ brokers: ['[::1]:9092'] }).join(), /IPv6/);
    assert.match(
      connectionProblems({ ...base, sasl: { mechanism: 'plain', username: 'u', password: '' } }).join(),
      /password is empty/,
    );
    assert.match(
      connectionProblems({ brokers: ['a:1'], tls: { cert: CA, insecureSkipVerify: false } }).join(),
      /both the certificate and its private key/,
    );
  });
});

describe('kafkaClientConfig', () => {
  const logCreator = () => () => undefined;

  test('TLS with a CA, a client certificate and verification on', () => {
    const config = kafkaClientConfig(base, defaultTuning, logCreator, kafkajs.logLevel.WARN);
    assert.deepEqual(config.ssl, { ca: [CA], cert: CA, key: KEY, rejectUnauthorized: true });
    assert.deepEqual(config.sasl, { mechanism: 'scram-sha-512', username: 'registry', password: PASSWORD });
    assert.deepEqual(config.brokers, base.brokers);
  });

  test('insecureSkipVerify turns verification off; no TLS and no SASL leave both unset', () => {
    const insecure = kafkaClientConfig(
      { brokers: ['a:1'], tls: { insecureSkipVerify: true } },
      defaultTuning,
      logCreator,
      kafkajs.logLevel.WARN,
    );
    assert.deepEqual(insecure.ssl, { rejectUnauthorized: false });
    const plain = kafkaClientConfig({ brokers: ['a:1'] }, defaultTuning, logCreator, kafkajs.logLevel.WARN);
    assert.equal('ssl' in plain, false);
    assert.equal('sasl' in plain, false);
  });

  test('every wait is bounded', () => {
    const config = kafkaClientConfig({ brokers: ['a:1'] }, defaultTuning, logCreator, kafkajs.logLevel.WARN);
    assert.equal(config.enforceRequestTimeout, true);
    assert.ok((config.retry?.retries ?? Infinity) < 10);
    assert.ok((config.retry?.maxRetryTime ?? Infinity) <= 5_000);
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KafkaSpec } from '../../../src/api/index.js';
import { referencedSecrets, resolveConnection, type Secret } from '../../../src/registration/credentials.js';
import type { Cache } from '../../../src/runtime/index.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function secrets(entries: Record<string, Record<string, string>>): Cache<Secret> {
  const map = new Map<string, Secret>(
    Object.entries(entries).map(([name, data]) => [
      `ops/${name}`,
      {
        metadata: { name, namespace: 'ops' },
        data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
      },
    ]),
  );
  return { get: (key) => map.get(key), list: () => [...map.values()] };
}

const saslSsl: KafkaSpec = {
  brokers: ['kafka:9093'],
  tls: { enabled: true, insecureSkipVerify: false, caSecretRef: { name: 'ca', key: 'ca.crt' } },
  sasl: {
    mechanism: 'scram-sha-512',
    secretRef: { name: 'creds', usernameKey: 'username', passwordKey: 'password' },
  },
};

test('reads SASL and TLS material from Secrets of the operator namespace only', () => {
  const resolved = resolveConnection(
    saslSsl,
    secrets({ ca: { 'ca.crt': PEM }, creds: { username: 'u', password: 'p' } }),
    'ops',
  );
  assert.ok(resolved.ok);
  assert.deepEqual(resolved.conn.sasl, { mechanism: 'scram-sha-512', username: 'u', password: 'p' });
  assert.equal(resolved.conn.tls?.ca, PEM);
  assert.equal(
    resolveConnection(
      saslSsl,
      secrets({ ca: { 'ca.crt': PEM }, creds: { username: 'u', password: 'p' } }),
      'other',
    ).ok,
    false,
  );
  assert.deepEqual(referencedSecrets(saslSsl), ['creds', 'ca']);
});

test('a missing Secret, a missing or empty key and a CA that is not PEM each say so', () => {
  const missing = resolveConnection(saslSsl, secrets({ ca: { 'ca.crt': PEM } }), 'ops');
  assert.ok(!missing.ok);
  assert.equal(missing.reason, 'SecretNotFound');
  assert.match(missing.message, /ops\/creds/);
  const noKey = resolveConnection(
    saslSsl,
    secrets({ ca: { 'ca.crt': PEM }, creds: { username: 'u', other: 'x' } }),
    'ops',
  );
  assert.ok(!noKey.ok);
  assert.equal(noKey.reason, 'SecretKeyMissing');
  assert.match(noKey.message, /'password'.*its keys: other, username/);
  const notPem = resolveConnection(
    saslSsl,
    secrets({ ca: { 'ca.crt': 'junk' }, creds: { username: 'u', password: 'p' } }),
    'ops',
  );
  assert.ok(!notPem.ok);
  assert.match(notPem.message, /not PEM/);
});

test('plaintext needs no Secret; a disabled tls block is plaintext', () => {
  const plain = resolveConnection({ brokers: ['k:9092'] }, secrets({}), 'ops');
  assert.ok(plain.ok);
  assert.equal(plain.usesSecrets, false);
  const disabled: KafkaSpec = {
    brokers: ['k:9092'],
    tls: { enabled: false, insecureSkipVerify: false, caSecretRef: { name: 'x', key: 'ca.crt' } },
  };
  const resolved = resolveConnection(disabled, secrets({}), 'ops');
  assert.ok(resolved.ok);
  assert.equal(resolved.conn.tls, undefined);
});

test('the same spec with the same Secrets resolves to the same connection; a changed Secret to a new one', () => {
  const spec: KafkaSpec = structuredClone(saslSsl);
  const held = secrets({ ca: { 'ca.crt': PEM }, creds: { username: 'u', password: 'p' } });
  const first = resolveConnection(spec, held, 'ops');
  const again = resolveConnection(spec, held, 'ops');
  assert.ok(first.ok && again.ok);
  assert.equal(again.conn, first.conn);
  const rotated = secrets({ ca: { 'ca.crt': PEM }, creds: { username: 'u', password: 'new' } });
  const after = resolveConnection(spec, rotated, 'ops');
  assert.ok(after.ok);
  assert.equal(after.conn.sasl?.password, 'new');
  const removed = resolveConnection(spec, secrets({ ca: { 'ca.crt': PEM } }), 'ops');
  assert.equal(removed.ok, false);
});

// Credentials come from Secrets in the operator's namespace: SCRAM-SHA-512 over SASL_SSL with the environment's CA
// works; a wrong password, a missing Secret or key and an untrusted CA each say so in status with their own reason;
// fixing the Secret recovers without a restart; mutual TLS works from a kubernetes.io/tls-style Secret.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { RecordTail } from '../support/kafka-records.js';
import { requireKafka } from '../support/testenv.js';
import { startOperator } from './support/operator.js';
import {
  apply,
  condition,
  hasCondition,
  newScope,
  ready,
  registration,
  secret,
  until,
} from './support/registrations.js';

const REGISTRY = 'cluster.registry';

test('SCRAM-SHA-512 over SASL_SSL: a wrong password, then a fixed Secret recovers without a restart', async (t) => {
  const kafka = requireKafka();
  const scope = await newScope(t, 'auth');
  const tail = await RecordTail.start(t, kafka.brokers, [REGISTRY]);
  const operator = startOperator(t, scope);
  await secret(scope, 'kafka-ca', { 'ca.crt': readFileSync(kafka.caFile, 'utf8') });
  await secret(scope, 'kafka-credentials', { username: kafka.scram.username, password: 'not-the-password' });
  const manifest = registration(scope, {
    kafka: {
      brokers: [kafka.sslBrokers],
      tls: { caSecretRef: { name: 'kafka-ca' } },
      sasl: { mechanism: 'scram-sha-512', secretRef: { name: 'kafka-credentials' } },
    },
  });
  const { name } = manifest.metadata;
  await apply(manifest);

  const rejected = await until(
    'CredentialsValid=False',
    name,
    hasCondition('CredentialsValid', 'False', 'AuthenticationFailed'),
    { operator },
  );
  assert.equal(condition(rejected, 'Ready')?.reason, 'AuthenticationFailed');
  assert.doesNotMatch(JSON.stringify(rejected), /not-the-password/);
  assert.ok(!operator.output().includes('not-the-password'), 'the password never reaches a log line');

  await secret(scope, 'kafka-credentials', {
    username: kafka.scram.username,
    password: kafka.scram.password,
  });
  await tail.waitFor('the registration over SASL_SSL', (r) => r.key === name && r.value !== null);
  const fixed = await until('Ready', name, ready('True', 'Registered'), { operator });
  assert.equal(condition(fixed, 'CredentialsValid')?.reason, 'CredentialsResolved');
  assert.ok(!operator.output().includes(kafka.scram.password), 'the password never reaches a log line');
});

test('a missing Secret, a missing key and an untrusted CA each have their own reason', async (t) => {
  const kafka = requireKafka();
  const scope = await newScope(t, 'authfail');
  const operator = startOperator(t, scope);
  const sasl = { mechanism: 'scram-sha-512' as const, secretRef: { name: 'absent' } };
  const missingSecret = registration(scope, { kafka: { brokers: [kafka.saslBrokers], sasl } });
  await apply(missingSecret);
  const notFound = await until(
    'SecretNotFound',
    missingSecret.metadata.name,
    hasCondition('CredentialsValid', 'False', 'SecretNotFound'),
    { operator },
  );
  assert.match(condition(notFound, 'Ready')?.message ?? '', new RegExp(`${scope.namespace}/absent`));

  await secret(scope, 'no-password', { username: kafka.scram.username });
  const missingKey = registration(scope, {
    kafka: { brokers: [kafka.saslBrokers], sasl: { ...sasl, secretRef: { name: 'no-password' } } },
  });
  await apply(missingKey);
  const keyMissing = await until(
    'SecretKeyMissing',
    missingKey.metadata.name,
    hasCondition('CredentialsValid', 'False', 'SecretKeyMissing'),
    { operator },
  );
  assert.match(condition(keyMissing, 'Ready')?.message ?? '', /'password'/);

  // The system's roots do not know the environment's CA.
  const untrusted = registration(scope, { kafka: { brokers: [kafka.mtlsBrokers], tls: {} } });
  await apply(untrusted);
  await until(
    'TLSUntrusted',
    untrusted.metadata.name,
    hasCondition('CredentialsValid', 'False', 'TLSUntrusted'),
    {
      operator,
    },
  );
  // The others were not held up by these.
  const plain = registration(scope, { kafka: { brokers: [kafka.brokers] } });
  await apply(plain);
  await until('Ready', plain.metadata.name, ready('True'), { operator });
});

test('mutual TLS with a client certificate from a Secret', async (t) => {
  const kafka = requireKafka();
  const scope = await newScope(t, 'mtls');
  const operator = startOperator(t, scope);
  await secret(scope, 'kafka-ca', { 'ca.crt': readFileSync(kafka.caFile, 'utf8') });
  await secret(scope, 'client-tls', {
    'tls.crt': readFileSync(kafka.clientCertFile, 'utf8'),
    'tls.key': readFileSync(kafka.clientKeyFile, 'utf8'),
  });
  const manifest = registration(scope, {
    kafka: {
      brokers: [kafka.mtlsBrokers],
      tls: { caSecretRef: { name: 'kafka-ca' }, clientCertificateSecretRef: { name: 'client-tls' } },
    },
  });
  await apply(manifest);
  const observed = await until('Ready', manifest.metadata.name, ready('True', 'Registered'), { operator });
  assert.equal(condition(observed, 'CredentialsValid')?.reason, 'CredentialsResolved');
});

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../../src/observability/logger.js';
import { REDACTED, SecretRedactor } from '../../../src/observability/redact.js';
import { captureLogger } from './helpers.js';

const password = 'hunter2-kafka-Pa55';
const token = 'eyJhbGciOiJSUzI1NiJ9.payload.signature';

test('a secret never reaches a log line, wherever it hides', () => {
  const redactor = new SecretRedactor();
  redactor.register(password);
  const { logger, text, lines } = captureLogger(redactor);
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'kafka-credentials', namespace: 'ops' },
    data: { password: Buffer.from(password).toString('base64'), username: 'dXNlcg==' },
    stringData: { password },
  };

  logger.info('read the secret', { secret });
  logger.info('connecting', { sasl: { mechanism: 'scram-sha-512', username: 'user', password } });
  logger.warn('request', { headers: { Authorization: `Bearer ${token}` }, kafkaPassword: password });
  logger.error('connect failed', { error: new Error(`SASL authentication failed for ${password}`) });
  logger.info(`free text with the password ${password} and a header Bearer ${token}`);
  logger.info('nested', { deep: { list: [{ note: `x${password}y` }] } });
  logger.error(new Error(`thrown with ${password}`));

  const output = text();
  assert.ok(!output.includes(password), output);
  assert.ok(!output.includes(token), output);
  assert.ok(!output.includes(Buffer.from(password).toString('base64')), output);
  assert.ok(output.includes(REDACTED));
  assert.equal(lines().length, 7);
});

test('what is not secret stays readable: names of secrets, object keys, error messages', () => {
  const { logger, lines } = captureLogger();
  logger.info('secret missing', { secretName: 'kafka-credentials', object: 'prod-eu', tokenRef: 'ref' });
  logger.error('reconcile failed', {
    error: Object.assign(new Error('broker down'), { code: 'ECONNREFUSED' }),
  });
  const [first, second] = lines();
  assert.ok(first !== undefined && second !== undefined);
  assert.equal(first.secretName, 'kafka-credentials');
  assert.equal(first.object, 'prod-eu');
  assert.equal(first.tokenRef, 'ref');
  const error = second.error as { message: string; code: string; stack: string };
  assert.equal(error.message, 'broker down');
  assert.equal(error.code, 'ECONNREFUSED');
  assert.match(error.stack, /broker down/);
});

test('lines are JSON with a level, a message and a timestamp', () => {
  const { logger, lines } = captureLogger();
  logger.child({ controller: 'c', object: 'ns/name' }).info('reconciled');
  const [line] = lines();
  assert.ok(line !== undefined);
  assert.equal(line.level, 'info');
  assert.equal(line.message, 'reconciled');
  assert.equal(line.object, 'ns/name');
  assert.equal(typeof line.timestamp, 'string');
});

test('a line below the level is dropped before any formatting, from the logger and its children', () => {
  let formatted = 0;
  class CountingRedactor extends SecretRedactor {
    override redact(value: unknown): unknown {
      formatted += 1;
      return super.redact(value);
    }
  }
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = createLogger({ level: 'warn', stream, redactor: new CountingRedactor() });
  const child = logger.child({ key: 'prod-eu' });
  logger.debug('sent', { offset: '1' });
  logger.info('registered');
  child.debug('reconciled');
  child.log('info', 'registered');
  assert.equal(formatted, 0);
  child.warn('no broker reachable');
  assert.equal(formatted, 1);
  assert.equal(chunks.length, 1);
  logger.level = 'debug';
  child.debug('reconciled');
  assert.equal(chunks.length, 2);
});

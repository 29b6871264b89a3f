// SIGKILL at the two worst moments: after the finalizer is on but before the registration is sent, and after the
// tombstone is acknowledged but before the finalizer is removed. A restarted operator ends the same way as one
// that was never killed. Failpoints (FAILPOINTS) hold the operator at exactly those steps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FINALIZER } from '../../src/api/index.js';
import { RecordTail } from '../support/kafka-records.js';
import { kubectl, requireKafkaBrokers } from '../support/testenv.js';
import { startOperator } from './support/operator.js';
import { apply, newScope, observe, ready, registration, RESOURCE, until } from './support/registrations.js';

const REGISTRY = 'cluster.registry';
const atFailpoint = (name: string) => (line: { message: string; failpoint?: unknown }) =>
  line.message === 'failpoint reached; waiting' && line.failpoint === name;

test('killed between the finalizer and the send: the restart registers', async (t) => {
  const brokers = requireKafkaBrokers();
  const scope = await newScope(t, 'crash-reg');
  const tail = await RecordTail.start(t, brokers, [REGISTRY]);
  const first = startOperator(t, { ...scope, env: { FAILPOINTS: 'before-register' } });
  const manifest = registration(scope, { kafka: { brokers: [brokers] } });
  const { name } = manifest.metadata;
  await apply(manifest);
  await first.waitForLog('the failpoint', atFailpoint('before-register'));
  const held = await observe(name);
  assert.ok(held.finalizers.includes(FINALIZER), 'the finalizer is in place before any record is sent');
  first.kill('SIGKILL');
  await first.exited();
  assert.equal(tail.of(REGISTRY, name).length, 0, 'nothing was sent before the kill');

  const second = startOperator(t, scope);
  await tail.waitFor('the registration', (r) => r.key === name && r.value !== null);
  await until('Ready', name, ready('True', 'Registered'), { operator: second });
});

test('killed between the tombstone and the finalizer removal: the restart lets the object go', async (t) => {
  const brokers = requireKafkaBrokers();
  const scope = await newScope(t, 'crash-dereg');
  const tail = await RecordTail.start(t, brokers, [REGISTRY]);
  const manifest = registration(scope, { kafka: { brokers: [brokers] } });
  const { name } = manifest.metadata;
  const first = startOperator(t, { ...scope, env: { FAILPOINTS: 'before-finalizer-removal' } });
  await apply(manifest);
  await until('Ready', name, ready('True', 'Registered'), { operator: first });
  const deleted = await kubectl(['delete', RESOURCE, name, '--wait=false']);
  assert.equal(deleted.code, 0, deleted.stderr);
  await first.waitForLog('the failpoint', atFailpoint('before-finalizer-removal'));
  await tail.waitFor('the tombstone', (r) => r.key === name && r.value === null);
  assert.ok((await observe(name)).exists, 'the finalizer still holds the object');
  first.kill('SIGKILL');
  await first.exited();

  const second = startOperator(t, scope);
  await until('the object to be gone', name, (observed) => !observed.exists, { operator: second });
  const records = tail.of(REGISTRY, name);
  assert.equal(records.at(-1)?.value, null, 'the latest record for the key is a tombstone');
});

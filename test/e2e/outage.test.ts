// A broker outage, on a broker of the test's own: apply while it is down says why in status and registers with no
// user action once it is back; delete while it is down keeps the object, says why and how to let it go, and
// completes once it is back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DELETION_POLICY_ANNOTATION } from '../../src/api/index.js';
import { RecordTail } from '../support/kafka-records.js';
import { kubectl, startPrivateEnv } from '../support/testenv.js';
import { startOperator } from './support/operator.js';
import {
  apply,
  condition,
  hasCondition,
  newScope,
  ready,
  registration,
  RESOURCE,
  until,
  waitForEvent,
} from './support/registrations.js';

const REGISTRY = 'cluster.registry';

test('broker down: conditions explain, records arrive when it is back, deletion waits for the tombstone', async (t) => {
  const kafka = await startPrivateEnv(t, { kube: false, kafka: true });
  const brokers = kafka.vars().KAFKA_BROKERS;
  assert.ok(brokers !== undefined);
  const scope = await newScope(t, 'outage');
  // Short sends, so that each retry reports quickly.
  const operator = startOperator(t, { ...scope, args: ['--send-timeout', '3s'] });
  const manifest = registration(scope, { kafka: { brokers: [brokers] }, heartbeat: { interval: '5s' } });
  const { name } = manifest.metadata;

  await kafka.stop('kafka');
  await apply(manifest);
  const down = await until('BrokerUnreachable', name, ready('False', 'BrokerUnreachable'), { operator });
  assert.match(condition(down, 'Ready')?.message ?? '', /127\.0\.0\.1/);
  await waitForEvent(name, 'BrokerUnreachable');

  await kafka.start('kafka');
  const tail = await RecordTail.start(t, brokers, [REGISTRY]);
  // The queue's backoff may have grown while the broker was down; it recovers without anyone touching the object.
  await tail.waitFor('the registration', (r) => r.key === name && r.value !== null, { timeoutMs: 60_000 });
  await until('Ready', name, ready('True', 'Registered'), { operator, timeoutMs: 60_000 });

  await kafka.stop('kafka');
  const deleting = kubectl(['delete', RESOURCE, name, '--timeout=120s']);
  const stuck = await until(
    'a deletion blocked on the broker',
    name,
    (observed) =>
      hasCondition('Ready', 'False', 'BrokerUnreachable')(observed) && observed.finalizers.length > 0,
    { operator, timeoutMs: 60_000 },
  );
  assert.match(condition(stuck, 'Ready')?.message ?? '', /registry\.kgroot\.io\/deletion-policy=Orphan/);
  assert.ok(stuck.exists, 'the object stays while the tombstone cannot be sent');
  // The Warning event says the same: what failed, that the object is kept, and the command that lets it go.
  const warning = await waitForEvent(name, 'BrokerUnreachable', 30_000, {
    type: 'Warning',
    note: /kept until the broker acknowledges the tombstone/,
  });
  assert.match(warning, /tombstone at .* failed: /);
  assert.ok(
    warning.includes(`kubectl annotate clusterregistration ${name} ${DELETION_POLICY_ANNOTATION}=Orphan`),
    warning,
  );

  await kafka.start('kafka');
  const deleted = await deleting;
  assert.equal(deleted.code, 0, deleted.stderr);
  // A consumer of its own: the first one lived through this second outage and may still be rejoining its group.
  const after = await RecordTail.start(t, brokers, [REGISTRY]);
  await after.waitFor('the tombstone', (r) => r.key === name && r.value === null, { timeoutMs: 30_000 });
  assert.equal((await kubectl(['get', RESOURCE, name])).code, 1, 'the object is gone');
});

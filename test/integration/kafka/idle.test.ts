// An idle connection costs nothing: after a send, a producer's broker connections arm no timer until the next
// request (kafkajs 2.2.4 re-armed a 1 ms timer per connection forever; src/kafka/request-queue.ts).
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProducerPool, type KafkaRecord } from '../../../src/kafka/index.js';
import { createTopic, kafkaEnv, saslSsl } from './helpers.js';

const env = kafkaEnv();

/** How many timers the process arms while `during` runs. */
async function timersArmed(during: () => Promise<void>): Promise<number> {
  let armed = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'Timeout') armed += 1;
    },
  }).enable();
  try {
    await during();
  } finally {
    hook.disable();
  }
  return armed;
}

test('an idle producer connection arms no timer between sends', async () => {
  const topic = await createTopic(env.brokers, 'kafka-idle');
  const pool = new ProducerPool();
  const conn = saslSsl(env, { mechanism: 'scram-sha-512', ...env.scram });
  const record: KafkaRecord = { topic, key: 'idle', value: '{}', headers: { registry_event: 'heartbeat' } };
  try {
    await pool.acquire('idle', conn).publish(record);
    // One second idle: the sleep's own timer, and at most a few of kafkajs' and the pool's; a timer per
    // millisecond per connection (the bug) is hundreds even on a loaded machine.
    const armed = await timersArmed(() => sleep(1_000));
    assert.ok(armed < 20, `${String(armed)} timers armed in a second of idleness`);
  } finally {
    await pool.closeAll();
  }
});

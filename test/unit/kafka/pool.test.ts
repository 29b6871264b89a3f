// The pool's lifecycle and deadlines against a scripted kafkajs stand-in: sharing, release, rotation, failed and
// hung connects, broken producers, shutdown. The real broker's side is in test/integration/kafka.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test, type TestContext } from 'node:test';
import kafkajs from 'kafkajs';
import {
  KafkaFailure,
  KafkaFailureReason,
  ProducerPool,
  type KafkaConnection,
  type KafkaRecord,
} from '../../../src/kafka/index.js';
import { eventually, FakeKafka, hang, heldSends } from './fake-kafka.js';

const protocol = createRequire(import.meta.url)('kafkajs/src/protocol/error') as {
  createErrorFromCode(code: number): Error;
};

const A: KafkaConnection = {
  brokers: ['a:9092'],
  sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'first-password' },
};
const B: KafkaConnection = { brokers: ['b:9092'] };
const record: KafkaRecord = {
  topic: 'cluster.registry',
  key: 'acme',
  value: '{"client_id":"acme"}',
  headers: { ce_type: 'io.kgroot.registry.register' },
};

function setup(t: TestContext, fake = new FakeKafka()): { pool: ProducerPool; fake: FakeKafka } {
  const pool = new ProducerPool({ createClient: fake.create, closeGraceMs: 50, defaultDeadlineMs: 5_000 });
  t.after(() => pool.closeAll());
  return { pool, fake };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  throw new Error('expected a rejection');
}

describe('sharing and release', () => {
  test('owners of one connection share one producer, connected once', async (t) => {
    const { pool, fake } = setup(t);
    const first = pool.acquire('obj-1', A);
    const second = pool.acquire('obj-2', structuredClone(A));
    const { id } = first;
    assert.equal(second.id, id);
    const positions = await Promise.all([
      first.publish(record),
      second.publish(record),
      first.publish(record),
    ]);
    assert.deepEqual(
      positions.map((p) => p.offset),
      ['0', '1', '2'],
    );
    assert.equal(fake.producers().length, 1);
    assert.equal(fake.producers()[0]?.connects, 1);
    assert.deepEqual(pool.connections(), [
      { id, owners: ['obj-1', 'obj-2'], connected: true, producersCreated: 1, inFlight: 0 },
    ]);
  });

  test('the producer closes when its last owner releases it', async (t) => {
    const { pool, fake } = setup(t);
    const first = pool.acquire('obj-1', A);
    const second = pool.acquire('obj-2', A);
    await first.publish(record);
    const producer = fake.producers()[0];
    assert.ok(producer !== undefined);
    await first.release();
    assert.equal(producer.disconnects, 0);
    await second.publish(record);
    await second.release();
    assert.equal(producer.disconnects, 1);
    assert.deepEqual(pool.connections(), []);
    await second.release(); // releasing twice is harmless
  });

  test('acquiring new credentials moves the owner to a new producer and closes the old one', async (t) => {
    const { pool, fake } = setup(t);
    const old = pool.acquire('obj-1', A);
    const oldId = old.id;
    await old.publish(record);
    const rotated: KafkaConnection = {
      ...A,
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'second' },
    };
    const fresh = pool.acquire('obj-1', rotated);
    const newId = fresh.id;
    assert.notEqual(newId, oldId);
    await fresh.publish(record);
    const [oldProducer, newProducer] = fake.producers();
    await eventually(() => oldProducer?.disconnects === 1);
    assert.equal(newProducer?.disconnects, 0);
    assert.deepEqual(
      pool.connections().map((c) => c.id),
      [newId],
    );
    const sasl = fake.clients.at(-1)?.config.sasl;
    assert.ok(sasl !== undefined && 'password' in sasl);
    assert.equal(sasl.password, 'second');
    // The handle the owner moved on from neither sends nor lets go of the new producer.
    assert.match((await rejection(old.publish(record))).message, /no longer holds/);
    await old.release();
    assert.deepEqual(
      pool.connections().map((c) => c.owners),
      [['obj-1']],
    );
  });

  test('publishing on a released handle is a programming error', async (t) => {
    const { pool } = setup(t);
    const handle = pool.acquire('obj-1', B);
    await handle.release();
    const error = await rejection(handle.publish(record));
    assert.equal(error instanceof KafkaFailure, false);
    assert.match(error.message, /obj-1 no longer holds/);
  });

  test('settings that cannot work are refused before any broker is asked', (t) => {
    const { pool, fake } = setup(t);
    assert.throws(
      () => pool.acquire('obj-1', { brokers: ['no-port'] }),
      (error: unknown) =>
        error instanceof KafkaFailure && error.reason === KafkaFailureReason.InvalidConfiguration,
    );
    assert.equal(fake.clients.length, 0);
  });
});

describe('what the producer is asked to do', () => {
  test('idempotent, one request in flight, bounded retries, acks from all in-sync replicas', async (t) => {
    const { pool, fake } = setup(t);
    await pool
      .acquire('obj-1', A)
      .publish({ ...record, value: null, headers: { registry_event: 'deregister' } });
    const producer = fake.producers()[0];
    assert.equal(producer?.config.idempotent, true);
    assert.equal(producer.config.maxInFlightRequests, 1);
    assert.equal(producer.config.allowAutoTopicCreation, false);
    // The Java client's murmur2 placement, so that a tombstone lands where the registration it deletes is.
    const ours = producer.config.createPartitioner?.();
    const java = kafkajs.Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: 12 }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    }));
    for (const key of ['acme', 'acme-prod-eu', 'a-much-longer-client-id-0042']) {
      const args = { topic: 'cluster.registry', partitionMetadata, message: { key, value: null } };
      assert.equal(ours?.(args), java(args), key);
    }
    assert.ok((producer.config.retry?.retries ?? Infinity) <= 10);
    assert.deepEqual(producer.sent[0]?.messages, [
      { key: 'acme', value: null, headers: { registry_event: 'deregister' } },
    ]);
    assert.equal(producer.sent[0].acks, -1);
    assert.equal(fake.clients[0]?.config.clientId, 'cluster-registry-operator');
  });
});

describe('failures and deadlines', () => {
  test('a failed connect rejects classified and leaves nothing behind: the next send connects afresh', async (t) => {
    const fake = new FakeKafka();
    let attempts = 0;
    fake.script('a:9092', {
      connect: () => {
        attempts += 1;
        return attempts === 1
          ? Promise.reject(
              new kafkajs.KafkaJSConnectionError('Connection error: connect ECONNREFUSED a:9092', {
                broker: 'a:9092',
                code: 'ECONNREFUSED',
              }),
            )
          : Promise.resolve();
      },
    });
    const { pool } = setup(t, fake);
    const a = pool.acquire('obj-1', A);
    const error = await rejection(a.publish(record));
    assert.ok(error instanceof KafkaFailure);
    assert.equal(error.reason, KafkaFailureReason.BrokerUnreachable);
    assert.equal(fake.producers()[0]?.disconnects, 1);
    await a.publish(record);
    assert.equal(fake.producers().length, 2);
  });

  test('a send that gets no answer rejects at its deadline, with the cause kafkajs logged meanwhile', async (t) => {
    const fake = new FakeKafka();
    fake.script('a:9092', {
      connect: (producer) => {
        producer.client.log(kafkajs.logLevel.ERROR, 'Connection error: connect ECONNREFUSED a:9092');
        return hang();
      },
    });
    const { pool } = setup(t, fake);
    const a = pool.acquire('obj-1', A);
    const error = await rejection(a.publish(record, { deadlineMs: 50 }));
    assert.ok(error instanceof KafkaFailure);
    assert.equal(error.reason, KafkaFailureReason.BrokerUnreachable);
    assert.match(error.message, /no acknowledgement within 50 ms/);
  });

  test('with nothing logged, a deadline is a SendTimeout', async (t) => {
    const fake = new FakeKafka();
    fake.script('a:9092', { send: () => hang() });
    const { pool } = setup(t, fake);
    const a = pool.acquire('obj-1', A);
    const error = await rejection(a.publish(record, { deadlineMs: 50 }));
    assert.ok(error instanceof KafkaFailure);
    assert.equal(error.reason, KafkaFailureReason.SendTimeout);
  });

  test('a hung connection does not hold up sends on another', async (t) => {
    const fake = new FakeKafka();
    fake.script('a:9092', { send: () => hang() });
    const { pool } = setup(t, fake);
    const a = pool.acquire('obj-a', A);
    const b = pool.acquire('obj-b', B);
    const abort = new AbortController();
    let settledA = false;
    const sendA = a.publish(record, { deadlineMs: 60_000, signal: abort.signal }).finally(() => {
      settledA = true;
    });
    const position = await b.publish(record);
    assert.equal(position.offset, '0');
    assert.equal(settledA, false);
    abort.abort(new Error('test over'));
    assert.match((await rejection(sendA)).message, /test over/);
  });

  test('an aborted signal answers at once with its reason', async (t) => {
    const fake = new FakeKafka();
    fake.script('a:9092', { send: () => hang() });
    const { pool } = setup(t, fake);
    const a = pool.acquire('obj-1', A);
    const before = new AbortController();
    before.abort(new Error('shutting down'));
    assert.match((await rejection(a.publish(record, { signal: before.signal }))).message, /shutting down/);
  });

  test('a producer the broker no longer accepts is replaced behind the caller', async (t) => {
    const fake = new FakeKafka();
    let sends = 0;
    fake.script('a:9092', {
      send: (r) => {
        sends += 1;
        if (sends === 1) return Promise.reject(protocol.createErrorFromCode(45)); // OUT_OF_ORDER_SEQUENCE_NUMBER
        return Promise.resolve([{ topicName: r.topic, partition: 0, errorCode: 0, baseOffset: '7' }]);
      },
    });
    const { pool } = setup(t, fake);
    const a = pool.acquire('obj-1', A);
    const error = await rejection(a.publish(record));
    assert.ok(error instanceof KafkaFailure);
    const position = await a.publish(record);
    assert.deepEqual(position, { topic: 'cluster.registry', partition: 0, offset: '7' });
    const [broken, fresh] = fake.producers();
    await eventually(() => broken?.disconnects === 1);
    assert.equal(fresh?.disconnects, 0);
    assert.equal(pool.connections()[0]?.producersCreated, 2);
  });

  test('a record whose caller gave up while it waited behind a request in flight is never sent', async (t) => {
    const fake = new FakeKafka();
    const broker = heldSends();
    fake.script('a:9092', { send: broker.send });
    const { pool } = setup(t, fake);
    const a = pool.acquire('obj-1', A);
    const first = a.publish(record);
    await eventually(() => fake.producers()[0]?.sent.length === 1);
    const lostLeadership = new AbortController();
    const waiting = a.publish({ ...record, key: 'other' }, { signal: lostLeadership.signal });
    lostLeadership.abort(new Error('lost the lease'));
    assert.match((await rejection(waiting)).message, /lost the lease/);
    broker.release();
    await first;
    await pool.closeAll();
    assert.deepEqual(
      fake.producers().flatMap((p) => p.sent.flatMap((r) => r.messages.map((m) => m.key))),
      ['acme'],
    );
  });
});

describe('shutdown', () => {
  test('closeAll lets a send in flight finish, then disconnects; nothing can be acquired after', async () => {
    const fake = new FakeKafka();
    const broker = heldSends();
    fake.script('a:9092', { send: broker.send });
    const pool = new ProducerPool({ createClient: fake.create, closeGraceMs: 60_000 });
    const a = pool.acquire('obj-1', A);
    const send = a.publish(record);
    await eventually(() => fake.producers()[0]?.sent.length === 1);
    const closing = pool.closeAll();
    assert.equal(fake.producers()[0]?.disconnects, 0);
    broker.release();
    assert.equal((await send).offset, '0');
    await closing;
    assert.equal(fake.producers()[0]?.disconnects, 1);
    assert.throws(() => pool.acquire('obj-2', A), /closed/);
  });

  test('closeAll does not wait for a connect that never ends', async () => {
    const fake = new FakeKafka();
    fake.script('a:9092', { connect: () => hang() });
    const pool = new ProducerPool({ createClient: fake.create, closeGraceMs: 10 });
    const a = pool.acquire('obj-1', A);
    await rejection(a.publish(record, { deadlineMs: 20 }));
    await pool.closeAll();
    assert.deepEqual(pool.connections(), []);
  });
});

describe('topics', () => {
  test('describeTopic reports the cleanup policy and always closes its admin client', async (t) => {
    const { pool, fake } = setup(t);
    assert.deepEqual(await pool.describeTopic(B, 'cluster.registry'), {
      exists: true,
      cleanupPolicy: 'compact',
    });
    assert.equal(fake.admins()[0]?.disconnects, 1);
  });

  test('describeTopic reports a missing topic as not existing', async (t) => {
    const fake = new FakeKafka();
    fake.script('b:9092', { describeConfigs: () => Promise.reject(protocol.createErrorFromCode(3)) });
    const { pool } = setup(t, fake);
    assert.deepEqual(await pool.describeTopic(B, 'nope'), { exists: false });
  });

  test('describeTopic classifies other failures', async (t) => {
    const fake = new FakeKafka();
    fake.script('b:9092', { describeConfigs: () => Promise.reject(protocol.createErrorFromCode(29)) });
    const { pool } = setup(t, fake);
    const error = await rejection(pool.describeTopic(B, 'secret-topic'));
    assert.ok(error instanceof KafkaFailure);
    assert.equal(error.reason, KafkaFailureReason.NotAuthorized);
    assert.equal(fake.admins()[0]?.disconnects, 1);
  });

  test('createTopics sets the cleanup policy and says which topics were new', async (t) => {
    const fake = new FakeKafka();
    fake.script('b:9092', { createTopic: (topic) => Promise.resolve(topic.topic !== 'cluster.heartbeat') });
    const { pool } = setup(t, fake);
    const results = await pool.createTopics(B, [
      { topic: 'cluster.registry', compact: true },
      { topic: 'cluster.heartbeat', compact: false },
    ]);
    assert.deepEqual(results, [
      { topic: 'cluster.registry', created: true },
      { topic: 'cluster.heartbeat', created: false },
    ]);
    assert.deepEqual(
      fake.admins()[0]?.created.map((topic) => topic.configEntries),
      [[{ name: 'cleanup.policy', value: 'compact' }], [{ name: 'cleanup.policy', value: 'delete' }]],
    );
  });
});

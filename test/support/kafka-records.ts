// Records as an independent consumer reads them back (the control plane's view), for any test that checks what
// reached a topic.
import type { TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { uniqueName } from './testenv.js';
import { onCleanup } from './cleanup.js';

export interface ReadRecord {
  topic: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  partition: number;
  offset: string;
  /** The record's timestamp (the producer's create time), in ms since the epoch. */
  timestamp: number;
}

export function plainKafka(brokers: string): Kafka {
  return new Kafka({
    clientId: uniqueName('test-reader'),
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5_000,
  });
}

export function toReadRecord(topic: string, partition: number, message: KafkaMessage): ReadRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    headers[name] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
  return {
    topic,
    key: message.key?.toString('utf8') ?? null,
    value: message.value === null ? null : message.value.toString('utf8'),
    headers,
    partition,
    offset: message.offset,
    timestamp: Number(message.timestamp),
  };
}

/**
 * Every record of some topics, from their beginning, kept as they arrive until the test ends. A tail does not
 * outlive its broker: kafkajs restarts a crashed consumer on a timer, and a crash still being handled when the tail
 * is closed arms that timer after the close, so the consumer retried a stopped broker forever and kept the test
 * file alive. Its consumer therefore never restarts; after a broker restart, start a new tail.
 */
export class RecordTail {
  readonly records: ReadRecord[] = [];

  private constructor() {}

  static async start(t: TestContext, brokers: string, topics: string[]): Promise<RecordTail> {
    const tail = new RecordTail();
    const consumer = plainKafka(brokers).consumer({
      groupId: uniqueName('test-tail'),
      maxWaitTimeInMs: 50,
      retry: { restartOnFailure: () => Promise.resolve(false) },
    });
    await consumer.connect();
    onCleanup(t, async () => {
      await consumer.disconnect();
    });
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ topic, partition, message }) => {
        tail.records.push(toReadRecord(topic, partition, message));
        return Promise.resolve();
      },
    });
    return tail;
  }

  /** Records of one key on one topic, oldest first. */
  of(topic: string, key: string): ReadRecord[] {
    return this.records.filter((record) => record.topic === topic && record.key === key);
  }

  /** The first record (from `after` on) that satisfies `match`; fails after `timeoutMs`. */
  async waitFor(
    what: string,
    match: (record: ReadRecord) => boolean,
    options: { timeoutMs?: number; after?: number } = {},
  ): Promise<ReadRecord> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
      const found = this.records.slice(options.after ?? 0).find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await delay(50);
    }
  }
}

// Records as an independent consumer reads them back (the control plane's view), for any test that checks what
// reached a topic.
import type { TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import kafkajs, { type Consumer, type Kafka, type KafkaMessage } from 'kafkajs';
// The readers' idle connections must not spin either: they share the two cores with what they measure.
import '../../src/kafka/request-queue.js';
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
  return new kafkajs.Kafka({
    clientId: uniqueName('test-reader'),
    brokers: [brokers],
    logLevel: kafkajs.logLevel.NOTHING,
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

/** As kafkajs judges a crash: retriable when the client ran out of retries or the first cause says so. */
function isRetriable(error: unknown): boolean {
  if (error instanceof kafkajs.KafkaJSNumberOfRetriesExceeded) return true;
  let cause = error;
  while (cause instanceof kafkajs.KafkaJSError && cause.cause !== undefined) cause = cause.cause;
  return cause instanceof kafkajs.KafkaJSError && cause.retriable;
}

/** How often a reader may fail to join before its test fails, and the pause between tries. */
const JOIN_ATTEMPTS = 20;
const RETRY_MS = 250;

/**
 * Every record of some topics, from their beginning, kept as they arrive until the test ends, each once. `start`
 * returns once the reader has joined its group. A consumer that crashes on a retriable error (a 4.x group
 * coordinator still loading its offsets answers COORDINATOR_LOAD_IN_PROGRESS, which kafkajs does not retry; a
 * broker restarting) is replaced by a new one, which reads from the beginning again; records already read are
 * dropped by their offset. kafkajs's own restart is off: a crash still being handled when the tail
 * was closed armed its timer after the close, and the consumer retried a stopped broker for ever, keeping the test
 * file alive. Here a closed tail starts nothing.
 */
export class RecordTail {
  readonly records: ReadRecord[] = [];
  private readonly seen = new Set<string>();
  private consumer: Consumer | undefined;
  private running: Promise<void> = Promise.resolve();
  private closed = false;
  private failure: unknown;

  private constructor(
    private readonly kafka: Kafka,
    private readonly topics: string[],
  ) {}

  static async start(t: TestContext, brokers: string, topics: string[]): Promise<RecordTail> {
    const tail = new RecordTail(plainKafka(brokers), topics);
    onCleanup(t, () => tail.close());
    tail.running = tail.consume();
    await tail.running;
    return tail;
  }

  /** New consumers until one has joined, the tail is closed, or an error that no retry cures. */
  private async consume(): Promise<void> {
    for (let attempt = 1; !this.closed; attempt += 1) {
      try {
        await this.join();
        return;
      } catch (error) {
        if (!isRetriable(error) || attempt >= JOIN_ATTEMPTS) throw error;
        await delay(RETRY_MS);
      }
    }
  }

  /** One consumer, resolved once it joined its group; a retriable crash after that starts the next one. */
  private async join(): Promise<void> {
    const consumer = this.kafka.consumer({
      // A group of its own each time: a group whose member crashed would first wait for that member's session to end.
      groupId: uniqueName('test-tail'),
      maxWaitTimeInMs: 50,
      retry: { restartOnFailure: () => Promise.resolve(false) },
    });
    this.consumer = consumer;
    let joined = false;
    const outcome = new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.GROUP_JOIN, () => {
        joined = true;
        resolve();
      });
      // Closed while joining: nothing else would settle this.
      consumer.on(consumer.events.DISCONNECT, () => {
        if (!joined && this.closed) reject(new Error('the reader was closed'));
      });
      consumer.on(consumer.events.CRASH, ({ payload: { error } }) => {
        if (!joined) {
          reject(error);
        } else if (!this.closed && isRetriable(error)) {
          this.running = delay(RETRY_MS)
            .then(() => this.consume())
            .catch((failure: unknown) => {
              this.failure = failure;
            });
        } else if (!this.closed) {
          this.failure = error;
        }
      });
    });
    outcome.catch(() => undefined); // also when connecting fails first, and nobody waits for it
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: this.topics, fromBeginning: true });
      await consumer.run({
        eachMessage: ({ topic, partition, message }) => {
          const id = `${topic}/${String(partition)}/${message.offset}`;
          if (!this.seen.has(id)) {
            this.seen.add(id);
            this.records.push(toReadRecord(topic, partition, message));
          }
          return Promise.resolve();
        },
      });
      await outcome;
    } catch (error) {
      await consumer.disconnect();
      throw error;
    }
  }

  private async close(): Promise<void> {
    this.closed = true;
    // The current consumer first, which ends a join in progress; then any that was started meanwhile.
    await this.consumer?.disconnect();
    await this.running.catch(() => undefined);
    await this.consumer?.disconnect();
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
      if (this.failure !== undefined)
        throw new Error(`the reader stopped waiting for ${what}`, { cause: this.failure });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await delay(50);
    }
  }
}

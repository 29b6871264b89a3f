// The consumer side of every timing: a kafkajs consumer with a short fetch wait notes when each record arrives, on
// the bench's own clock, so "in the topic" means what a reader of the topic sees.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
// The readers' idle connections must not spin either: they share the two cores with what they measure.
import '../../src/kafka/request-queue.js';
import './snappy.js';

export type RecordKind = 'register' | 'tombstone' | 'heartbeat' | 'other';

export interface Arrival {
  key: string;
  kind: RecordKind;
  topic: string;
  /** performance.now() when the consumer handed the record over. */
  at: number;
}

interface Waiter {
  key: string;
  kind: RecordKind;
  after: number;
  resolve: (at: number) => void;
}

export const REGISTRY_TOPIC = 'cluster.registry';
export const HEARTBEAT_TOPIC = 'cluster.heartbeat';

export class RecordWatch {
  private readonly arrivals = new Map<string, Arrival[]>();
  private readonly counts = new Map<RecordKind, number>();
  private waiters: Waiter[] = [];
  private readonly consumer: Consumer;
  private readonly producer: Producer;

  constructor(brokers: string) {
    const kafka = new Kafka({ clientId: 'bench-watch', brokers: [brokers], logLevel: logLevel.NOTHING });
    // A 10 ms fetch wait: the broker answers a fetch as soon as one byte is there, and an empty fetch costs at
    // most 10 ms, so arrival time is within a few ms of the broker's append.
    this.consumer = kafka.consumer({
      groupId: `bench-${randomUUID()}`,
      maxWaitTimeInMs: 10,
      minBytes: 1,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
    });
    this.producer = kafka.producer();
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.producer.connect();
    await this.consumer.subscribe({ topics: [REGISTRY_TOPIC, HEARTBEAT_TOPIC], fromBeginning: false });
    await this.consumer.run({
      eachMessage: ({ topic, message }) => {
        const at = performance.now();
        const key = message.key?.toString('utf8') ?? '';
        const event = message.headers?.registry_event?.toString();
        const kind: RecordKind =
          topic === HEARTBEAT_TOPIC
            ? 'heartbeat'
            : message.value === null
              ? 'tombstone'
              : event === undefined || event === 'register'
                ? 'register'
                : 'other';
        this.note({ key, kind, topic, at });
        return Promise.resolve();
      },
    });
    // The consumer is live once a record sent now comes back; the first ones may be sent before it has joined
    // the group and resolved "latest", so one is sent every second until one arrives (bounded).
    for (const topic of [REGISTRY_TOPIC, HEARTBEAT_TOPIC]) {
      const kind: RecordKind = topic === HEARTBEAT_TOPIC ? 'heartbeat' : 'tombstone';
      const since = performance.now();
      let live = false;
      for (let attempt = 0; attempt < 60 && !live; attempt++) {
        const key = `bench-sentinel-${randomUUID()}`;
        await this.producer.send({ topic, messages: [{ key, value: null }] });
        live = await this.waitFor(key, kind, since, 1000).then(
          () => true,
          () => false,
        );
      }
      if (!live) throw new Error(`the bench's consumer did not receive from ${topic} within 60 s`);
    }
  }

  private note(arrival: Arrival): void {
    const list = this.arrivals.get(arrival.key) ?? [];
    list.push(arrival);
    this.arrivals.set(arrival.key, list);
    this.counts.set(arrival.kind, (this.counts.get(arrival.kind) ?? 0) + 1);
    const remaining: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.key === arrival.key && w.kind === arrival.kind && arrival.at >= w.after) w.resolve(arrival.at);
      else remaining.push(w);
    }
    this.waiters = remaining;
  }

  /** The first arrival of a record of this kind for this key at or after `after` (ms, bench clock). */
  first(key: string, kind: RecordKind, after: number): number | undefined {
    return this.arrivals.get(key)?.find((a) => a.kind === kind && a.at >= after)?.at;
  }

  waitFor(key: string, kind: RecordKind, after: number, timeoutMs: number): Promise<number> {
    const seen = this.first(key, kind, after);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no ${kind} record for ${key} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        key,
        kind,
        after,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /**
   * Waits until every key has a record of this kind at or after `after`, polling the arrivals (bounded by the
   * timeout); returns the arrival time of each key found.
   */
  async waitAll(
    keys: readonly string[],
    kind: RecordKind,
    after: number,
    timeoutMs: number,
  ): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    const deadline = performance.now() + timeoutMs;
    let pending = [...keys];
    while (pending.length > 0 && performance.now() < deadline) {
      pending = pending.filter((key) => {
        const at = this.first(key, kind, after);
        if (at !== undefined) found.set(key, at);
        return at === undefined;
      });
      if (pending.length > 0) await new Promise((r) => setTimeout(r, 20));
    }
    return found;
  }

  count(kind: RecordKind): number {
    return this.counts.get(kind) ?? 0;
  }

  /** Arrivals of a kind within [from, to]. */
  arrivalsBetween(kind: RecordKind, from: number, to: number): Arrival[] {
    const out: Arrival[] = [];
    for (const list of this.arrivals.values()) {
      for (const a of list) if (a.kind === kind && a.at >= from && a.at <= to) out.push(a);
    }
    return out;
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
  }
}

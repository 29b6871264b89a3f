// One connection's idempotent producer: connected lazily and once, every send bounded by a deadline, replaced when
// kafkajs leaves it unusable, closed only after the sends in flight have settled.
import kafkajs, { type ICustomPartitioner, type Message } from 'kafkajs';
import { withDeadline } from '../runtime/deadline.js';
import { Batcher } from './batcher.js';
import type { ClientTuning } from './client-config.js';
import type { KafkaClient, ProducerLike } from './client.js';
import type { KafkaConnection } from './connection.js';
import { classifyKafkaError, deadlineFailure, protocolErrorTypes } from './errors.js';
import type { ErrorTrail, KafkaLogger } from './log.js';
import { positionsOf, toMessage, type KafkaRecord, type RecordPosition } from './record.js';

export interface SendOptions {
  /** The caller is answered by then at the latest. */
  deadlineMs: number;
  /** Aborting it answers at once (shutdown, lost leadership); the send itself may still complete. */
  signal?: AbortSignal | undefined;
}

export interface ProducerState {
  /** A kafkajs producer is connected (or connecting) right now. */
  connected: boolean;
  /** How many kafkajs producers this connection has created: 1 unless one had to be replaced. */
  producersCreated: number;
  /** Sends not settled yet, including ones whose caller was already answered at the deadline. */
  inFlight: number;
}

// kafkajs does not recover an idempotent producer whose sequence numbers or producer id the broker no longer
// accepts (it keeps resending with the same state); only a new producer, with a new producer id, gets through.
// Every record the operator sends is a whole state that may be sent again, so starting over loses nothing.
const FATAL_FOR_PRODUCER = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_PRODUCER_ID_MAPPING',
]);

/** Registration records are about a kilobyte: a batch stays far below the broker's 1 MB request limit. */
const MAX_BATCH_RECORDS = 256;

export interface ConnectionProducerOptions {
  conn: KafkaConnection;
  client: KafkaClient;
  tuning: ClientTuning;
  trail: ErrorTrail;
  logger: KafkaLogger;
  /** Named on the log lines of this connection. */
  connectionId: string;
  /** How long close() waits for sends in flight before it disconnects anyway. */
  closeGraceMs: number;
}

export class ConnectionProducer {
  private ready: Promise<ProducerLike> | undefined;
  private current: ProducerLike | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;
  private created = 0;
  private readonly batcher = new Batcher<KafkaRecord, RecordPosition>(
    (records) => this.sendBatch(records),
    MAX_BATCH_RECORDS,
  );
  /** Where the partitioner put each message, which the broker's answer (an offset per partition) does not say. */
  private readonly partitionOf = new WeakMap<Message, number>();

  constructor(private readonly options: ConnectionProducerOptions) {}

  send(record: KafkaRecord, { deadlineMs, signal }: SendOptions): Promise<RecordPosition> {
    if (this.closing !== undefined) {
      return Promise.reject(new Error(`the producer for ${this.options.connectionId} is closed`));
    }
    const started = Date.now();
    const ctx = { conn: this.options.conn, topic: record.topic };
    // A record whose caller was answered before its turn came is not sent: after a deadline the caller retries
    // anyway, and after an abort (shutdown, lost leadership) nothing may be sent for it.
    const wanted = () => signal?.aborted !== true && Date.now() - started < deadlineMs;
    const attempt = this.batcher.add(record, wanted).catch((error: unknown) => {
      throw classifyKafkaError(error, ctx);
    });
    this.inFlight.add(attempt);
    const settled = () => this.inFlight.delete(attempt);
    void attempt.then(settled, settled);
    return withDeadline(() => attempt, {
      timeoutMs: deadlineMs,
      parent: signal,
      onTimeout: () => deadlineFailure(deadlineMs, ctx, this.options.trail.since(started)),
    });
  }

  state(): ProducerState {
    return {
      connected: this.ready !== undefined,
      producersCreated: this.created,
      inFlight: this.inFlight.size,
    };
  }

  /** Waits (up to the grace period) for sends in flight, then disconnects. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.drainAndDisconnect();
    return this.closing;
  }

  /** One request for every record; errors are classified per record by the caller. */
  private async sendBatch(records: readonly KafkaRecord[]): Promise<RecordPosition[]> {
    const producer = await this.connected();
    const messages = records.map(toMessage);
    const topics = [...new Set(records.map((record) => record.topic))];
    try {
      const metadata = await producer.sendBatch({
        // All in-sync replicas: what the idempotent producer requires, and what "acknowledged" should mean.
        acks: -1,
        timeout: this.options.tuning.ackTimeoutMs,
        topicMessages: topics.map((topic) => ({
          topic,
          messages: messages.filter((_, i) => records[i]?.topic === topic),
        })),
      });
      return positionsOf(
        records,
        messages.map((message) => this.partitionOf.get(message)),
        metadata,
      );
    } catch (error) {
      const fatal = protocolErrorTypes(error).find((type) => FATAL_FOR_PRODUCER.has(type));
      if (fatal !== undefined) this.replace(producer, fatal);
      throw error;
    }
  }

  /** The connected producer, connecting one first if there is none; concurrent callers share one connect. */
  private connected(): Promise<ProducerLike> {
    this.ready ??= this.connectNew().then(
      (producer) => {
        this.current = producer;
        return producer;
      },
      (error: unknown) => {
        // Nothing is kept of a failed connect: the next send starts afresh (a fixed Secret, a broker back up).
        this.ready = undefined;
        throw error;
      },
    );
    return this.ready;
  }

  private async connectNew(): Promise<ProducerLike> {
    const { retry } = this.options.tuning;
    const producer = this.options.client.producer({
      idempotent: true,
      // kafkajs's idempotence is only sound with one request in flight per broker (see kafkajs#598).
      maxInFlightRequests: 1,
      // Bounded on purpose: kafkajs's default for an idempotent producer is to retry for ever.
      retry: { ...retry },
      // The Java client's murmur2 partitioning, stated rather than defaulted: a key must always map to the same
      // partition, or a tombstone would not replace the registration it deletes in the compacted topic.
      createPartitioner: this.recordingPartitioner,
      allowAutoTopicCreation: false,
    });
    this.created += 1;
    try {
      await producer.connect();
    } catch (error) {
      await this.disconnect(producer);
      throw error;
    }
    this.options.logger.debug('Kafka producer connected', { connection: this.options.connectionId });
    return producer;
  }

  private readonly recordingPartitioner: ICustomPartitioner = () => {
    const choose = kafkajs.Partitioners.DefaultPartitioner();
    return (args) => {
      const partition = choose(args);
      this.partitionOf.set(args.message, partition);
      return partition;
    };
  };

  private replace(producer: ProducerLike, cause: string): void {
    if (this.current !== producer) return;
    this.current = undefined;
    this.ready = undefined;
    this.options.logger.info(
      'replacing the Kafka producer: the broker no longer accepts its producer state',
      {
        connection: this.options.connectionId,
        cause,
      },
    );
    void this.disconnect(producer);
  }

  private async drainAndDisconnect(): Promise<void> {
    if (this.inFlight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.options.closeGraceMs);
      });
      await Promise.race([Promise.allSettled([...this.inFlight]), grace]);
      clearTimeout(timer);
    }
    const { ready, current } = this;
    this.ready = undefined;
    this.current = undefined;
    if (current !== undefined) {
      await this.disconnect(current);
    } else if (ready !== undefined) {
      // Still connecting: disconnect whenever that ends, without holding up the close (kafkajs bounds it anyway).
      void ready.then(
        (producer) => this.disconnect(producer),
        () => undefined,
      );
    }
  }

  private async disconnect(producer: ProducerLike): Promise<void> {
    try {
      await producer.disconnect();
    } catch (error) {
      this.options.logger.debug('Kafka producer disconnect failed', {
        connection: this.options.connectionId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

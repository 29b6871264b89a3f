// One long-lived idempotent producer per distinct connection, shared by every owner (ClusterRegistration) that
// uses it. An owner that acquires different settings (a rotated password) moves to another producer, and a
// producer no owner uses any more is closed: that is how new credentials take effect without a restart. acquire()
// gives the owner a handle that publishes and releases, so that a send does not name the connection (an HMAC) again.
import kafkajs, { type logLevel } from 'kafkajs';
import { kafkaClientConfig, defaultTuning, type ClientTuning } from './client-config.js';
import { createKafkajsClient, type CreateKafkaClient, type KafkaClient } from './client.js';
import { connectionId, connectionProblems, type KafkaConnection } from './connection.js';
import { KafkaFailure, KafkaFailureReason } from './failure.js';
import { ErrorTrail, kafkaLogCreator, silentLogger, type KafkaLogger } from './log.js';
import { ConnectionProducer, type ProducerState } from './producer.js';
import type { KafkaRecord, RecordPosition } from './record.js';
import * as topicAdmin from './topics.js';
import type { TopicCreation, TopicDescription, TopicRequest } from './topics.js';

export interface CallOptions {
  /** Answer by then at the latest; defaults to the pool's `defaultDeadlineMs`. */
  deadlineMs?: number;
  /** Aborting it answers at once with its reason (the reconcile's deadline, shutdown). */
  signal?: AbortSignal;
}

/** An owner's hold on the shared producer of one connection, with that connection's topic administration. */
export interface ProducerHandle {
  /** The connection's id: equal for equal settings, computed once when acquired. */
  readonly id: string;
  /** Sends one record on the connection's producer; rejects with a KafkaFailure. */
  publish(record: KafkaRecord, options?: CallOptions): Promise<RecordPosition>;
  describeTopic(topic: string, options?: CallOptions): Promise<TopicDescription>;
  createTopics(topics: readonly TopicRequest[], options?: CallOptions): Promise<TopicCreation[]>;
  /**
   * Lets go of the producer; resolves once a producer nobody uses any more is closed. Harmless twice, and on a
   * handle its owner has moved on from (acquired again with other settings).
   */
  release(): Promise<void>;
}

/** What the reconciler needs of Kafka; ProducerPool is the real one, tests may fake it. */
export interface KafkaTransport {
  /**
   * Binds `owner` to `conn`'s shared producer, and lets go of what it held before when the settings differ (a
   * rotated Secret): the handle to publish with. Connects lazily.
   */
  acquire(owner: string, conn: KafkaConnection): ProducerHandle;
  closeAll(): Promise<void>;
}

export interface ProducerPoolOptions {
  logger?: KafkaLogger;
  /** Used when a call gives none: 15 s, longer than kafkajs's bounded retries take to report a real cause. */
  defaultDeadlineMs?: number;
  /** How long closing a producer waits for its sends in flight; 10 s. */
  closeGraceMs?: number;
  tuning?: Partial<ClientTuning>;
  /** kafkajs's log level for its own lines; WARN. */
  kafkaLogLevel?: logLevel;
  /** The seam for unit tests; kafkajs by default. */
  createClient?: CreateKafkaClient;
}

export interface PooledConnection extends ProducerState {
  id: string;
  owners: string[];
}

interface Entry {
  producer: ConnectionProducer;
  owners: Set<string>;
}

export class ProducerPool implements KafkaTransport {
  private readonly entries = new Map<string, Entry>();
  private readonly ownerOf = new Map<string, string>();
  private readonly closing = new Set<Promise<void>>();
  private readonly logger: KafkaLogger;
  private readonly tuning: ClientTuning;
  private readonly defaultDeadlineMs: number;
  private readonly closeGraceMs: number;
  private readonly kafkaLogLevel: logLevel;
  private readonly createClient: CreateKafkaClient;
  private closed = false;

  constructor(options: ProducerPoolOptions = {}) {
    this.logger = options.logger ?? silentLogger;
    this.tuning = { ...defaultTuning, ...options.tuning };
    this.defaultDeadlineMs = options.defaultDeadlineMs ?? 15_000;
    this.closeGraceMs = options.closeGraceMs ?? 10_000;
    this.kafkaLogLevel = options.kafkaLogLevel ?? kafkajs.logLevel.WARN;
    this.createClient = options.createClient ?? createKafkajsClient;
  }

  acquire(owner: string, conn: KafkaConnection): ProducerHandle {
    if (this.closed) throw new Error('the producer pool is closed');
    const id = checkedId(conn);
    const previous = this.ownerOf.get(owner);
    if (previous !== id) {
      let entry = this.entries.get(id);
      if (entry === undefined) {
        entry = { producer: this.newProducer(id, conn), owners: new Set() };
        this.entries.set(id, entry);
      }
      entry.owners.add(owner);
      this.ownerOf.set(owner, id);
      // The old producer closes in the background; closeAll() still waits for it.
      if (previous !== undefined) void this.detach(owner, previous);
    }
    const held = () => this.ownerOf.get(owner) === id;
    return {
      id,
      publish: (record, options = {}) => {
        const entry = held() ? this.entries.get(id) : undefined;
        if (entry === undefined)
          return Promise.reject(new Error(`publish on a producer ${owner} no longer holds: ${id}`));
        return entry.producer.send(record, {
          deadlineMs: options.deadlineMs ?? this.defaultDeadlineMs,
          signal: options.signal,
        });
      },
      describeTopic: (topic, options = {}) =>
        topicAdmin.describeTopic(this.adminContext(conn, id), topic, this.adminOptions(options)),
      createTopics: (topics, options = {}) =>
        topicAdmin.createTopics(this.adminContext(conn, id), topics, this.adminOptions(options)),
      release: () => {
        if (!held()) return Promise.resolve();
        this.ownerOf.delete(owner);
        return this.detach(owner, id);
      },
    };
  }

  async describeTopic(
    conn: KafkaConnection,
    topic: string,
    options: CallOptions = {},
  ): Promise<TopicDescription> {
    return topicAdmin.describeTopic(
      this.adminContext(conn, checkedId(conn)),
      topic,
      this.adminOptions(options),
    );
  }

  async createTopics(
    conn: KafkaConnection,
    topics: readonly TopicRequest[],
    options: CallOptions = {},
  ): Promise<TopicCreation[]> {
    return topicAdmin.createTopics(
      this.adminContext(conn, checkedId(conn)),
      topics,
      this.adminOptions(options),
    );
  }

  /** What is open now, for logs, metrics and tests. */
  connections(): PooledConnection[] {
    return [...this.entries].map(([id, entry]) => ({
      id,
      owners: [...entry.owners].sort(),
      ...entry.producer.state(),
    }));
  }

  /** Closes every producer (after its sends in flight, up to the grace period); acquire() fails afterwards. */
  async closeAll(): Promise<void> {
    this.closed = true;
    const entries = [...this.entries.values()];
    this.entries.clear();
    this.ownerOf.clear();
    for (const entry of entries) void this.track(entry.producer.close());
    while (this.closing.size > 0) await Promise.all([...this.closing]);
  }

  private detach(owner: string, id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (entry === undefined) return Promise.resolve();
    entry.owners.delete(owner);
    if (entry.owners.size > 0) return Promise.resolve();
    this.entries.delete(id);
    this.logger.debug('closing an unused Kafka producer', { connection: id });
    return this.track(entry.producer.close());
  }

  private track(closing: Promise<void>): Promise<void> {
    this.closing.add(closing);
    const settled = () => this.closing.delete(closing);
    void closing.then(settled, settled);
    return closing;
  }

  private newProducer(id: string, conn: KafkaConnection): ConnectionProducer {
    const trail = new ErrorTrail();
    return new ConnectionProducer({
      conn,
      client: this.newClient(conn, id, trail),
      tuning: this.tuning,
      trail,
      logger: this.logger,
      connectionId: id,
      closeGraceMs: this.closeGraceMs,
    });
  }

  private newClient(conn: KafkaConnection, id: string, trail: ErrorTrail): KafkaClient {
    const logCreator = kafkaLogCreator(this.logger, { connection: id }, trail);
    return this.createClient(kafkaClientConfig(conn, this.tuning, logCreator, this.kafkaLogLevel));
  }

  private adminContext(conn: KafkaConnection, id: string) {
    const trail = new ErrorTrail();
    return { client: this.newClient(conn, id, trail), conn, trail };
  }

  private adminOptions(options: CallOptions) {
    return { deadlineMs: options.deadlineMs ?? this.defaultDeadlineMs, signal: options.signal };
  }
}

/** The connection's id once its settings are checked: invalid settings are a classified failure, not a client. */
function checkedId(conn: KafkaConnection): string {
  const problems = connectionProblems(conn);
  if (problems.length > 0)
    throw new KafkaFailure(KafkaFailureReason.InvalidConfiguration, problems.join('; '));
  return connectionId(conn);
}

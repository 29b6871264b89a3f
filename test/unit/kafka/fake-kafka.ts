// A scriptable stand-in for kafkajs behind the transport's client seam: each producer's connect and send (once per
// topic of a batch) do what the test says (succeed, fail with a real kafkajs error, hang), and every call is recorded.
import kafkajs, {
  type DescribeConfigResponse,
  type ITopicConfig,
  type KafkaConfig,
  type ProducerBatch,
  type logLevel,
  type ProducerConfig,
  type ProducerRecord,
  type RecordMetadata,
} from 'kafkajs';
import type { AdminLike, KafkaClient, ProducerLike } from '../../../src/kafka/client.js';

export interface Script {
  connect?: (producer: FakeProducer) => Promise<void>;
  send?: (record: ProducerRecord, producer: FakeProducer) => Promise<RecordMetadata[]>;
  describeConfigs?: (topic: string) => Promise<DescribeConfigResponse>;
  createTopic?: (topic: ITopicConfig) => Promise<boolean>;
}

export class FakeProducer implements ProducerLike {
  connects = 0;
  disconnects = 0;
  readonly sent: ProducerRecord[] = [];
  private offset = 0;

  constructor(
    readonly config: ProducerConfig,
    readonly client: FakeClient,
  ) {}

  connect = async (): Promise<void> => {
    this.connects += 1;
    await (this.client.script.connect?.(this) ?? Promise.resolve());
  };

  disconnect = (): Promise<void> => {
    this.disconnects += 1;
    return Promise.resolve();
  };

  /** Like kafkajs: one request for every topic, each message placed by the configured partitioner. */
  sendBatch = async (batch: ProducerBatch): Promise<RecordMetadata[]> => {
    const partitioner = this.config.createPartitioner?.();
    const answers = (batch.topicMessages ?? []).map(async ({ topic, messages }) => {
      const record: ProducerRecord = { topic, messages, acks: batch.acks, timeout: batch.timeout };
      this.sent.push(record);
      for (const message of messages) {
        partitioner?.({
          topic,
          message,
          partitionMetadata: [{ partitionId: 0, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }],
        });
      }
      if (this.client.script.send !== undefined) return this.client.script.send(record, this);
      this.offset += messages.length;
      return [
        {
          topicName: topic,
          partition: 0,
          errorCode: 0,
          baseOffset: String(this.offset - messages.length),
        },
      ];
    });
    return (await Promise.all(answers)).flat();
  };
}

export class FakeAdmin implements AdminLike {
  connects = 0;
  disconnects = 0;
  readonly created: ITopicConfig[] = [];

  constructor(readonly client: FakeClient) {}

  connect = (): Promise<void> => {
    this.connects += 1;
    return Promise.resolve();
  };

  disconnect = (): Promise<void> => {
    this.disconnects += 1;
    return Promise.resolve();
  };

  describeConfigs: AdminLike['describeConfigs'] = async ({ resources }) => {
    const topic = resources[0]?.name ?? '';
    if (this.client.script.describeConfigs !== undefined) return this.client.script.describeConfigs(topic);
    return {
      throttleTime: 0,
      resources: [
        {
          errorCode: 0,
          errorMessage: '',
          resourceName: topic,
          resourceType: kafkajs.ConfigResourceTypes.TOPIC,
          configEntries: [
            {
              configName: 'cleanup.policy',
              configValue: 'compact',
              isDefault: false,
              configSource: kafkajs.ConfigSource.TOPIC_CONFIG,
              isSensitive: false,
              readOnly: false,
              configSynonyms: [],
            },
          ],
        },
      ],
    };
  };

  createTopics: AdminLike['createTopics'] = async ({ topics }) => {
    let created = true;
    for (const topic of topics) {
      this.created.push(topic);
      created = (await this.client.script.createTopic?.(topic)) ?? true;
    }
    return created;
  };
}

export class FakeClient implements KafkaClient {
  readonly producers: FakeProducer[] = [];
  readonly admins: FakeAdmin[] = [];

  constructor(
    readonly config: KafkaConfig,
    readonly script: Script,
  ) {}

  producer(config: ProducerConfig): FakeProducer {
    const producer = new FakeProducer(config, this);
    this.producers.push(producer);
    return producer;
  }

  admin(): FakeAdmin {
    const admin = new FakeAdmin(this);
    this.admins.push(admin);
    return admin;
  }

  /** Writes a line through the logCreator the transport gave kafkajs, as kafkajs itself would. */
  log(level: logLevel, message: string): void {
    const create = this.config.logCreator;
    if (create === undefined) throw new Error('no logCreator configured');
    create(level)({
      namespace: 'Connection',
      level,
      label: 'ERROR',
      log: { timestamp: new Date().toISOString(), message },
    });
  }
}

/** A client factory whose clients follow the script chosen by broker list. */
export class FakeKafka {
  readonly clients: FakeClient[] = [];
  private readonly scripts = new Map<string, Script>();

  script(broker: string, script: Script): void {
    this.scripts.set(broker, script);
  }

  readonly create = (config: KafkaConfig): FakeClient => {
    const brokers = Array.isArray(config.brokers) ? config.brokers.join(',') : '';
    const client = new FakeClient(config, this.scripts.get(brokers) ?? {});
    this.clients.push(client);
    return client;
  };

  producers(): FakeProducer[] {
    return this.clients.flatMap((client) => client.producers);
  }

  admins(): FakeAdmin[] {
    return this.clients.flatMap((client) => client.admins);
  }
}

/** Sends that the broker acknowledges (at offset 0) only when the test calls release(). */
export function heldSends(): { send: NonNullable<Script['send']>; release: () => void } {
  const held: (() => void)[] = [];
  return {
    send: (record) =>
      new Promise((resolve) => {
        held.push(() => {
          resolve([{ topicName: record.topic, partition: 0, errorCode: 0, baseOffset: '0' }]);
        });
      }),
    release: () => {
      for (const answer of held.splice(0)) answer();
    },
  };
}

/** Never settles: a broker that does not answer. */
export function hang<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}

/** Polls until `check` holds (for effects the pool performs in the background); fails after `limitMs`. */
export async function eventually(check: () => boolean, limitMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > limitMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

// What the Kafka integration tests share: topics of their own, an independent consumer to read records back, and a
// client factory that counts the kafkajs producers the pool creates and closes.
import { readFileSync } from 'node:fs';
import type { Admin, KafkaConfig } from 'kafkajs';
import { createKafkajsClient, type CreateKafkaClient, type KafkaClient } from '../../../src/kafka/client.js';
import type { KafkaConnection } from '../../../src/kafka/index.js';
import { plainKafka, toReadRecord, type ReadRecord } from '../../support/kafka-records.js';
import { requireKafka, uniqueName, type KafkaEnv } from '../../support/testenv.js';

export type { ReadRecord };

export function kafkaEnv(): KafkaEnv & { ca: string; cert: string; key: string } {
  const env = requireKafka();
  return {
    ...env,
    ca: readFileSync(env.caFile, 'utf8'),
    cert: readFileSync(env.clientCertFile, 'utf8'),
    key: readFileSync(env.clientKeyFile, 'utf8'),
  };
}

/** A new topic of the test's own (the broker does not create topics on demand). */
export async function createTopic(
  brokers: string,
  prefix: string,
  compact = false,
  numPartitions = 1,
): Promise<string> {
  const topic = uniqueName(prefix);
  const admin = plainKafka(brokers).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions,
          configEntries: compact ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
        },
      ],
    });
    await waitForLeaders(admin, topic, numPartitions);
  } finally {
    await admin.disconnect();
  }
  return topic;
}

/**
 * Until every partition of the new topic has a leader. Not kafkajs's `waitForLeaders`: it retries only
 * LEADER_NOT_AVAILABLE, while a KRaft broker under load may still answer UNKNOWN_TOPIC_OR_PARTITION for a topic it
 * has just created (seen failing a cold CI run).
 */
async function waitForLeaders(admin: Admin, topic: string, partitions: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const led = await admin.fetchTopicMetadata({ topics: [topic] }).then(
      ({ topics }) => topics[0]?.partitions.filter((partition) => partition.leader >= 0).length ?? 0,
      () => 0,
    );
    if (led === partitions) return;
    if (Date.now() > deadline) throw new Error(`topic ${topic}: no leader for every partition after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Reads the first `count` records of `topic` with a consumer group of its own, as the control plane would. */
export async function readBack(brokers: string, topic: string, count: number): Promise<ReadRecord[]> {
  const consumer = plainKafka(brokers).consumer({ groupId: uniqueName('kafka-test-reader') });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    return await new Promise<ReadRecord[]>((resolve, reject) => {
      const records: ReadRecord[] = [];
      const timer = setTimeout(() => {
        reject(new Error(`read ${records.length} of ${count} records from ${topic} within 30 s`));
      }, 30_000);
      void consumer
        .run({
          eachMessage: ({ partition, message }) => {
            records.push(toReadRecord(topic, partition, message));
            if (records.length >= count) {
              clearTimeout(timer);
              resolve(records);
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}

export interface ProducerCount {
  created: number;
  connected: number;
  disconnected: number;
}

/**
 * kafkajs clients whose producers are counted: how many the pool made, connected and closed, and how many records
 * each request to the broker carried.
 */
export function countingClients(): { create: CreateKafkaClient; count: ProducerCount; requests: number[] } {
  const count: ProducerCount = { created: 0, connected: 0, disconnected: 0 };
  const requests: number[] = [];
  const create = (config: KafkaConfig): KafkaClient => {
    const client = createKafkajsClient(config);
    return {
      admin: (adminConfig) => client.admin(adminConfig),
      producer: (producerConfig) => {
        const producer = client.producer(producerConfig);
        count.created += 1;
        return {
          sendBatch: (batch) => {
            requests.push((batch.topicMessages ?? []).reduce((n, { messages }) => n + messages.length, 0));
            return producer.sendBatch(batch);
          },
          connect: async () => {
            await producer.connect();
            count.connected += 1;
          },
          disconnect: async () => {
            await producer.disconnect();
            count.disconnected += 1;
          },
        };
      },
    };
  };
  return { create, count, requests };
}

/** The SASL_SSL listener with the environment's CA. */
export function saslSsl(
  env: ReturnType<typeof kafkaEnv>,
  sasl: NonNullable<KafkaConnection['sasl']>,
): KafkaConnection {
  return { brokers: [env.sslBrokers], tls: { ca: env.ca, insecureSkipVerify: false }, sasl };
}

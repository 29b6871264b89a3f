// The parts of kafkajs the transport uses, as a seam: unit tests substitute a fake client to drive the pool through
// hung sends, failed connects and broken producers that a real broker produces only by accident.
import kafkajs, {
  type Admin,
  type AdminConfig,
  type KafkaConfig,
  type Producer,
  type ProducerConfig,
} from 'kafkajs';
import './request-queue.js';

export type ProducerLike = Pick<Producer, 'connect' | 'disconnect' | 'sendBatch'>;
export type AdminLike = Pick<Admin, 'connect' | 'disconnect' | 'describeConfigs' | 'createTopics'>;

export interface KafkaClient {
  producer(config: ProducerConfig): ProducerLike;
  admin(config?: AdminConfig): AdminLike;
}

export type CreateKafkaClient = (config: KafkaConfig) => KafkaClient;

export const createKafkajsClient: CreateKafkaClient = (config) => new kafkajs.Kafka(config);

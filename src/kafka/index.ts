// The Kafka transport: connections, the producer pool, topic inspection and classified failures.
export { defaultTuning } from './client-config.js';
export type { ClientTuning } from './client-config.js';
export type { AdminLike, CreateKafkaClient, KafkaClient, ProducerLike } from './client.js';
export { connectionId, connectionProblems, describeConnection, securityProtocol } from './connection.js';
export type {
  KafkaConnection,
  SaslMechanism,
  SaslSettings,
  SecurityProtocol,
  TlsSettings,
} from './connection.js';
export { classifyKafkaError } from './errors.js';
export { isKafkaFailure, KafkaFailure, KafkaFailureReason } from './failure.js';
export type { FailureContext } from './errors.js';
export { silentLogger } from './log.js';
export type { KafkaLogger } from './log.js';
export { ProducerPool } from './pool.js';
export type {
  CallOptions,
  KafkaTransport,
  PooledConnection,
  ProducerHandle,
  ProducerPoolOptions,
} from './pool.js';
export type { KafkaRecord, RecordPosition } from './record.js';
export type { TopicCreation, TopicDescription, TopicRequest } from './topics.js';

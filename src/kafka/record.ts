// What the transport sends and what the broker answers, independent of kafkajs's types.
import type { Message, RecordMetadata } from 'kafkajs';

export interface KafkaRecord {
  topic: string;
  /** UTF-8; the partition follows from it, so a registration and its tombstone land on the same partition. */
  key: string;
  /** UTF-8; null is a tombstone. */
  value: string | null;
  headers: Record<string, string>;
}

/** Where the broker stored the record. The offset is a decimal string: Kafka offsets are 64-bit. */
export interface RecordPosition {
  topic: string;
  partition: number;
  offset: string;
}

export function toMessage(record: KafkaRecord): Message {
  return { key: record.key, value: record.value, headers: { ...record.headers } };
}

export function toPosition(record: KafkaRecord, metadata: readonly RecordMetadata[]): RecordPosition {
  const first = metadata.find((entry) => entry.topicName === record.topic) ?? metadata[0];
  if (first === undefined)
    throw new Error(`the broker returned no position for the record to '${record.topic}'`);
  return {
    topic: first.topicName,
    partition: first.partition,
    offset: first.baseOffset ?? first.offset ?? '',
  };
}

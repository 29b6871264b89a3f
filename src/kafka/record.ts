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

/**
 * Each record's position from the answer to one request that carried them all, `partitions[i]` being where the
 * partitioner put `records[i]`: the broker answers a base offset per topic and partition, and appends the records
 * of one partition in the order they were sent.
 */
export function positionsOf(
  records: readonly KafkaRecord[],
  partitions: readonly (number | undefined)[],
  metadata: readonly RecordMetadata[],
): RecordPosition[] {
  const nextOffset = new Map<string, bigint>();
  return records.map((record, i) => {
    const partition = partitions[i];
    const entry = metadata.find((m) => m.topicName === record.topic && m.partition === partition);
    const base = entry?.baseOffset ?? entry?.offset;
    if (partition === undefined || base === undefined)
      throw new Error(`the broker returned no position for the record to '${record.topic}'`);
    const slot = `${partition}/${record.topic}`;
    const offset = nextOffset.get(slot) ?? BigInt(base);
    nextOffset.set(slot, offset + 1n);
    return { topic: record.topic, partition, offset: offset.toString() };
  });
}

// Positions of records that one request carried: the broker answers a base offset per topic and partition.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { positionsOf, type KafkaRecord } from '../../../src/kafka/record.js';

function record(topic: string, key: string): KafkaRecord {
  return { topic, key, value: '{}', headers: {} };
}

test('records of one partition count up from its base offset, in the order they were sent', () => {
  const records = [
    record('registry', 'a'),
    record('heartbeat', 'a'),
    record('registry', 'b'),
    record('registry', 'c'),
    record('heartbeat', 'b'),
  ];
  const positions = positionsOf(
    records,
    [0, 0, 1, 0, 0],
    [
      { topicName: 'registry', partition: 0, errorCode: 0, baseOffset: '9007199254740993' },
      { topicName: 'registry', partition: 1, errorCode: 0, baseOffset: '4' },
      { topicName: 'heartbeat', partition: 0, errorCode: 0, baseOffset: '0' },
    ],
  );
  assert.deepEqual(positions, [
    { topic: 'registry', partition: 0, offset: '9007199254740993' },
    { topic: 'heartbeat', partition: 0, offset: '0' },
    { topic: 'registry', partition: 1, offset: '4' },
    { topic: 'registry', partition: 0, offset: '9007199254740994' },
    { topic: 'heartbeat', partition: 0, offset: '1' },
  ]);
});

test('a record the answer says nothing about is an error, not a made-up position', () => {
  assert.throws(
    () =>
      positionsOf(
        [record('registry', 'a')],
        [2],
        [{ topicName: 'registry', partition: 0, errorCode: 0, baseOffset: '0' }],
      ),
    /no position for the record to 'registry'/,
  );
  assert.throws(() => positionsOf([record('registry', 'a')], [undefined], []), /no position/);
});

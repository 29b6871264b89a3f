import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findCondition, setCondition, type Condition } from '../../../src/runtime/conditions.js';

const t0 = new Date('2030-01-01T00:00:00.123Z');
const t1 = new Date('2030-01-01T00:05:00.456Z');

test('a new condition is stamped with the current time in whole seconds', () => {
  const conditions = setCondition(
    undefined,
    { type: 'Ready', status: 'False', reason: 'Pending', message: '' },
    t0,
  );
  assert.deepEqual(conditions, [
    {
      type: 'Ready',
      status: 'False',
      reason: 'Pending',
      message: '',
      lastTransitionTime: '2030-01-01T00:00:00Z',
    },
  ]);
});

test('lastTransitionTime stays while the status stays, even when reason and message change', () => {
  const before = setCondition([], { type: 'Ready', status: 'False', reason: 'Pending', message: 'a' }, t0);
  const after = setCondition(
    before,
    { type: 'Ready', status: 'False', reason: 'KafkaDown', message: 'b', observedGeneration: 2 },
    t1,
  );
  assert.deepEqual(findCondition(after, 'Ready'), {
    type: 'Ready',
    status: 'False',
    reason: 'KafkaDown',
    message: 'b',
    observedGeneration: 2,
    lastTransitionTime: '2030-01-01T00:00:00Z',
  });
});

test('lastTransitionTime moves when the status flips', () => {
  const before = setCondition([], { type: 'Ready', status: 'False', reason: 'Pending', message: '' }, t0);
  const after = setCondition(
    before,
    { type: 'Ready', status: 'True', reason: 'Registered', message: '' },
    t1,
  );
  assert.equal(findCondition(after, 'Ready')?.lastTransitionTime, '2030-01-01T00:05:00Z');
});

test('other conditions keep their place and values, and the input is not mutated', () => {
  const input: Condition[] = [
    { type: 'Registered', status: 'True', reason: 'Acked', message: '', lastTransitionTime: 'x' },
    { type: 'Ready', status: 'False', reason: 'Pending', message: '', lastTransitionTime: 'y' },
  ];
  const frozen = structuredClone(input);
  const output = setCondition(input, { type: 'Ready', status: 'True', reason: 'Ok', message: '' }, t1);
  assert.deepEqual(input, frozen);
  assert.deepEqual(
    output.map((condition) => condition.type),
    ['Registered', 'Ready'],
  );
  assert.equal(output[0], input[0]);
});

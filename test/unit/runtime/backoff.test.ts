import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff, backoffDelay, KeyedBackoff, type BackoffPolicy } from '../../../src/runtime/backoff.js';

const policy: BackoffPolicy = { initialMs: 100, maxMs: 1_000, factor: 2, jitter: 0.5 };
const middle = () => 0.5;

test('delays double from the initial delay up to the cap', () => {
  const delays = [0, 1, 2, 3, 4, 5].map((failures) => backoffDelay(policy, failures, middle));
  assert.deepEqual(delays, [100, 200, 400, 800, 1_000, 1_000]);
});

test('jitter spreads a delay evenly around it and never past the cap', () => {
  assert.equal(
    backoffDelay(policy, 1, () => 0),
    100,
  );
  assert.equal(
    backoffDelay(policy, 1, () => 1),
    300,
  );
  assert.equal(
    backoffDelay(policy, 10, () => 1),
    1_000,
  );
});

test('a sequence grows until reset', () => {
  const backoff = new Backoff(policy, middle);
  assert.deepEqual([backoff.next(), backoff.next(), backoff.next()], [100, 200, 400]);
  backoff.reset();
  assert.equal(backoff.next(), 100);
});

test('each key has its own sequence, and forgetting one resets only it', () => {
  const backoff = new KeyedBackoff(policy, middle);
  assert.equal(backoff.next('a'), 100);
  assert.equal(backoff.next('a'), 200);
  assert.equal(backoff.next('b'), 100);
  assert.equal(backoff.failures('a'), 2);
  backoff.forget('a');
  assert.equal(backoff.failures('a'), 0);
  assert.equal(backoff.next('a'), 100);
  assert.equal(backoff.next('b'), 200);
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { growth, percentile, summarize } from '../../../hack/bench/stats.js';

describe('bench stats', () => {
  it('interpolates percentiles between ranks (type 7)', () => {
    const values = Array.from({ length: 101 }, (_, i) => i);
    assert.equal(percentile(values, 50), 50);
    assert.equal(percentile(values, 99), 99);
    assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
    assert.equal(percentile([10, 20], 95), 19.5);
    assert.equal(percentile([7], 99), 7);
    assert.ok(Number.isNaN(percentile([], 50)));
  });

  it('summarises unsorted samples and ignores non-finite ones', () => {
    const s = summarize([5, 1, 4, Number.NaN, 2, 3]);
    assert.equal(s.n, 5);
    assert.equal(s.min, 1);
    assert.equal(s.max, 5);
    assert.equal(s.p50, 3);
    assert.equal(s.mean, 3);
    assert.ok(Math.abs(s.p99 - 4.96) < 1e-9);
  });

  it('names how a measure grows with the count', () => {
    assert.equal(
      growth([
        [100, 1],
        [1000, 10],
      ]).words,
      'linear',
    );
    assert.equal(
      growth([
        [100, 50],
        [5000, 52],
      ]).words,
      'flat',
    );
    const quadratic = growth([
      [10, 1],
      [100, 100],
    ]);
    assert.equal(quadratic.exponent, 2);
    assert.equal(quadratic.words, 'quadratic or worse');
    assert.equal(growth([[1, 1]]).words, 'not enough points');
  });
});

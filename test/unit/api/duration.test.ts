import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DURATION_PATTERN, parseDuration, tryParseDuration } from '../../../src/api/duration.js';

describe('parseDuration', () => {
  const valid: [string, number][] = [
    ['0s', 0],
    ['250ms', 250],
    ['5s', 5_000],
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1h2m3s4ms', 3_723_004],
    // Go (and so CEL) accept units in any order and repeated; so does the parser.
    ['30s1m', 90_000],
  ];
  for (const [text, ms] of valid) {
    test(`reads ${text} as ${ms} ms`, () => {
      assert.equal(parseDuration(text), ms);
      assert.ok(DURATION_PATTERN.test(text));
    });
  }

  const invalid = ['', '30', 's', '1.5s', '-5s', '5 s', '5S', '1d', '10us', ' 5s', '5s ', '30 seconds'];
  for (const text of invalid) {
    test(`rejects ${JSON.stringify(text)} as the CRD pattern does`, () => {
      assert.throws(() => parseDuration(text), /invalid duration/);
      assert.equal(tryParseDuration(text), undefined);
      assert.equal(DURATION_PATTERN.test(text), false);
    });
  }

  test('rejects a value too long for the CRD', () => {
    assert.throws(() => parseDuration('1s'.repeat(11)), /invalid duration/);
  });

  test('rejects a value too large to count in milliseconds', () => {
    assert.throws(() => parseDuration('9999999999999999h'), /too large/);
  });
});

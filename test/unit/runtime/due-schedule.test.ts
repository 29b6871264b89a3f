import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DueSchedule } from '../../../src/runtime/due-schedule.js';

test('keys come out when due, earliest first, and those due at the same time in the order they were scheduled', () => {
  const due = new DueSchedule();
  due.set('c', 30);
  due.set('b', 20);
  due.set('a', 20);
  due.set('d', 10);
  assert.equal(due.earliest(), 10);
  assert.deepEqual(due.takeDue(9), []);
  assert.deepEqual(due.takeDue(20), ['d', 'b', 'a']);
  assert.equal(due.size, 1);
  assert.equal(due.earliest(), 30);
  assert.deepEqual(due.takeDue(100), ['c']);
  assert.equal(due.earliest(), Infinity);
});

test('a key has one time: the last set; a deleted key never comes out', () => {
  const due = new DueSchedule();
  due.set('a', 50);
  due.set('a', 10);
  due.set('b', 20);
  due.delete('b');
  assert.equal(due.get('a'), 10);
  assert.equal(due.get('b'), undefined);
  assert.equal(due.earliest(), 10);
  assert.deepEqual(due.takeDue(100), ['a']);
  due.set('a', 200);
  assert.deepEqual(due.takeDue(150), [], 'the time set after a key came out is the one that holds');
  assert.deepEqual(due.takeDue(200), ['a']);
  assert.equal(due.size, 0);
});

test('a key run and scheduled again over and over comes out once, at its last time', () => {
  const due = new DueSchedule();
  due.set('other', 1_000_000);
  for (let i = 0; i < 10_000; i += 1) {
    due.set('a', 1_000 + i);
    due.delete('a');
  }
  due.set('a', 5);
  assert.deepEqual(due.takeDue(999_999), ['a']);
  assert.deepEqual(due.takeDue(1_000_000), ['other']);
});

test('agrees with a plain table under random schedules, deletions and due times', () => {
  let seed = 7;
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const due = new DueSchedule();
  const table = new Map<string, number>();
  let now = 0;
  for (let step = 0; step < 20_000; step += 1) {
    const key = `k${Math.floor(random() * 300)}`;
    const roll = random();
    if (roll < 0.5) {
      // Times are distinct (fractions), so the order of those due together is the table's by time alone.
      const at = now + random() * 1_000;
      due.set(key, at);
      table.set(key, at);
    } else if (roll < 0.7) {
      due.delete(key);
      table.delete(key);
    } else {
      now += random() * 50;
      const expected = [...table]
        .filter(([, at]) => at <= now)
        .sort((a, b) => a[1] - b[1])
        .map(([k]) => k);
      for (const k of expected) table.delete(k);
      assert.deepEqual(due.takeDue(now), expected, `step ${step}`);
    }
    assert.equal(due.size, table.size);
    assert.equal(due.earliest(), Math.min(...table.values()));
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkQueue } from '../../../src/runtime/workqueue.js';
import { FakeClock } from './fake-clock.js';

const policy = { initialMs: 100, maxMs: 10_000, factor: 2, jitter: 0 };

function queue(clock = new FakeClock()): WorkQueue {
  return new WorkQueue({ name: 'test', clock, backoff: policy });
}

test('a key waiting in the queue is there once, however often it is added', async () => {
  const q = queue();
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.length, 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
});

test('adds during processing coalesce into one more run, after done', async () => {
  const q = queue();
  q.add('a');
  const key = await q.get();
  assert.equal(key, 'a');
  for (let i = 0; i < 200; i += 1) q.add('a');
  // Not handed out again while it is processing.
  assert.equal(q.length, 0);
  q.done('a');
  assert.equal(q.length, 1);
  assert.equal(await q.get(), 'a');
  q.done('a');
  assert.equal(q.length, 0);
});

test('a waiting get() receives the next key added', async () => {
  const q = queue();
  const next = q.get();
  q.add('x');
  assert.equal(await next, 'x');
});

test('addAfter runs the key when its time comes, through one timer for all keys', async () => {
  const clock = new FakeClock();
  const q = queue(clock);
  q.addAfter('late', 2_000);
  q.addAfter('early', 1_000);
  assert.equal(clock.timers, 1);
  await clock.advance(999);
  assert.equal(q.length, 0);
  await clock.advance(1);
  assert.equal(await q.get(), 'early');
  await clock.advance(1_000);
  assert.equal(await q.get(), 'late');
  assert.equal(clock.timers, 0);
});

test('a key scheduled behind an earlier one runs at its time, also when the earlier one ran before its own', async () => {
  const clock = new FakeClock();
  const q = queue(clock);
  q.addAfter('a', 1_000);
  for (const key of ['b', 'c', 'd']) q.addAfter(key, 3_000);
  assert.equal(clock.timers, 1);
  q.add('a');
  assert.equal(await q.get(), 'a');
  q.done('a');
  await clock.advance(2_999);
  assert.equal(q.length, 0);
  await clock.advance(1);
  assert.deepEqual([await q.get(), await q.get(), await q.get()], ['b', 'c', 'd']);
  assert.equal(clock.timers, 0);
});

test('the earliest schedule of a key wins, and a run supersedes it', async () => {
  const clock = new FakeClock();
  const q = queue(clock);
  q.addAfter('a', 5_000);
  q.addAfter('a', 1_000);
  q.addAfter('a', 3_000);
  await clock.advance(1_000);
  assert.equal(await q.get(), 'a');
  q.done('a');
  await clock.advance(10_000);
  assert.equal(q.length, 0, 'the later schedules were superseded by the run');

  q.addAfter('b', 1_000);
  q.add('b');
  assert.equal(await q.get(), 'b');
  q.done('b');
  await clock.advance(2_000);
  assert.equal(q.length, 0, 'an immediate run supersedes a pending schedule');
});

test('failures back off exponentially per key until forgotten', async () => {
  const clock = new FakeClock();
  const q = queue(clock);
  const delays: number[] = [];
  for (let i = 0; i < 4; i += 1) {
    const failedAt = clock.now();
    q.addRateLimited('a');
    while (q.length === 0) await clock.advance(10);
    delays.push(clock.now() - failedAt);
    assert.equal(await q.get(), 'a');
    q.done('a');
  }
  assert.deepEqual(delays, [100, 200, 400, 800]);
  assert.equal(q.retries('a'), 4);
  q.forget('a');
  assert.equal(q.retries('a'), 0);
});

test('shutDown answers waiting and later gets with undefined and ignores adds', async () => {
  const clock = new FakeClock();
  const q = queue(clock);
  const waiting = q.get();
  q.addAfter('later', 1_000);
  q.shutDown();
  assert.equal(await waiting, undefined);
  q.add('a');
  assert.equal(await q.get(), undefined);
  assert.equal(clock.timers, 0);
});

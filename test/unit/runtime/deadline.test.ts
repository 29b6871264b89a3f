import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { DeadlineExceededError, withDeadline } from '../../../src/runtime/deadline.js';
import { FakeClock, settle } from './fake-clock.js';

const never = () => new Promise<never>(() => undefined);

test('work that ignores its signal is abandoned after the grace period, with the deadline as the cause', async () => {
  const clock = new FakeClock();
  const abandoned: unknown[] = [];
  const result = withDeadline(never, {
    timeoutMs: 1_000,
    abandonAfterMs: 500,
    parent: new AbortController().signal,
    clock,
    onAbandon: (reason) => abandoned.push(reason),
  });
  const settled = result.then(
    () => 'resolved',
    (error: unknown) => error,
  );
  await clock.advance(1_499);
  assert.equal(abandoned.length, 0);
  await clock.advance(1);
  assert.ok((await settled) instanceof DeadlineExceededError);
  assert.equal(abandoned.length, 1);
  assert.equal(clock.timers, 0);
});

test('a parent that has already aborted aborts the work at once', async () => {
  const clock = new FakeClock();
  let sawAbort = false;
  const result = withDeadline(
    (signal) => {
      sawAbort = signal.aborted;
      return never();
    },
    {
      timeoutMs: 60_000,
      abandonAfterMs: 100,
      parent: AbortSignal.abort(new Error('shutting down')),
      clock,
      onAbandon: () => undefined,
    },
  );
  const settled = result.then(
    () => 'resolved',
    (error: unknown) => error,
  );
  await clock.advance(100);
  assert.equal(sawAbort, true);
  assert.equal(((await settled) as Error).message, 'shutting down');
});

test('work that finishes in time returns its result and leaves no timer behind', async () => {
  const clock = new FakeClock();
  const value = await withDeadline(() => Promise.resolve(42), {
    timeoutMs: 1_000,
    abandonAfterMs: 500,
    parent: new AbortController().signal,
    clock,
    onAbandon: () => undefined,
  });
  assert.equal(value, 42);
  assert.equal(clock.timers, 0);
});

test('work that cannot be cancelled is answered at the deadline with the given error, and may fail later unheard', async () => {
  const clock = new FakeClock();
  let fail: (error: Error) => void = () => undefined;
  const uncancellable = new Promise<never>((_resolve, reject) => {
    fail = reject;
  });
  const result = withDeadline(() => uncancellable, {
    timeoutMs: 1_000,
    clock,
    onTimeout: () => new Error('no answer within 1000 ms'),
  });
  const settled = result.then(
    () => 'resolved',
    (error: unknown) => error,
  );
  await clock.advance(1_000);
  assert.equal(((await settled) as Error).message, 'no answer within 1000 ms');
  assert.equal(clock.timers, 0);
  // An unhandled rejection would fail the test run.
  fail(new Error('the abandoned call gave up'));
  await settle();
});

test('a parent that aborts answers uncancellable work at once with its reason', async () => {
  const clock = new FakeClock();
  const parent = new AbortController();
  const result = withDeadline(never, { timeoutMs: 60_000, parent: parent.signal, clock });
  const settled = result.then(
    () => 'resolved',
    (error: unknown) => error,
  );
  parent.abort(new Error('lost leadership'));
  assert.equal(((await settled) as Error).message, 'lost leadership');
  assert.equal(clock.timers, 0);
});

test('work that settles leaves no listener on its parent signal, whichever way it ends', async () => {
  const clock = new FakeClock();
  const parent = new AbortController();
  await withDeadline(() => Promise.resolve(1), { timeoutMs: 1_000, parent: parent.signal, clock });
  await withDeadline(() => Promise.reject(new Error('failed')), {
    timeoutMs: 1_000,
    parent: parent.signal,
    clock,
  }).catch(() => undefined);
  const late = withDeadline(never, { timeoutMs: 1_000, parent: parent.signal, clock }).catch(
    (error: unknown) => error,
  );
  await clock.advance(1_000);
  assert.ok((await late) instanceof DeadlineExceededError);
  assert.equal(getEventListeners(parent.signal, 'abort').length, 0);
  assert.equal(clock.timers, 0);
});

test('work that throws before returning a promise fails the call with its error', async () => {
  const clock = new FakeClock();
  await assert.rejects(
    withDeadline(
      () => {
        throw new Error('bad input');
      },
      { timeoutMs: 1_000, clock },
    ),
    /bad input/,
  );
  assert.equal(clock.timers, 0);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linkSignals } from '../../../src/runtime/abort.js';

test('a linked signal aborts with the reason of the first source that does', () => {
  const a = new AbortController();
  const b = new AbortController();
  const linked = linkSignals(a.signal, undefined, b.signal);
  b.abort('b first');
  a.abort('a later');
  assert.equal(linked.signal.aborted, true);
  assert.equal(linked.signal.reason, 'b first');
});

test('a source that has already aborted aborts the linked signal at once', () => {
  const linked = linkSignals(AbortSignal.abort('done'));
  assert.equal(linked.signal.reason, 'done');
});

test('once disposed, a linked signal is detached from its sources', () => {
  const longLived = new AbortController();
  let listeners = 0;
  const source = longLived.signal;
  const add = source.addEventListener.bind(source);
  const remove = source.removeEventListener.bind(source);
  source.addEventListener = (...args: Parameters<AbortSignal['addEventListener']>) => {
    listeners += 1;
    add(...args);
  };
  source.removeEventListener = (...args: Parameters<AbortSignal['removeEventListener']>) => {
    listeners -= 1;
    remove(...args);
  };
  for (let i = 0; i < 1_000; i += 1) linkSignals(source, AbortSignal.timeout(60_000)).dispose();
  assert.equal(listeners, 0);
  const linked = linkSignals(source);
  linked.dispose();
  longLived.abort();
  assert.equal(linked.signal.aborted, false);
});

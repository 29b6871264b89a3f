// The batcher on its own: a lone item leaves at once, items that arrive meanwhile leave together, each caller is
// answered with its own result, and an item nobody waits for any more is never sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Batcher } from '../../../src/kafka/batcher.js';

/** A sendAll whose requests the test answers by hand. */
function scripted() {
  const requests: { items: readonly string[]; answer: (error?: Error) => void }[] = [];
  const sendAll = (items: readonly string[]) =>
    new Promise<string[]>((resolve, reject) => {
      requests.push({
        items,
        answer: (error) => {
          if (error === undefined) resolve(items.map((item) => `${item}!`));
          else reject(error);
        },
      });
    });
  return { requests, sendAll };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('a lone item is sent at once, without waiting for company', async () => {
  const { requests, sendAll } = scripted();
  const batcher = new Batcher(sendAll, 10);
  const result = batcher.add('a');
  assert.deepEqual(
    requests.map((r) => r.items),
    [['a']],
  );
  requests[0]?.answer();
  assert.equal(await result, 'a!');
});

test('items added while a request is in flight leave together in the next one, each answered with its own result', async () => {
  const { requests, sendAll } = scripted();
  const batcher = new Batcher(sendAll, 10);
  const results = ['a', 'b', 'c', 'd'].map((item) => batcher.add(item));
  assert.equal(requests.length, 1);
  requests[0]?.answer();
  await tick();
  assert.deepEqual(
    requests.map((r) => r.items),
    [['a'], ['b', 'c', 'd']],
  );
  requests[1]?.answer();
  assert.deepEqual(await Promise.all(results), ['a!', 'b!', 'c!', 'd!']);
});

test('a request carries at most maxItems, in the order they were added', async () => {
  const { requests, sendAll } = scripted();
  const batcher = new Batcher(sendAll, 2);
  const results = ['a', 'b', 'c', 'd', 'e', 'f'].map((item) => batcher.add(item));
  for (let i = 0; i < 4; i++) {
    requests[i]?.answer();
    await tick();
  }
  assert.deepEqual(
    requests.map((r) => r.items),
    [['a'], ['b', 'c'], ['d', 'e'], ['f']],
  );
  assert.equal((await Promise.all(results)).length, 6);
});

test('an item no longer wanted when its turn comes is never sent, and its caller is told', async () => {
  const { requests, sendAll } = scripted();
  const batcher = new Batcher(sendAll, 10);
  void batcher.add('a');
  let wanted = true;
  const abandoned = batcher.add('b', () => wanted);
  const kept = batcher.add('c');
  wanted = false;
  requests[0]?.answer();
  await assert.rejects(abandoned, /not sent: the caller stopped waiting/);
  assert.deepEqual(
    requests.map((r) => r.items),
    [['a'], ['c']],
  );
  requests[1]?.answer();
  assert.equal(await kept, 'c!');
});

test('a failed request fails every item in it, and the items after it are still sent', async () => {
  const { requests, sendAll } = scripted();
  const batcher = new Batcher(sendAll, 10);
  const first = batcher.add('a');
  const second = batcher.add('b');
  requests[0]?.answer(new Error('broker down'));
  await assert.rejects(first, /broker down/);
  await tick();
  requests[1]?.answer();
  assert.equal(await second, 'b!');
});

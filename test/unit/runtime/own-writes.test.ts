import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ObjectSource } from '../../../src/runtime/informer/informer.js';
import type { ObjectEvent } from '../../../src/runtime/informer/store.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { OwnWrites } from '../../../src/runtime/own-writes.js';

const at = (resourceVersion: string, name = 'a'): KubeObject => ({ metadata: { name, resourceVersion } });

/**
 * A source the test emits on, heard through OwnWrites, and an API whose patches answer with the next version
 * once released (so that an echo can come before its answer, as on a shared connection).
 */
function setup() {
  const writes = new OwnWrites();
  let emit: (event: ObjectEvent<KubeObject>) => void = () => undefined;
  const source: ObjectSource<KubeObject> = {
    get: () => undefined,
    list: () => [],
    subscribe: (handler) => ((emit = handler), () => undefined),
  };
  const heard: string[] = [];
  writes
    .withoutEchoes(source)
    .subscribe((event) => heard.push(`${event.type} ${event.object.metadata.resourceVersion}`));
  let version = 10;
  const answers: { answer: () => void; fail: (error: Error) => void }[] = [];
  const answer = (name: string) =>
    new Promise<KubeObject>((resolve, reject) => {
      const object = at(String(++version), name);
      answers.push({
        answer: () => {
          resolve(object);
        },
        fail: reject,
      });
    });
  const api = writes.track<KubeObject>({
    jsonPatch: (ref) => answer(ref.name),
    mergePatch: (ref) => answer(ref.name),
  });
  /** A patch whose answer comes at once. */
  const patch = async (name = 'a') => {
    const written = api.jsonPatch({ name }, []);
    answers.shift()?.answer();
    return written;
  };
  return {
    api,
    heard,
    patch,
    answerNext: () => answers.shift()?.answer(),
    failNext: (error: Error) => answers.shift()?.fail(error),
    updated: (resourceVersion: string, name = 'a') => {
      emit({ type: 'updated', object: at(resourceVersion, name) });
    },
    emit: (event: ObjectEvent<KubeObject>) => {
      emit(event);
    },
  };
}

test("the echo of a write is dropped once; others' changes pass", async () => {
  const h = setup();
  const written = await h.patch();
  assert.equal(written.metadata.resourceVersion, '11', 'the answer passes through');
  h.updated('11', 'b');
  h.updated('11');
  h.updated('11');
  h.updated('12');
  assert.deepEqual(h.heard, ['updated 11', 'updated 11', 'updated 12'], "b's 11, then a's second 11 and 12");
});

test('an echo that comes before its answer is dropped, and what came with it passes on in order', async () => {
  const h = setup();
  const written = h.api.jsonPatch({ name: 'a' }, []);
  h.updated('9'); // a change before the write: the answer holds it, but the run does not know that it does
  h.updated('11'); // the echo, ahead of the answer
  h.updated('12'); // a change after the write
  h.updated('5', 'b'); // another object: not held
  assert.deepEqual(h.heard, ['updated 5']);
  h.answerNext();
  await written;
  assert.deepEqual(h.heard, ['updated 5', 'updated 9', 'updated 12']);
});

test('a failed write lets every event it held pass', async () => {
  const h = setup();
  const written = h.api.jsonPatch({ name: 'a' }, []);
  h.updated('11');
  assert.deepEqual(h.heard, []);
  h.failNext(new Error('422'));
  await assert.rejects(written, /422/);
  assert.deepEqual(h.heard, ['updated 11']);
});

test('two writes in one run: both echoes are dropped, whichever came before its answer', async () => {
  const h = setup();
  await h.patch();
  const status = h.api.mergePatch({ name: 'a' }, {}, { subresource: 'status' });
  h.updated('11');
  h.updated('12');
  h.answerNext();
  await status;
  assert.deepEqual(h.heard, []);
});

test('an echo settles the writes before it, whose echoes a relist skipped', async () => {
  const h = setup();
  await h.patch();
  await h.patch();
  h.updated('12');
  h.updated('11');
  assert.deepEqual(h.heard, ['updated 11'], 'settled by the later echo: 11 is no longer taken for ours');
});

test('only updates are echoes; a deletion forgets what was written', async () => {
  const h = setup();
  await h.patch();
  h.emit({ type: 'added', object: at('11') });
  h.emit({ type: 'deleted', object: at('11') });
  h.updated('11');
  assert.deepEqual(h.heard, ['added 11', 'deleted 11', 'updated 11']);
});

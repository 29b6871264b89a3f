import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReconcileResult } from '../../../src/runtime/controller.js';
import {
  addFinalizerPatch,
  finalizer,
  hasFinalizer,
  removeFinalizerPatch,
  type FinalizerApi,
  type FinalizerEvent,
} from '../../../src/runtime/finalizers.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import type { JsonPatchOperation } from '../../../src/runtime/kube/resource-api.js';

const ours = 'registry.kgroot.io/tombstone';

function withFinalizers(finalizers?: string[]): KubeObject {
  return { metadata: { name: 'a', ...(finalizers === undefined ? {} : { finalizers }) } };
}

test('adding to an object without finalizers tests that there are none, then creates the list', () => {
  assert.deepEqual(addFinalizerPatch(withFinalizers(), ours), [
    { op: 'test', path: '/metadata/finalizers', value: null },
    { op: 'add', path: '/metadata/finalizers', value: [ours] },
  ]);
});

test("adding next to another controller's finalizer tests the whole list and appends", () => {
  assert.deepEqual(addFinalizerPatch(withFinalizers(['other/x']), ours), [
    { op: 'test', path: '/metadata/finalizers', value: ['other/x'] },
    { op: 'add', path: '/metadata/finalizers/-', value: ours },
  ]);
});

test('adding is a no-op when the finalizer is there', () => {
  assert.equal(addFinalizerPatch(withFinalizers([ours]), ours), undefined);
  assert.equal(hasFinalizer(withFinalizers([ours]), ours), true);
});

test('removing tests the exact entry at its index, leaving the others alone', () => {
  assert.deepEqual(removeFinalizerPatch(withFinalizers(['other/x', ours, 'other/y']), ours), [
    { op: 'test', path: '/metadata/finalizers/1', value: ours },
    { op: 'remove', path: '/metadata/finalizers/1' },
  ]);
  assert.equal(removeFinalizerPatch(withFinalizers(['other/x']), ours), undefined);
});

/** The narrow API the combinator writes with, applying JSON patches to one stored object. */
function fakeApi(stored: KubeObject) {
  const patches: JsonPatchOperation[][] = [];
  let fail: Error | undefined;
  const api: FinalizerApi<KubeObject> = {
    jsonPatch: (_ref, operations) => {
      if (fail !== undefined) return Promise.reject(fail);
      patches.push([...operations]);
      for (const op of operations) {
        if (op.op === 'add' && op.path === '/metadata/finalizers')
          stored.metadata.finalizers = op.value as string[];
        if (op.op === 'add' && op.path === '/metadata/finalizers/-')
          stored.metadata.finalizers = [...(stored.metadata.finalizers ?? []), op.value as string];
        if (op.op === 'remove') {
          const index = Number(op.path.split('/').at(-1));
          stored.metadata.finalizers = stored.metadata.finalizers?.filter((_, i) => i !== index);
        }
      }
      return Promise.resolve(structuredClone(stored));
    },
  };
  return {
    api,
    patches,
    failWith: (error: Error) => {
      fail = error;
    },
  };
}

/** A reconcile that records what it was asked to do. */
function recording(result: ReconcileResult = { requeueAfterMs: 5 }, error?: Error) {
  const seen: string[] = [];
  return {
    seen,
    run: (event: FinalizerEvent<KubeObject>) => {
      seen.push(event.type);
      return error === undefined ? Promise.resolve(result) : Promise.reject(error);
    },
  };
}

const deleting = (finalizers?: string[]): KubeObject => ({
  metadata: { ...withFinalizers(finalizers).metadata, deletionTimestamp: '2026-01-01T00:00:00Z' },
});

test('a live object without the finalizer gets it, and the run ends there without Apply', async () => {
  const object = withFinalizers(['other/x']);
  const { api, patches } = fakeApi(object);
  const reconcile = recording();
  assert.deepEqual(await finalizer(api, ours, object, reconcile.run), {});
  assert.deepEqual(reconcile.seen, [], 'the write brings the next run');
  assert.deepEqual(patches, [addFinalizerPatch(withFinalizers(['other/x']), ours)]);
  assert.deepEqual(object.metadata.finalizers, ['other/x', ours]);
});

test('a live object with the finalizer runs Apply and returns its result, writing nothing', async () => {
  const object = withFinalizers([ours]);
  const { api, patches } = fakeApi(object);
  const reconcile = recording({ requeueAfterMs: 42 });
  assert.deepEqual(await finalizer(api, ours, object, reconcile.run), { requeueAfterMs: 42 });
  assert.deepEqual(reconcile.seen, ['apply']);
  assert.deepEqual(patches, []);
});

test('a deleted object with the finalizer runs Cleanup, then the finalizer goes', async () => {
  const object = deleting(['other/x', ours]);
  const { api, patches } = fakeApi(object);
  const reconcile = recording({});
  assert.deepEqual(await finalizer(api, ours, object, reconcile.run), {});
  assert.deepEqual(reconcile.seen, ['cleanup']);
  assert.deepEqual(patches, [removeFinalizerPatch(deleting(['other/x', ours]), ours)]);
  assert.deepEqual(object.metadata.finalizers, ['other/x']);
});

test('a Cleanup that fails keeps the finalizer and its error reaches the caller', async () => {
  const object = deleting([ours]);
  const { api, patches } = fakeApi(object);
  const reconcile = recording({}, new Error('broker down'));
  await assert.rejects(finalizer(api, ours, object, reconcile.run), /broker down/);
  assert.deepEqual(patches, []);
  assert.deepEqual(object.metadata.finalizers, [ours]);
});

test('a deleted object without the finalizer is not ours any more: nothing runs, nothing is written', async () => {
  const object = deleting(['other/x']);
  const { api, patches } = fakeApi(object);
  const reconcile = recording();
  assert.deepEqual(await finalizer(api, ours, object, reconcile.run), {});
  assert.deepEqual(reconcile.seen, []);
  assert.deepEqual(patches, []);
});

test('a failed finalizer write is the run error (a 409 retries on fresh state)', async () => {
  const object = withFinalizers();
  const fake = fakeApi(object);
  fake.failWith(new Error('409 Conflict'));
  const reconcile = recording();
  await assert.rejects(finalizer(fake.api, ours, object, reconcile.run), /409/);
  assert.deepEqual(reconcile.seen, []);
});

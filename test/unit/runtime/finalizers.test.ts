import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addFinalizerPatch, hasFinalizer, removeFinalizerPatch } from '../../../src/runtime/finalizers.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';

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

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ObjectEvent } from '../../../src/runtime/informer/store.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { OwnWrites } from '../../../src/runtime/own-writes.js';

const at = (resourceVersion: string, name = 'a'): KubeObject => ({ metadata: { name, resourceVersion } });
const updated = (resourceVersion: string, name = 'a'): ObjectEvent<KubeObject> => ({
  type: 'updated',
  object: at(resourceVersion, name),
});

/** The API a controller writes through: each patch answers with the next version of the object. */
function writer() {
  const writes = new OwnWrites();
  let version = 10;
  const answer = (name: string) => Promise.resolve(at(String(++version), name));
  const api = writes.track<KubeObject>({
    jsonPatch: (ref) => answer(ref.name),
    mergePatch: (ref) => answer(ref.name),
  });
  return { writes, api };
}

test("the echo of a write is recognized once, and others' changes are not echoes", async () => {
  const { writes, api } = writer();
  const written = await api.jsonPatch({ name: 'a' }, []);
  assert.equal(written.metadata.resourceVersion, '11', 'the answer passes through');
  assert.equal(writes.isEcho(updated('11', 'b')), false, 'another object at the same version');
  assert.equal(writes.isEcho(updated('12')), false, 'a version we did not write');
  assert.equal(writes.isEcho(updated('11')), true);
  assert.equal(writes.isEcho(updated('11')), false, 'once');
});

test('two writes in one run: the first echo is ours even when the second was written before it came', async () => {
  const { writes, api } = writer();
  await api.jsonPatch({ name: 'a' }, []);
  await api.mergePatch({ name: 'a' }, {}, { subresource: 'status' });
  assert.equal(writes.isEcho(updated('11')), true);
  assert.equal(writes.isEcho(updated('12')), true);
});

test('an echo settles the writes before it, whose echoes a relist skipped', async () => {
  const { writes, api } = writer();
  await api.jsonPatch({ name: 'a' }, []);
  await api.jsonPatch({ name: 'a' }, []);
  assert.equal(writes.isEcho(updated('12')), true);
  assert.equal(writes.isEcho(updated('11')), false, 'settled by the later echo');
});

test('only updates are echoes; a deletion forgets what was written', async () => {
  const { writes, api } = writer();
  await api.jsonPatch({ name: 'a' }, []);
  assert.equal(writes.isEcho({ type: 'added', object: at('11') }), false);
  assert.equal(writes.isEcho({ type: 'deleted', object: at('11') }), false);
  assert.equal(writes.isEcho(updated('11')), false, 'forgotten with the deletion');
});

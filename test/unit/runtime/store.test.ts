import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineSplitter } from '../../../src/runtime/informer/ndjson.js';
import { ObjectStore } from '../../../src/runtime/informer/store.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';

function object(name: string, resourceVersion: string, namespace?: string): KubeObject {
  return { metadata: { name, resourceVersion, ...(namespace === undefined ? {} : { namespace }) } };
}

test('upsert says added, then updated, and nothing for the same resourceVersion', () => {
  const store = new ObjectStore<KubeObject>();
  assert.equal(store.upsert(object('a', '1', 'ns'))?.type, 'added');
  assert.equal(store.upsert(object('a', '1', 'ns')), undefined);
  assert.equal(store.upsert(object('a', '2', 'ns'))?.type, 'updated');
  assert.equal(store.get('ns/a')?.metadata.resourceVersion, '2');
  assert.equal(store.delete(object('a', '3', 'ns'))?.type, 'deleted');
  assert.equal(store.delete(object('a', '3', 'ns')), undefined);
});

test('replace reports what a relist changed, including what vanished meanwhile', () => {
  const store = new ObjectStore<KubeObject>();
  store.upsert(object('kept', '1'));
  store.upsert(object('changed', '1'));
  store.upsert(object('gone', '1'));
  const events = store.replace([object('kept', '1'), object('changed', '2'), object('new', '1')]);
  assert.deepEqual(
    events.map((event) => [event.type, event.object.metadata.name]),
    [
      ['resync', 'kept'],
      ['updated', 'changed'],
      ['added', 'new'],
      ['deleted', 'gone'],
    ],
  );
  assert.deepEqual(
    store
      .list()
      .map((item) => item.metadata.name)
      .sort(),
    ['changed', 'kept', 'new'],
  );
});

test('lines split across chunks come out whole', () => {
  const splitter = new LineSplitter();
  assert.deepEqual(splitter.push('{"a":1}\n{"b"'), ['{"a":1}']);
  assert.deepEqual(splitter.push(':2}\n\n{"c":3'), ['{"b":2}']);
  assert.deepEqual(splitter.push('}\n'), ['{"c":3}']);
});

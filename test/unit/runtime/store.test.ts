import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineSplitter } from '../../../src/runtime/informer/ndjson.js';
import { changedBeyondStatus, ObjectStore } from '../../../src/runtime/informer/store.js';
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

test('an update carries the object as cached before; changedBeyondStatus is false only when status alone changed', () => {
  type Widget = KubeObject & { spec?: object; status?: object };
  const store = new ObjectStore<Widget>();
  const base: Widget = {
    metadata: { name: 'a', resourceVersion: '1', generation: 1, finalizers: ['f'], labels: { x: '1' } },
    spec: { size: 1 },
    status: { phase: 'Pending' },
  };
  store.upsert(base);
  const statusOnly = store.upsert({
    ...base,
    metadata: { ...base.metadata, resourceVersion: '2' },
    status: {},
  });
  assert.ok(statusOnly);
  assert.equal(statusOnly.previous, base);
  assert.equal(changedBeyondStatus(statusOnly), false);
  const changes: Record<string, object> = {
    spec: { spec: { size: 2 } },
    generation: { metadata: { ...base.metadata, generation: 2 } },
    finalizers: { metadata: { ...base.metadata, finalizers: [] } },
    labels: { metadata: { ...base.metadata, labels: { x: '2' } } },
    annotations: { metadata: { ...base.metadata, annotations: { y: '1' } } },
    deletion: { metadata: { ...base.metadata, deletionTimestamp: '2026-12-03T00:00:00Z' } },
  };
  for (const [what, change] of Object.entries(changes)) {
    const object: Widget = { ...base, ...change };
    assert.ok(changedBeyondStatus({ type: 'updated', object, previous: base }), what);
  }
  for (const type of ['added', 'deleted', 'resync'] as const) {
    assert.ok(changedBeyondStatus({ type, object: base }), type);
  }
  assert.ok(changedBeyondStatus({ type: 'updated', object: base }), 'no previous: assume it changed');
});

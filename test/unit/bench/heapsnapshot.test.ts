import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarizeHeap, type HeapSnapshot } from '../../../hack/bench/heapsnapshot.js';

test('the heap summary groups objects by constructor and strings by value', () => {
  // Nodes are [type, name, self_size]; names index into strings.
  const snapshot: HeapSnapshot = {
    snapshot: {
      meta: { node_fields: ['type', 'name', 'self_size'], node_types: [['object', 'string', 'code']] },
    },
    strings: ['Widget', 'True', 'a long condition message'],
    nodes: [0, 0, 100, 0, 0, 100, 1, 1, 20, 1, 1, 20, 1, 1, 20, 1, 2, 48, 2, 0, 500],
  };
  const summary = summarizeHeap(snapshot, 5);
  assert.equal(summary.totalBytes, 808);
  assert.deepEqual(
    summary.top.map((e) => [e.name, e.count, e.bytes]),
    [
      ['(code)', 1, 500],
      ['Widget', 2, 200],
      ['(string)', 4, 108],
    ],
  );
  assert.deepEqual(
    summary.strings?.map((e) => [e.name, e.count, e.bytes]),
    [
      ['True', 3, 60],
      ['a long condition message', 1, 48],
    ],
  );
});

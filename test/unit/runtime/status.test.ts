import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { updateStatus } from '../../../src/runtime/status.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';

// updateStatus writes only when the status it is given, stamped with the object's generation, says something the
// stored one does not: these run it against a recording stand-in for the API.
function recorder() {
  const patches: unknown[] = [];
  const api = {
    mergePatch: (_metadata: KubeObject['metadata'], patch: unknown) => {
      patches.push(patch);
      return Promise.resolve({ metadata: { name: 'a' } } as KubeObject);
    },
  };
  return { api, patches };
}

const object: KubeObject = { metadata: { name: 'a', generation: 3, resourceVersion: '17' } };
const condition = { type: 'Ready', status: 'True', reason: 'Registered', message: 'ok' };

describe('updateStatus', () => {
  it('does not write a status that says the same in another key order, without undefined members', async () => {
    const { api, patches } = recorder();
    const stored = {
      observedGeneration: 3,
      conditions: [{ ...condition }],
      place: { topic: 't', brokers: ['b:1'] },
    };
    const same = {
      place: { brokers: ['b:1'], topic: 't', note: undefined },
      conditions: [{ message: 'ok', reason: 'Registered', status: 'True', type: 'Ready' }],
      lastError: undefined,
    };
    assert.equal(await updateStatus(api, object, stored, same), false);
    assert.deepEqual(patches, []);
  });

  it('writes when a member, an array element or its order, or the generation differs', async () => {
    const stored = { observedGeneration: 3, conditions: [condition], brokers: ['a:1', 'b:1'] };
    const changes: object[] = [
      { conditions: [{ ...condition, message: 'other' }], brokers: ['a:1', 'b:1'] },
      { conditions: [condition], brokers: ['b:1', 'a:1'] },
      { conditions: [condition], brokers: ['a:1'] },
      { conditions: [condition], brokers: ['a:1', 'b:1'], extra: null },
      { conditions: [condition], brokers: ['a:1', 'b:1'], nested: {} },
    ];
    for (const status of changes) {
      const { api, patches } = recorder();
      assert.equal(await updateStatus(api, object, stored, status), true, JSON.stringify(status));
      assert.equal(patches.length, 1);
    }
    const { api, patches } = recorder();
    const rest = { conditions: [condition], brokers: ['a:1', 'b:1'] };
    assert.equal(
      await updateStatus(api, { metadata: { ...object.metadata, generation: 4 } }, stored, rest),
      true,
    );
    assert.deepEqual(patches, [
      { metadata: { resourceVersion: '17' }, status: { ...rest, observedGeneration: 4 } },
    ]);
  });

  it('writes the first status of an object that has none', async () => {
    const { api, patches } = recorder();
    assert.equal(await updateStatus(api, object, undefined, { conditions: [] }), true);
    assert.equal(patches.length, 1);
  });
});

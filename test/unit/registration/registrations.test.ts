// ParsedRegistrations: one parse per version, shared by the reconciler and ClaimIndex, with the status read
// leniently so that an object whose status does not validate is still acted on and reported on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParsedRegistrations, type Registration } from '../../../src/registration/registrations.js';
import type { KubeObject, ObjectEvent } from '../../../src/runtime/index.js';
import { minimalManifest } from '../api/fixtures/manifests.js';

function source() {
  const objects = new Map<string, KubeObject>();
  let emit: (event: ObjectEvent<KubeObject>) => void = () => undefined;
  const parsed = new ParsedRegistrations({
    get: (key) => objects.get(key),
    list: () => [...objects.values()],
    subscribe: (handler) => ((emit = handler), () => undefined),
  });
  const heard: ObjectEvent<Registration>[] = [];
  parsed.subscribe((event) => heard.push(event));
  return {
    parsed,
    heard,
    /** Stores `object` at `resourceVersion` and tells the subscribers, as the informer does. */
    store: (
      object: KubeObject,
      resourceVersion: string,
      type: ObjectEvent<KubeObject>['type'] = 'updated',
    ) => {
      const stored = { ...object, metadata: { ...object.metadata, resourceVersion } };
      if (type === 'deleted') objects.delete(stored.metadata.name);
      else objects.set(stored.metadata.name, stored);
      emit({ type, object: stored });
      return stored;
    },
  };
}

const manifest = (status?: unknown) =>
  ({ ...minimalManifest('one'), ...(status === undefined ? {} : { status }) }) as unknown as KubeObject;

test('each version is parsed once: subscribers and readers share the parse until the resourceVersion moves', () => {
  const { parsed, heard, store } = source();
  store(manifest(), '1', 'added');
  const first = heard.at(-1)?.object;
  assert.ok(first?.parsed.ok);
  assert.equal(parsed.get('one'), first, 'the reader gets the parse the subscribers heard');
  assert.deepEqual(parsed.list(), [first]);
  store(manifest(), '1', 'resync');
  assert.equal(heard.at(-1)?.object, first, 'a resync of the same version is not parsed again');
  store(manifest({ observedGeneration: 1 }), '2');
  const second = parsed.get('one');
  assert.notEqual(second, first);
  assert.deepEqual(second?.status, { observedGeneration: 1 });
  store(manifest(), '3', 'deleted');
  assert.equal(heard.at(-1)?.type, 'deleted');
  assert.equal(parsed.get('one'), undefined);
});

test('a status that does not validate is read as empty, for a valid spec and for an invalid one', () => {
  const { parsed, store } = source();
  const badStatus = { conditions: [{ type: 'Ready', status: 'Maybe' }] };
  store(manifest(badStatus), '1', 'added');
  const valid = parsed.get('one');
  assert.ok(valid?.parsed.ok);
  assert.equal(valid.status, undefined);
  const invalid = manifest({ observedGeneration: 4 }) as KubeObject & { spec: Record<string, unknown> };
  invalid.spec = { ...invalid.spec, suspend: 'yes' };
  store(invalid, '2');
  const reported = parsed.get('one');
  assert.equal(reported?.parsed.ok, false);
  assert.deepEqual(
    reported.status,
    { observedGeneration: 4 },
    'the status of an invalid object is still read',
  );
  store({ ...invalid, status: badStatus } as KubeObject, '3');
  assert.equal(parsed.get('one')?.status, undefined);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterRegistration } from '../../../src/api/index.js';
import { parseClusterRegistration } from '../../../src/api/index.js';
import { ClaimIndex, desiredPlace, samePlace } from '../../../src/registration/claims.js';
import { ParsedRegistrations } from '../../../src/registration/registrations.js';
import type { KubeObject, ObjectEvent } from '../../../src/runtime/index.js';

function object(
  name: string,
  clientId: string,
  createdAt: string,
  extra: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: 'registry.kgroot.io/v1alpha1',
    kind: 'ClusterRegistration',
    metadata: { name, creationTimestamp: createdAt, ...extra } as KubeObject['metadata'],
    spec: { clientId, kafka: { brokers: ['Kafka-1:9092', 'kafka-2:9092'] } },
  } as KubeObject;
}

function parsed(raw: KubeObject): ClusterRegistration {
  const result = parseClusterRegistration(raw);
  assert.ok(result.ok);
  return result.value;
}

function index() {
  let emit: (event: ObjectEvent<KubeObject>) => void = () => undefined;
  const claims = new ClaimIndex(
    new ParsedRegistrations({
      get: () => undefined,
      list: () => [],
      subscribe: (h) => ((emit = h), () => undefined),
    }),
  );
  const enqueued: string[] = [];
  claims.subscribe((key) => enqueued.push(key));
  return {
    claims,
    emit: (event: ObjectEvent<KubeObject>) => {
      emit(event);
    },
    enqueued,
  };
}

test('the older claimant holds the clientId; the newer yields; a deleting one yields to any live one', () => {
  const { claims, emit, enqueued } = index();
  const a = object('a', 'acme', '2026-01-01T00:00:00Z');
  const b = object('b', 'acme', '2026-01-02T00:00:00Z');
  emit({ type: 'added', object: a });
  emit({ type: 'added', object: b });
  assert.deepEqual(enqueued, ['a'], 'adding b re-runs a, which shares its clientId');
  const place = desiredPlace(parsed(a).spec);
  assert.equal(claims.holderOtherThan(parsed(a), place), undefined);
  assert.equal(claims.holderOtherThan(parsed(b), place), 'a');
  assert.equal(claims.holderOtherThan(parsed(a), place, { yieldToYounger: true }), 'b');
  const deletingA = object('a', 'acme', '2026-01-01T00:00:00Z', {
    deletionTimestamp: '2026-01-03T00:00:00Z',
  });
  emit({ type: 'updated', object: deletingA });
  assert.equal(claims.holderOtherThan(parsed(b), place), undefined, 'a deleting object holds nothing');
  assert.equal(claims.holderOtherThan(parsed(deletingA), place), 'b');
  emit({ type: 'deleted', object: b });
  assert.equal(claims.holderOtherThan(parsed(deletingA), place), undefined);
});

test("a sharer re-runs when an object's claim changes, not when only its status does", () => {
  const { emit, enqueued } = index();
  const a = object('a', 'acme', '2026-01-01T00:00:00Z');
  emit({ type: 'added', object: a });
  emit({ type: 'added', object: object('b', 'acme', '2026-01-02T00:00:00Z') });
  enqueued.length = 0;
  emit({
    type: 'updated',
    object: { ...a, metadata: { ...a.metadata, resourceVersion: '2' }, status: {} } as KubeObject,
  });
  assert.deepEqual(enqueued, [], 'a status write leaves the claim and its sharers alone');
  emit({ type: 'updated', object: object('a', 'other', '2026-01-01T00:00:00Z') });
  assert.deepEqual(enqueued, ['b'], 'a leaves the clientId b shares');
});

test('one place: same topic on broker lists that share a broker, whatever the order or case', () => {
  const place = desiredPlace(parsed(object('a', 'acme', 'x')).spec);
  assert.deepEqual(place.brokers, ['kafka-1:9092', 'kafka-2:9092']);
  assert.ok(samePlace(place, { brokers: ['kafka-2:9092', 'kafka-3:9092'], topic: 'cluster.registry' }));
  assert.ok(!samePlace(place, { brokers: ['kafka-3:9092'], topic: 'cluster.registry' }));
  assert.ok(!samePlace(place, { brokers: ['kafka-1:9092'], topic: 'other' }));
});

test('the objects a Secret concerns: those whose spec.kafka names it, followed through updates and deletes', () => {
  const { claims, emit } = index();
  const withSasl = (name: string, secret: string): KubeObject => {
    const raw = object(name, name, '2026-01-01T00:00:00Z') as KubeObject & {
      spec: { kafka: Record<string, unknown> };
    };
    raw.spec.kafka.sasl = {
      mechanism: 'scram-sha-512',
      secretRef: { name: secret, usernameKey: 'username', passwordKey: 'password' },
    };
    return raw;
  };
  emit({ type: 'added', object: withSasl('a', 'creds') });
  emit({ type: 'added', object: withSasl('b', 'creds') });
  emit({ type: 'added', object: object('c', 'c', '2026-01-01T00:00:00Z') });
  emit({ type: 'added', object: { ...withSasl('bad', 'creds'), spec: { clientId: 'bad' } } as KubeObject });
  assert.deepEqual(claims.usingSecret('creds').sort(), ['a', 'b'], 'an invalid spec names no Secret');
  emit({ type: 'updated', object: withSasl('b', 'other') });
  assert.deepEqual(claims.usingSecret('creds'), ['a']);
  assert.deepEqual(claims.usingSecret('other'), ['b']);
  emit({ type: 'deleted', object: withSasl('a', 'creds') });
  assert.deepEqual(claims.usingSecret('creds'), []);
});

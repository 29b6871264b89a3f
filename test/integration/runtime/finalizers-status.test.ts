import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { findCondition, setCondition, type Condition } from '../../../src/runtime/conditions.js';
import { EventRecorder, apiEventSink } from '../../../src/runtime/events.js';
import { ensureFinalizer, removeFinalizer } from '../../../src/runtime/finalizers.js';
import { isApiError } from '../../../src/runtime/kube/client.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { ResourceApi } from '../../../src/runtime/kube/resource-api.js';
import { patchStatus } from '../../../src/runtime/status.js';
import { RuntimeMetrics } from '../../../src/observability/metrics.js';
import { client, must, testCrd, testLogger } from './fixtures/cluster.js';

interface Widget extends KubeObject {
  spec?: { size?: number };
  status?: { conditions?: Condition[]; observedGeneration?: number };
}

const ours = 'runtime-test.kgroot.io/cleanup';
const theirs = 'other.example.com/keep';

test("finalizers are added and removed by tested JSON patches that leave other controllers' alone", async (t) => {
  const { type } = await testCrd(t);
  const api = new ResourceApi<Widget>(client(), type);
  const name = 'w1';
  const created = await api.create({
    apiVersion: `${type.group}/${type.version}`,
    kind: type.kind,
    metadata: { name, finalizers: [theirs] },
    spec: { size: 1 },
  });
  const withOurs = await ensureFinalizer(api, created, ours);
  assert.deepEqual(withOurs.metadata.finalizers, [theirs, ours]);
  assert.equal(await ensureFinalizer(api, withOurs, ours), withOurs, 'adding again sends nothing');

  // Another controller changes the list behind our back: a stale copy must not overwrite it.
  await must([
    'patch',
    type.plural,
    name,
    '--type=json',
    '-p',
    JSON.stringify([{ op: 'remove', path: '/metadata/finalizers/0' }]),
  ]);
  await assert.rejects(removeFinalizer(api, withOurs, ours), (error: unknown) => isApiError(error, 422));
  const fresh = await api.get({ name });
  assert.ok(fresh !== undefined);
  assert.deepEqual(fresh.metadata.finalizers, [ours]);
  const without = await removeFinalizer(api, fresh, ours);
  assert.equal(without.metadata.finalizers, undefined);
  await must(['delete', type.plural, name]);
});

test('status goes through the subresource with observedGeneration, and conditions keep their transition time', async (t) => {
  const { type } = await testCrd(t);
  const api = new ResourceApi<Widget>(client(), type);
  const widget = await api.create({
    apiVersion: `${type.group}/${type.version}`,
    kind: type.kind,
    metadata: { name: 'w2' },
    spec: { size: 1 },
  });
  const pending = setCondition(
    undefined,
    { type: 'Ready', status: 'False', reason: 'Pending', message: '' },
    new Date(),
  );
  const first = await patchStatus(api, widget, { conditions: pending });
  assert.equal(first.status?.observedGeneration, widget.metadata.generation);
  const firstTransition = findCondition(first.status?.conditions, 'Ready')?.lastTransitionTime;

  await delay(1_100);
  const stillPending = setCondition(
    first.status?.conditions,
    { type: 'Ready', status: 'False', reason: 'StillPending', message: 'waiting' },
    new Date(),
  );
  const second = await patchStatus(api, first, { conditions: stillPending });
  assert.equal(findCondition(second.status?.conditions, 'Ready')?.reason, 'StillPending');
  assert.equal(findCondition(second.status?.conditions, 'Ready')?.lastTransitionTime, firstTransition);

  const ready = setCondition(
    second.status?.conditions,
    { type: 'Ready', status: 'True', reason: 'Done', message: '' },
    new Date(),
  );
  const third = await patchStatus(api, second, { conditions: ready });
  assert.notEqual(findCondition(third.status?.conditions, 'Ready')?.lastTransitionTime, firstTransition);
  assert.deepEqual(third.spec, { size: 1 }, 'the status subresource leaves the spec alone');

  // Computed from a stale copy: refused, so that a condition is never judged against an old status.
  await assert.rejects(patchStatus(api, first, { conditions: pending }), (error: unknown) =>
    isApiError(error, 409),
  );
  await must(['delete', type.plural, 'w2']);
});

test('events are posted for an object, and repeats become one event with a count', async (t) => {
  const { type } = await testCrd(t);
  const api = new ResourceApi<Widget>(client(), type);
  const widget = await api.create({
    apiVersion: `${type.group}/${type.version}`,
    kind: type.kind,
    metadata: { name: 'w3' },
  });
  const recorder = new EventRecorder(
    { controller: 'runtime-test.kgroot.io/controller', instance: 'test', flushIntervalMs: 200 },
    { sink: apiEventSink(client()), logger: testLogger(t), metrics: new RuntimeMetrics() },
  );
  const input = {
    type: 'Warning',
    reason: 'BrokerDown',
    action: 'Register',
    note: 'kafka unreachable',
  } as const;
  for (let i = 0; i < 50; i += 1) {
    recorder.event(widget, input);
    await delay(10);
  }
  await delay(500);
  await recorder.close();
  const listed = JSON.parse(
    await must([
      'get',
      'events.events.k8s.io',
      '-n',
      'default',
      '--field-selector',
      `regarding.name=w3,regarding.kind=${type.kind}`,
      '-o',
      'json',
    ]),
  ) as { items: { reason: string; note: string; series?: { count: number } }[] };
  assert.equal(listed.items.length, 1);
  const [event] = listed.items;
  assert.ok(event !== undefined);
  assert.equal(event.reason, 'BrokerDown');
  assert.equal(event.series?.count, 50);
  await must(['delete', type.plural, 'w3']);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Informer } from '../../../src/runtime/informer/informer.js';
import type { ObjectEvent } from '../../../src/runtime/informer/store.js';
import { RuntimeMetrics } from '../../../src/observability/metrics.js';
import {
  client,
  configMap,
  configMapType,
  eventually,
  must,
  testLogger,
  testNamespace,
  untilEnd,
  type ConfigMap,
} from './fixtures/cluster.js';

test('creates, updates and deletes are all seen, and the cache follows them', async (t) => {
  const namespace = await testNamespace(t);
  await must(['apply', '-f', '-'], { stdin: configMap(namespace, 'before', { v: '0' }) });
  const informer = new Informer<ConfigMap>(
    { type: configMapType, namespace },
    { client: client(), logger: testLogger(t), metrics: new RuntimeMetrics() },
  );
  const seen: string[] = [];
  informer.subscribe((event: ObjectEvent<ConfigMap>) => {
    seen.push(`${event.type} ${event.object.metadata.name} ${event.object.data?.v ?? ''}`);
  });
  const running = informer.run(untilEnd(t));
  assert.equal(informer.isReady(), false);
  await eventually('the first sync', () => informer.hasSynced());
  assert.equal(informer.isReady(), true);
  assert.equal(informer.get(`${namespace}/before`)?.data?.v, '0');
  assert.equal(informer.get(`${namespace}/before`)?.kind, 'ConfigMap', 'list items get their kind');

  await must(['apply', '-f', '-'], { stdin: configMap(namespace, 'cm', { v: '1' }) });
  await must(['apply', '-f', '-'], { stdin: configMap(namespace, 'cm', { v: '2' }) });
  await must(['delete', 'configmap', 'cm', '-n', namespace]);
  await eventually('the delete', () => seen.includes(`deleted cm 2`));
  assert.deepEqual(seen, ['added before 0', 'added cm 1', 'updated cm 2', 'deleted cm 2']);
  assert.equal(informer.get(`${namespace}/cm`), undefined);
  assert.deepEqual(
    informer.list().map((object) => object.metadata.name),
    ['before'],
  );
  t.after(() => running);
});

// managedFields are server-side apply's bookkeeping, often larger than the object itself; no reconciler reads
// them, so the cache leaves them out (controller-runtime's TransformStripManagedFields), listed or watched.
test('the cache leaves out managedFields, which the API server keeps', async (t) => {
  const namespace = await testNamespace(t);
  await must(['apply', '-f', '-'], { stdin: configMap(namespace, 'listed', { v: '1' }) });
  const informer = new Informer<ConfigMap>(
    { type: configMapType, namespace },
    { client: client(), logger: testLogger(t), metrics: new RuntimeMetrics() },
  );
  const running = informer.run(untilEnd(t));
  t.after(() => running);
  await eventually('the first sync', () => informer.hasSynced());
  await must(['apply', '-f', '-'], { stdin: configMap(namespace, 'watched', { v: '1' }) });
  await eventually('the watched object', () => informer.get(`${namespace}/watched`) !== undefined);
  for (const name of ['listed', 'watched']) {
    const stored = JSON.parse(
      await must(['get', 'configmap', name, '-n', namespace, '-o', 'json', '--show-managed-fields']),
    ) as { metadata: Record<string, unknown> };
    assert.ok(Array.isArray(stored.metadata.managedFields), `the API server keeps ${name}'s managedFields`);
    const cached = informer.get(`${namespace}/${name}`);
    assert.ok(cached !== undefined);
    assert.equal(cached.data?.v, '1');
    assert.equal('managedFields' in cached.metadata, false, `${name} is cached without managedFields`);
  }
});

test('a label selector limits the cache to matching objects', async (t) => {
  const namespace = await testNamespace(t);
  const informer = new Informer<ConfigMap>(
    { type: configMapType, namespace, labelSelector: 'app=mine' },
    { client: client(), logger: testLogger(t), metrics: new RuntimeMetrics() },
  );
  const running = informer.run(untilEnd(t));
  await eventually('the first sync', () => informer.hasSynced());
  await must(['create', 'configmap', 'theirs', '-n', namespace]);
  await must(['create', 'configmap', 'mine', '-n', namespace]);
  await must(['label', 'configmap', 'mine', 'app=mine', '-n', namespace]);
  await eventually('the labelled object', () => informer.get(`${namespace}/mine`) !== undefined);
  assert.equal(informer.get(`${namespace}/theirs`), undefined);
  t.after(() => running);
});

test('a periodic resync relists and hands every cached object to subscribers again', async (t) => {
  const namespace = await testNamespace(t);
  await must(['apply', '-f', '-'], { stdin: configMap(namespace, 'steady', { v: '1' }) });
  const metrics = new RuntimeMetrics();
  const informer = new Informer<ConfigMap>(
    { type: configMapType, namespace, resyncPeriodMs: 1_000 },
    { client: client(), logger: testLogger(t), metrics },
  );
  let resyncs = 0;
  informer.subscribe((event) => {
    if (event.type === 'resync' && event.object.metadata.name === 'steady') resyncs += 1;
  });
  const running = informer.run(untilEnd(t));
  t.after(() => running);
  await eventually('two resyncs', () => resyncs >= 2);
  const relists = (await metrics.informerRelists.get()).values.find(
    (value) => value.labels.reason === 'resync',
  );
  assert.ok((relists?.value ?? 0) >= 2);
  assert.equal(informer.isReady(), true);
});

test('the inactivity watchdog reopens a silent watch, which then still delivers', async (t) => {
  const namespace = await testNamespace(t);
  const metrics = new RuntimeMetrics();
  // Far shorter than the API server's bookmark interval, so the quiet namespace looks like a dead stream.
  const informer = new Informer<ConfigMap>(
    { type: configMapType, namespace, inactivityTimeoutMs: 1_000 },
    { client: client(), logger: testLogger(t), metrics },
  );
  const running = informer.run(untilEnd(t));
  t.after(() => running);
  const stalls = async () =>
    (await metrics.informerWatchRestarts.get()).values.find((value) => value.labels.reason === 'stalled')
      ?.value ?? 0;
  await eventually('two stalls', async () => (await stalls()) >= 2);
  await must(['apply', '-f', '-'], { stdin: configMap(namespace, 'after', { v: '1' }) });
  await eventually('the change after the stalls', () => informer.get(`${namespace}/after`) !== undefined);
  assert.equal(informer.isReady(), true);
});

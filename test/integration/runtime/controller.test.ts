import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Reconciler, ReconcileResult } from '../../../src/runtime/controller.js';
import type { Informer } from '../../../src/runtime/informer/informer.js';
import { changedBeyondStatus } from '../../../src/runtime/informer/store.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { ResourceApi } from '../../../src/runtime/kube/resource-api.js';
import type { Manager } from '../../../src/runtime/manager.js';
import {
  configMap,
  configMapType,
  eventually,
  must,
  runUntilEnd,
  testManager,
  testCrd,
  testNamespace,
  type ConfigMap,
} from './fixtures/cluster.js';

interface Setup {
  namespace: string;
  manager: Manager;
  configMaps: Informer<ConfigMap>;
}

/** A manager over the ConfigMaps of a fresh namespace, running a controller with `reconcile` until the test ends. */
async function runController(
  t: TestContext,
  makeReconciler: (configMaps: Informer<ConfigMap>) => Reconciler,
  options: { reconcileTimeoutMs?: number } = {},
): Promise<Setup> {
  const namespace = await testNamespace(t);
  const manager = testManager(t);
  const configMaps = manager.informer<ConfigMap>({ type: configMapType, namespace });
  manager.controller({
    name: 'configmaps',
    for: configMaps,
    reconciler: makeReconciler(configMaps),
    maxConcurrentReconciles: 2,
    backoff: { initialMs: 200, maxMs: 5_000, factor: 2, jitter: 0.1 },
    ...options,
  });
  runUntilEnd(t, manager);
  await eventually('the cache to sync', () => configMaps.hasSynced());
  return { namespace, manager, configMaps };
}

async function counter(manager: Manager, result: string): Promise<number> {
  const { values } = await manager.metrics.reconcileTotal.get();
  return values.find((value) => value.labels.result === result)?.value ?? 0;
}

test('a burst of 200 updates to one key coalesces into far fewer reconciles, and the last state wins', async (t) => {
  const observed: string[] = [];
  const { namespace, manager } = await runController(t, (configMaps) => ({
    async reconcile(key): Promise<ReconcileResult> {
      observed.push(configMaps.get(key)?.data?.n ?? 'gone');
      // About what producing a record to a broker takes; the burst below arrives faster than this.
      await delay(200);
      return {};
    },
  }));
  await must(['apply', '-f', '-'], { stdin: configMap(namespace, 'burst', { n: '0' }) });
  await eventually('the first reconcile', () => observed.includes('0'));
  const api = new ResourceApi<ConfigMap>(manager.client, configMapType);
  for (let n = 1; n <= 200; n += 1) {
    await api.mergePatch({ namespace, name: 'burst' }, { data: { n: String(n) } });
  }
  await eventually('the last state to be reconciled', () => observed.at(-1) === '200');
  await delay(500);
  assert.equal(observed.at(-1), '200', 'nothing older ran after the last state');
  const runs = observed.length - 1;
  t.diagnostic(`200 updates took ${runs} reconciles`);
  assert.ok(runs < 100, `200 updates took ${runs} reconciles`);
});

test('a reconcile that throws is retried with growing delays and later succeeds', async (t) => {
  const attempts: number[] = [];
  const { namespace, manager } = await runController(t, () => ({
    reconcile(key): Promise<ReconcileResult> {
      if (!key.endsWith('/flaky')) return Promise.resolve({});
      attempts.push(Date.now());
      if (attempts.length <= 3) return Promise.reject(new Error(`attempt ${attempts.length} failed`));
      return Promise.resolve({});
    },
  }));
  await must(['apply', '-f', '-'], { stdin: configMap(namespace, 'flaky', {}) });
  await eventually('the fourth attempt', () => attempts.length >= 4);
  const gaps = attempts.slice(1, 4).map((at, i) => at - (attempts[i] ?? 0));
  assert.ok(gaps[0] !== undefined && gaps[1] !== undefined && gaps[2] !== undefined);
  assert.ok(gaps[0] < gaps[1] && gaps[1] < gaps[2], `gaps grow: ${gaps.join(', ')}`);
  assert.equal(await counter(manager, 'error'), 3);
  await eventually('the success to be counted', async () => (await counter(manager, 'success')) >= 1);
});

test('a reconcile that hangs hits its deadline and the key is retried', async (t) => {
  let attempts = 0;
  const { namespace, manager } = await runController(
    t,
    () => ({
      async reconcile(key, { signal }): Promise<ReconcileResult> {
        if (!key.endsWith('/hangs')) return {};
        attempts += 1;
        if (attempts === 1) await delay(60_000, undefined, { signal });
        return {};
      },
    }),
    { reconcileTimeoutMs: 500 },
  );
  await must(['apply', '-f', '-'], { stdin: configMap(namespace, 'hangs', {}) });
  await eventually('the retry after the deadline', () => attempts >= 2, 15_000);
  assert.equal(await counter(manager, 'error'), 1);
});

test("with changedBeyondStatus, the controller's own status writes start no run; spec, label and deletion changes do", async (t) => {
  const { type } = await testCrd(t);
  const manager = testManager(t);
  const widgets = manager.informer<KubeObject & { status?: { runs?: number } }>({ type });
  const api = new ResourceApi<KubeObject>(manager.client, type);
  let runs = 0;
  manager.controller({
    name: 'widgets',
    for: widgets,
    filter: changedBeyondStatus,
    reconciler: {
      // Writes status on every run, as a reconcile that records what it did does: without the filter, each
      // write's echo would start the next run, for ever.
      async reconcile(key): Promise<ReconcileResult> {
        const widget = widgets.get(key);
        if (widget === undefined) return {};
        runs += 1;
        await api.mergePatch(widget.metadata, { status: { runs } }, { subresource: 'status' });
        return {};
      },
    },
  });
  runUntilEnd(t, manager);
  await eventually('the cache to sync', () => widgets.hasSynced());
  const name = 'echoes';
  const widget = { apiVersion: `${type.group}/${type.version}`, kind: type.kind, metadata: { name } };
  await api.create({ ...widget, spec: { size: 1 } } as KubeObject);
  const settled = async (expected: number, what: string) => {
    await eventually(what, () => widgets.get(name)?.status?.runs === expected);
    await delay(1_000);
    assert.equal(runs, expected, `${what}: the status write's echo started no further run`);
  };
  await settled(1, 'the run on creation');
  await api.mergePatch({ name }, { spec: { size: 2 } });
  await settled(2, 'the run on a spec change');
  await api.mergePatch({ name }, { metadata: { labels: { tier: 'gold' } } });
  await settled(3, 'the run on a label change');
  await api.mergePatch(
    { name },
    { status: { runs: 3, note: 'written by someone else' } },
    { subresource: 'status' },
  );
  await delay(1_000);
  assert.equal(runs, 3, 'a status-only change starts no run');
  await api.mergePatch({ name }, { metadata: { finalizers: ['runtime-test.kgroot.io/hold'] } });
  await settled(4, 'the run on a finalizer change');
  await must(['delete', type.plural, name, '--wait=false']);
  await settled(5, 'the run on deletion');
  await api.mergePatch({ name }, { metadata: { finalizers: null } });
});

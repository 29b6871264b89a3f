// Tests that stop the API server, each against a private one so that other tests are not disturbed.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { ReconcileResult } from '../../../src/runtime/controller.js';
import type { Informer } from '../../../src/runtime/informer/informer.js';
import type { Manager } from '../../../src/runtime/manager.js';
import { startPrivateKube, type PrivateKube } from '../../support/testenv.js';
import {
  configMap,
  configMapType,
  eventually,
  must,
  runUntilEnd,
  testManager,
  testNamespace,
  type ConfigMap,
} from './fixtures/cluster.js';

interface Running {
  kube: PrivateKube;
  namespace: string;
  manager: Manager;
  configMaps: Informer<ConfigMap>;
  /** What the last reconcile of each key saw: its `v`, or 'gone'. */
  reconciled: Map<string, string>;
}

async function runAgainstPrivateKube(t: TestContext): Promise<Running> {
  const kube = await startPrivateKube(t);
  const namespace = await testNamespace(t, kube.kubeconfig);
  const manager = testManager(t, { kubeconfig: kube.kubeconfig, httpPort: 0 });
  // Short backoff caps keep the test short; the defaults (30 s) would only make it slower.
  const configMaps = manager.informer<ConfigMap>({
    type: configMapType,
    namespace,
    backoff: { initialMs: 200, maxMs: 2_000, factor: 2, jitter: 0.2 },
  });
  const reconciled = new Map<string, string>();
  manager.controller({
    name: 'configmaps',
    for: configMaps,
    reconciler: {
      reconcile(key): Promise<ReconcileResult> {
        reconciled.set(key.split('/')[1] ?? key, configMaps.get(key)?.data?.v ?? 'gone');
        return Promise.resolve({});
      },
    },
  });
  runUntilEnd(t, manager);
  await eventually('the cache to sync', () => configMaps.hasSynced());
  return { kube, namespace, manager, configMaps, reconciled };
}

async function readyz(manager: Manager): Promise<number> {
  return (await fetch(`http://127.0.0.1:${manager.httpPort ?? 0}/readyz`)).status;
}

test('kube-apiserver stopped and started mid-watch: the watch resumes and what changed gets reconciled', async (t) => {
  const { kube, namespace, manager, configMaps, reconciled } = await runAgainstPrivateKube(t);
  const apply = (name: string, v: string) =>
    must(['apply', '-f', '-'], { stdin: configMap(namespace, name, { v }), kubeconfig: kube.kubeconfig });
  await apply('kept', '1');
  await apply('removed', '1');
  await eventually(
    'the first reconciles',
    () => reconciled.get('kept') === '1' && reconciled.get('removed') === '1',
  );
  assert.equal(await readyz(manager), 200);

  await kube.stopApiServer();
  await eventually('readiness to drop while the watch fails', () => !configMaps.isReady());
  assert.equal(await readyz(manager), 503);
  await kube.startApiServer();
  await apply('kept', '2');
  await apply('added', '1');
  await must(['delete', 'configmap', 'removed', '-n', namespace], { kubeconfig: kube.kubeconfig });

  await eventually(
    'the changes made around the restart to be reconciled',
    () =>
      reconciled.get('kept') === '2' &&
      reconciled.get('added') === '1' &&
      reconciled.get('removed') === 'gone',
  );
  await eventually('readiness to come back', async () => (await readyz(manager)) === 200);
});

test('a forced 410 Gone (resourceVersion compacted away) makes the cache relist', async (t) => {
  const { kube, namespace, manager, configMaps, reconciled } = await runAgainstPrivateKube(t);
  await must(['apply', '-f', '-'], {
    stdin: configMap(namespace, 'a', { v: '1' }),
    kubeconfig: kube.kubeconfig,
  });
  await eventually('the first reconcile', () => reconciled.get('a') === '1');
  // Move etcd's revision on elsewhere, compact everything before it, and make the watch reconnect from its old
  // resourceVersion by restarting the API server (whose watch cache then starts after it).
  const other = await testNamespace(t, kube.kubeconfig);
  for (let i = 0; i < 5; i += 1) {
    await must(['create', 'configmap', `filler-${i}`, '-n', other], { kubeconfig: kube.kubeconfig });
  }
  await kube.compactEtcd();
  await kube.stopApiServer();
  await kube.startApiServer();
  await must(['apply', '-f', '-'], {
    stdin: configMap(namespace, 'a', { v: '2' }),
    kubeconfig: kube.kubeconfig,
  });

  const relists = async (reason: string) =>
    (await manager.metrics.informerRelists.get()).values.find((value) => value.labels.reason === reason)
      ?.value ?? 0;
  await eventually('a relist after 410 Gone', async () => (await relists('gone')) >= 1);
  await eventually('the change to be reconciled', () => reconciled.get('a') === '2');
  assert.equal(configMaps.get(`${namespace}/a`)?.data?.v, '2');
  assert.equal(await relists('initial'), 1);
});

// Tests that stop the API server, each against a private one so that other tests are not disturbed.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startPrivateKube, type PrivateKube } from '../../support/testenv.js';
import {
  configMap,
  disruptedConfigMaps,
  eventually,
  must,
  readyz,
  reconcileConfigMaps,
  testNamespace,
  type ConfigMapController,
} from './fixtures/cluster.js';

async function runAgainstPrivateKube(t: TestContext): Promise<ConfigMapController & { kube: PrivateKube }> {
  const kube = await startPrivateKube(t);
  return { kube, ...(await reconcileConfigMaps(t, kube.kubeconfig)) };
}

test('kube-apiserver stopped and started mid-watch: the watch resumes and what changed gets reconciled', async (t) => {
  const running = await runAgainstPrivateKube(t);
  const { kube, manager, configMaps } = running;
  const objects = disruptedConfigMaps(running, kube.kubeconfig);
  await objects.before();
  assert.equal(await readyz(manager), 200);

  await kube.stopApiServer();
  await eventually('readiness to drop while the watch fails', () => !configMaps.isReady());
  assert.equal(await readyz(manager), 503);
  await kube.startApiServer();
  await objects.change();

  await eventually('the changes made around the restart to be reconciled', objects.changesReconciled);
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

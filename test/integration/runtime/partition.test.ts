// The network between the operator and the API server fails while the API server goes on serving: whatever
// changed meanwhile is reconciled once the watch gets through again, without a restart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { requireKube } from '../../support/testenv.js';
import { proxiedKubeconfig } from '../../support/tcp-proxy.js';
import { disruptedConfigMaps, eventually, readyz, reconcileConfigMaps } from './fixtures/cluster.js';

test('changes made while the watch is cut off are reconciled once it reconnects', async (t) => {
  const direct = requireKube().kubeconfig;
  const { kubeconfig, proxy } = await proxiedKubeconfig(t, direct);
  const controller = await reconcileConfigMaps(t, kubeconfig, direct);
  const { manager, configMaps } = controller;
  const objects = disruptedConfigMaps(controller);
  await objects.before();

  proxy.cut();
  await eventually('readiness to drop while the watch cannot reconnect', () => !configMaps.isReady());
  assert.equal(await readyz(manager), 503);
  await objects.change();
  // Give a watch that had somehow survived the cut time to deliver: nothing may have arrived.
  await delay(1_000);
  assert.deepEqual(
    objects.seen(),
    ['1', undefined, '1'],
    'the changes were made while the operator could not see them',
  );

  proxy.heal();
  await eventually('the changes made during the cut to be reconciled', objects.changesReconciled);
  await eventually('readiness to come back', async () => (await readyz(manager)) === 200);
});

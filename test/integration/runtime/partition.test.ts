// The network between the operator and the API server fails while the API server goes on serving: whatever
// changed meanwhile is reconciled once the watch gets through again, without a restart.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { requireKube } from '../../support/testenv.js';
import { proxiedKubeconfig } from '../../support/tcp-proxy.js';
import { onCleanup } from '../../support/cleanup.js';
import { configMap, eventually, must, readyz, reconcileConfigMaps } from './fixtures/cluster.js';

test('changes made while the watch is cut off are reconciled once it reconnects', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'partition-'));
  onCleanup(t, () => {
    rmSync(dir, { recursive: true, force: true });
  });
  const direct = requireKube().kubeconfig;
  const { kubeconfig, proxy } = await proxiedKubeconfig(t, direct, dir);
  const { namespace, manager, configMaps, reconciled } = await reconcileConfigMaps(t, kubeconfig, direct);
  const apply = (name: string, v: string) =>
    must(['apply', '-f', '-'], { stdin: configMap(namespace, name, { v }) });
  await apply('kept', '1');
  await apply('removed', '1');
  await eventually(
    'the first reconciles',
    () => reconciled.get('kept') === '1' && reconciled.get('removed') === '1',
  );

  proxy.cut();
  await eventually('readiness to drop while the watch cannot reconnect', () => !configMaps.isReady());
  assert.equal(await readyz(manager), 503);
  await apply('kept', '2');
  await apply('added', '1');
  await must(['delete', 'configmap', 'removed', '-n', namespace]);
  // Give a watch that had somehow survived the cut time to deliver: nothing may have arrived.
  await delay(1_000);
  assert.deepEqual(
    [reconciled.get('kept'), reconciled.get('added'), reconciled.get('removed')],
    ['1', undefined, '1'],
    'the changes were made while the operator could not see them',
  );

  proxy.heal();
  await eventually(
    'the changes made during the cut to be reconciled',
    () =>
      reconciled.get('kept') === '2' &&
      reconciled.get('added') === '1' &&
      reconciled.get('removed') === 'gone',
  );
  await eventually('readiness to come back', async () => (await readyz(manager)) === 200);
});

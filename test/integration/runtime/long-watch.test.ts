// Long by nature: a watch must keep delivering well past the 30 s after which client-node 2.0.0 aborted every
// watch, and past the first minutes in which a stalled stream would show.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Informer } from '../../../src/runtime/informer/informer.js';
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

const QUIET_MS = 130_000;

test('a watch kept open for more than 2 minutes keeps delivering changes, on the same connection', async (t) => {
  const namespace = await testNamespace(t);
  const metrics = new RuntimeMetrics();
  const informer = new Informer<ConfigMap>(
    { type: configMapType, namespace },
    { client: client(), logger: testLogger(t), metrics },
  );
  const running = informer.run(untilEnd(t));
  t.after(() => running);
  await eventually('the first sync', () => informer.hasSynced());
  await must(['apply', '-f', '-'], { stdin: configMap(namespace, 'early', { v: '1' }) });
  await eventually('the early change', () => informer.get(`${namespace}/early`) !== undefined);

  await delay(QUIET_MS);
  const changedAt = Date.now();
  await must(['apply', '-f', '-'], { stdin: configMap(namespace, 'late', { v: '2' }) });
  await eventually('the late change', () => informer.get(`${namespace}/late`)?.data?.v === '2', 10_000);
  t.diagnostic(`seen ${Date.now() - changedAt} ms after the change, ${QUIET_MS / 1000} s into the watch`);

  const restarts = (await metrics.informerWatchRestarts.get()).values.reduce(
    (sum, value) => sum + value.value,
    0,
  );
  assert.equal(restarts, 0, 'the watch was never dropped and reopened');
  assert.equal(informer.isReady(), true);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { mapChanges, type ReconcileResult } from '../../../src/runtime/controller.js';
import { keyOf, type KubeObject } from '../../../src/runtime/kube/object.js';
import type { ResourceType } from '../../../src/runtime/kube/resource.js';
import { LeadershipLostError } from '../../../src/runtime/manager.js';
import { startPrivateKube, uniqueName } from '../../support/testenv.js';
import {
  configMapType,
  eventually,
  must,
  quickLease,
  runUntilEnd,
  testCrd,
  testManager,
  testNamespace,
  type ConfigMap,
} from './fixtures/cluster.js';

interface Widget extends KubeObject {
  spec?: { secretName?: string };
}

interface Secret extends KubeObject {
  data?: Record<string, string>;
}

const secretType: ResourceType = {
  group: '',
  version: 'v1',
  plural: 'secrets',
  kind: 'Secret',
  namespaced: true,
};

test('/readyz answers 503 before the first sync and 200 after', async (t) => {
  // The CRD does not exist yet, so the first list fails until it does.
  const crd = await testCrd(t, { establish: false });
  const manager = testManager(t, { httpPort: 0 });
  const widgets = manager.informer<Widget>({
    type: crd.type,
    backoff: { initialMs: 200, maxMs: 1_000, factor: 2, jitter: 0.2 },
  });
  runUntilEnd(t, manager);
  await eventually('the HTTP server', () => manager.httpPort !== undefined);
  const readyz = async () => (await fetch(`http://127.0.0.1:${manager.httpPort ?? 0}/readyz`)).status;
  const healthz = async () => (await fetch(`http://127.0.0.1:${manager.httpPort ?? 0}/healthz`)).status;
  assert.equal(await readyz(), 503);
  assert.equal(await healthz(), 200);
  await crd.create();
  await eventually('readiness after the first sync', async () => (await readyz()) === 200);
  assert.equal(widgets.hasSynced(), true);
});

test('a namespaced Secret maps to the cluster-scoped objects that use it, whose reconcile then sees it', async (t) => {
  const { type } = await testCrd(t);
  const namespace = await testNamespace(t);
  const manager = testManager(t);
  const widgets = manager.informer<Widget>({ type });
  const secrets = manager.informer<Secret>({ type: secretType, namespace });
  const seen: string[] = [];
  manager.controller({
    name: 'widgets',
    for: widgets,
    watches: [
      mapChanges(secrets, (secret) =>
        widgets
          .list()
          .filter((widget) => widget.spec?.secretName === secret.metadata.name)
          .map(keyOf),
      ),
    ],
    reconciler: {
      reconcile(key): Promise<ReconcileResult> {
        const secretName = widgets.get(key)?.spec?.secretName ?? '';
        const token = secrets.get(`${namespace}/${secretName}`)?.data?.token;
        seen.push(`${key} ${token === undefined ? 'none' : Buffer.from(token, 'base64').toString()}`);
        return Promise.resolve({});
      },
    },
  });
  runUntilEnd(t, manager);
  const widget = uniqueName('w');
  await must(['apply', '-f', '-'], {
    stdin: JSON.stringify({
      apiVersion: `${type.group}/${type.version}`,
      kind: type.kind,
      metadata: { name: widget },
      spec: { secretName: 'creds' },
    }),
  });
  await eventually('the reconcile without the secret', () => seen.includes(`${widget} none`));
  await must(['create', 'secret', 'generic', 'creds', '-n', namespace, '--from-literal=token=one']);
  await eventually('the reconcile after the secret appears', () => seen.includes(`${widget} one`));
  await must(['delete', type.plural, widget]);
});

test('graceful stop lets the reconcile in flight finish, then releases the lease', async (t) => {
  const namespace = await testNamespace(t);
  const lease = uniqueName('lease');
  const manager = testManager(t, {
    gracefulShutdownTimeoutMs: 10_000,
    leaderElection: { namespace, name: lease, ...quickLease },
  });
  const configMaps = manager.informer<ConfigMap>({ type: configMapType, namespace });
  let started = false;
  let finished = false;
  manager.controller({
    name: 'slow',
    for: configMaps,
    reconciler: {
      async reconcile(): Promise<ReconcileResult> {
        started = true;
        await delay(1_500);
        finished = true;
        return {};
      },
    },
  });
  const running = manager.run();
  await must(['create', 'configmap', 'slow', '-n', namespace]);
  await eventually('the reconcile to start', () => started);
  manager.stop();
  await running;
  assert.equal(finished, true);
  const holder = await must([
    'get',
    'lease',
    lease,
    '-n',
    namespace,
    '-o',
    'jsonpath={.spec.holderIdentity}',
  ]);
  assert.equal(holder, '', 'the lease is released');
});

test('a lost lease aborts every reconcile at once and run() rejects', async (t) => {
  const kube = await startPrivateKube(t);
  const namespace = await testNamespace(t, kube.kubeconfig);
  const manager = testManager(t, {
    kubeconfig: kube.kubeconfig,
    gracefulShutdownTimeoutMs: 60_000,
    leaderElection: { namespace, name: 'lease', ...quickLease },
  });
  const configMaps = manager.informer<ConfigMap>({ type: configMapType, namespace });
  let aborted: number | undefined;
  manager.controller({
    name: 'forever',
    for: configMaps,
    reconcileTimeoutMs: 600_000,
    reconciler: {
      async reconcile(_key, { signal }): Promise<ReconcileResult> {
        await new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = Date.now();
            resolve();
          });
        });
        return {};
      },
    },
  });
  const running = manager.run();
  const outcome = running.then(
    () => 'resolved',
    (error: unknown) => error,
  );
  await must(['create', 'configmap', 'busy', '-n', namespace], { kubeconfig: kube.kubeconfig });
  await eventually('leadership', async () => {
    const { values } = await manager.metrics.leaderElectionMasterStatus.get();
    return values[0]?.value === 1 && (await manager.metrics.activeWorkers.get()).values[0]?.value === 1;
  });
  const stoppedAt = Date.now();
  await kube.stopApiServer();
  const result = await outcome;
  assert.ok(result instanceof LeadershipLostError, String(result));
  assert.ok(aborted !== undefined);
  // Lost within the renew deadline of the last renewal (a retry before the outage at most), plus slack for a
  // busy machine: long before the 60 s graceful timeout could matter.
  const bound = quickLease.renewDeadlineMs + quickLease.retryPeriodMs + 3_000;
  assert.ok(aborted - stoppedAt <= bound, `aborted ${aborted - stoppedAt} ms after the outage`);
});

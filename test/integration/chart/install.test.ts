// The chart against the real API server: `helm install`, what the operator's ServiceAccount may and may not do
// (asked with its own token), and that `helm uninstall --no-hooks` leaves no cluster-wide object. No kubelet runs
// here; the chart's pods, the hook Job's and its rights included, run on the node in test/cluster.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { installCrd } from '../api/support.js';
import { helm, kubectl, uniqueName } from '../../support/testenv.js';
import {
  assertRights,
  chartDir,
  createRestrictedNamespace,
  serviceAccountKubeconfig,
  type Question,
} from './support.js';

const RESOURCE = 'clusterregistrations.registry.kgroot.io';

test('helm install, and least-privilege rights checked with the ServiceAccount token', async (t) => {
  await installCrd();
  const release = uniqueName('cro');
  const namespace = uniqueName('cro-ns');
  const fullname = `${release}-cluster-registry-operator`;
  const clientId = uniqueName('chart-test');
  await createRestrictedNamespace(t, namespace);
  t.after(async () => {
    await helm(['uninstall', release, '-n', namespace, '--no-hooks', '--ignore-not-found']);
    await kubectl(['delete', RESOURCE, clientId, '--ignore-not-found', '--wait=false']);
  });
  // Orphan: should an operator of another test be running, it lets the object go without a broker.
  const values = [
    'image.tag=test',
    'replicaCount=2',
    'podDisruptionBudget.enabled=true',
    `registration.clientId=${clientId}`,
    'registration.kafka.brokers={127.0.0.1:1}',
    'registration.deletionPolicy=Orphan',
  ].flatMap((value) => ['--set', value]);

  const installed = await helm(['install', release, chartDir, '-n', namespace, ...values]);
  assert.equal(installed.code, 0, installed.stderr);
  assert.doesNotMatch(installed.stderr, /violate PodSecurity/, 'the Deployment meets the restricted profile');
  assert.match(installed.stdout, /kubectl get clusterregistrations/, 'NOTES say where to look');
  const registration = await kubectl(['get', RESOURCE, clientId, '-o', 'jsonpath={.metadata.labels}']);
  assert.equal(registration.code, 0, registration.stderr);
  assert.match(registration.stdout, new RegExp(`"app.kubernetes.io/instance":"${release}"`));

  await t.test('the operator ServiceAccount can do what the operator does, and nothing else', async () => {
    const kubeconfig = await serviceAccountKubeconfig(namespace, fullname);
    const allowed: Question[] = [
      ...['get', 'list', 'watch', 'patch', 'update'].map((verb): Question => [verb, RESOURCE]),
      ['update', RESOURCE, undefined, '--subresource=finalizers'],
      ['patch', RESOURCE, undefined, '--subresource=status'],
      ['update', RESOURCE, undefined, '--subresource=status'],
      ['get', 'namespaces/kube-system'],
      ['list', 'nodes'],
      ['create', 'events.events.k8s.io', 'default'],
      ['patch', 'events.events.k8s.io', 'default'],
      ...['get', 'list', 'watch'].map((verb): Question => [verb, 'secrets', namespace]),
      ['create', 'leases.coordination.k8s.io', namespace],
      ['get', `leases.coordination.k8s.io/${fullname}`, namespace],
      ['update', `leases.coordination.k8s.io/${fullname}`, namespace],
      ['watch', `leases.coordination.k8s.io/${fullname}`, namespace],
    ];
    const denied: Question[] = [
      ['get', 'secrets', 'default'],
      ['get', 'secrets', 'kube-system'],
      ['list', 'secrets', undefined, '--all-namespaces'],
      ['create', 'secrets', namespace],
      ['update', 'secrets', namespace],
      ['delete', RESOURCE],
      ['create', RESOURCE],
      ['delete', 'namespaces'],
      ['list', 'namespaces'],
      ['get', 'namespaces/default'],
      ['get', 'nodes'],
      ['watch', 'nodes'],
      ['create', 'pods', namespace],
      ['create', 'events', 'default'],
      ['delete', 'events.events.k8s.io', 'default'],
      ['list', 'leases.coordination.k8s.io', namespace],
      ['watch', 'leases.coordination.k8s.io', namespace],
      ['update', 'leases.coordination.k8s.io/someone-else', namespace],
      ['create', 'leases.coordination.k8s.io', 'default'],
      ['create', 'customresourcedefinitions.apiextensions.k8s.io'],
      ['create', 'clusterroles.rbac.authorization.k8s.io'],
    ];
    await assertRights(kubeconfig, allowed, denied);
  });

  await t.test('helm uninstall --no-hooks leaves no cluster-wide object', async () => {
    const uninstalled = await helm(['uninstall', release, '-n', namespace, '--no-hooks']);
    assert.equal(uninstalled.code, 0, uninstalled.stderr);
    const leftovers = await kubectl([
      'get',
      'clusterrole,clusterrolebinding',
      '-l',
      `app.kubernetes.io/instance=${release}`,
      '-o',
      'name',
    ]);
    assert.equal(leftovers.stdout.trim(), '', 'cluster-scoped objects left behind');
  });
});

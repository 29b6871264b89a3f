import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { waitForCondition } from '../../../hack/testenv/wait-condition.js';
import { kubectl, requireKube, uniqueName } from '../../support/testenv.js';

test('a ConfigMap applied with kubectl reads back through @kubernetes/client-node', async () => {
  const name = uniqueName('testenv-cm');
  const manifest = JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default' },
    data: { greeting: 'hello' },
  });
  const applied = await kubectl(['apply', '-f', '-'], { stdin: manifest });
  assert.equal(applied.code, 0, applied.stderr);

  const kc = new KubeConfig();
  kc.loadFromFile(requireKube().kubeconfig);
  const cm = await kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name, namespace: 'default' });
  assert.deepEqual(cm.data, { greeting: 'hello' });
  await kubectl(['delete', 'configmap', name, '-n', 'default']);
});

test('a CustomResourceDefinition becomes Established', async () => {
  const group = `${uniqueName('g')}.testenv.example.com`;
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${group}` },
    spec: {
      group,
      scope: 'Cluster',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object' } } } },
        },
      ],
    },
  };
  const created = await kubectl(['apply', '-f', '-'], { stdin: JSON.stringify(crd) });
  assert.equal(created.code, 0, created.stderr);
  const waited = await waitForCondition(kubectl, `crd/widgets.${group}`, 'Established', 30_000);
  assert.equal(waited.code, 0, waited.stderr);
  assert.match(waited.stdout, /condition met/);
  await kubectl(['delete', 'crd', `widgets.${group}`]);
});

test('RBAC denies a user without rights', async () => {
  const unprivileged = process.env.TESTENV_UNPRIVILEGED_KUBECONFIG;
  assert.ok(unprivileged, 'TESTENV_UNPRIVILEGED_KUBECONFIG is set by the local environment');
  const listed = await kubectl(['get', 'configmaps', '-n', 'default'], { kubeconfig: unprivileged });
  assert.notEqual(listed.code, 0);
  assert.match(listed.stderr, /Forbidden|forbidden/);
  assert.match(listed.stderr, /User "unprivileged"/);

  const canI = await kubectl(['auth', 'can-i', 'create', 'configmaps', '-n', 'default'], {
    kubeconfig: unprivileged,
  });
  assert.equal(canI.stdout.trim(), 'no');
  const admin = await kubectl(['auth', 'can-i', 'create', 'configmaps', '-n', 'default']);
  assert.equal(admin.stdout.trim(), 'yes');
});

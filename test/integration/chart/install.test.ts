// The chart against the real API server: `helm install` into a namespace that enforces the restricted Pod
// Security profile, what the ServiceAccount may and may not do (asked with its own token), and what
// `helm uninstall` does. No kubelet runs here, so the Deployment and the hook's Job never start a pod: the
// uninstall hook's command is tested as a process in uninstall-hook.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { installCrd } from '../api/support.js';
import { helm, kubectl, uniqueName } from '../../support/testenv.js';
import {
  chartDir,
  createRestrictedNamespace,
  findManifest,
  renderChart,
  serviceAccountKubeconfig,
} from './support.js';

/** [verb, resource, namespace?, extra flags]: what `kubectl auth can-i` is asked. */
type Question = [string, string, string?, ...string[]];

async function canI(kubeconfig: string, [verb, resource, namespace, ...flags]: Question): Promise<boolean> {
  const scope = namespace === undefined ? [] : ['-n', namespace];
  const result = await kubectl(['auth', 'can-i', verb, resource, ...scope, ...flags], { kubeconfig });
  // 0 is yes, 1 is no; anything else (or a message on stderr) is a failure to ask.
  if (result.code > 1 || result.stderr.includes('error'))
    throw new Error(`can-i ${verb} ${resource}: ${result.stderr}`);
  return result.code === 0;
}

async function assertRights(kubeconfig: string, allowed: Question[], denied: Question[]): Promise<void> {
  const answers = await Promise.all([...allowed, ...denied].map((q) => canI(kubeconfig, q)));
  const wrong = [...allowed, ...denied]
    .map((question, i) => ({ question, answer: answers[i], expected: i < allowed.length }))
    .filter(({ answer, expected }) => answer !== expected)
    .map(({ question, expected }) => `${expected ? 'cannot' : 'CAN'} ${question.filter(Boolean).join(' ')}`);
  assert.deepEqual(wrong, [], 'rights differ from what the chart intends');
}

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const RESOURCE = 'clusterregistrations.registry.kgroot.io';

test('helm install, least-privilege rights checked with the ServiceAccount token, and helm uninstall running the hook', async (t) => {
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

  await t.test('the operator and hook pods pass the restricted profile at admission', async () => {
    const manifests = await renderChart(release, namespace, values);
    for (const kind of ['Deployment', 'Job']) {
      const { spec } = findManifest(manifests, kind) as unknown as { spec: { template: { spec: unknown } } };
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: uniqueName('psa') },
        spec: spec.template.spec,
      };
      const created = await kubectl(['create', '--dry-run=server', '-n', namespace, '-f', '-'], {
        stdin: JSON.stringify(pod),
      });
      assert.equal(created.code, 0, `${kind}'s pod: ${created.stderr}`);
    }
    // The control: the namespace does enforce the profile.
    const bare = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'bare' },
      spec: { containers: [{ name: 'c', image: 'x' }] },
    };
    const rejected = await kubectl(['create', '--dry-run=server', '-n', namespace, '-f', '-'], {
      stdin: JSON.stringify(bare),
    });
    assert.notEqual(rejected.code, 0);
    assert.match(rejected.stderr, /violates PodSecurity "restricted/);
  });

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
      ['update', 'leases.coordination.k8s.io/someone-else', namespace],
      ['create', 'leases.coordination.k8s.io', 'default'],
      ['create', 'customresourcedefinitions.apiextensions.k8s.io'],
      ['create', 'clusterroles.rbac.authorization.k8s.io'],
    ];
    await assertRights(kubeconfig, allowed, denied);
  });

  await t.test('helm uninstall runs the pre-delete hook with its own short-lived rights', async () => {
    // No kubelet runs the Job, so Helm gives up on it after --timeout: the hook's failure path.
    const uninstalling = helm(['uninstall', release, '-n', namespace, '--timeout=20s']);
    const hookAccount = `${fullname}-uninstall`;
    await waitFor('the hook ServiceAccount', async () => {
      const got = await kubectl(['get', 'serviceaccount', hookAccount, '-n', namespace]);
      return got.code === 0;
    });
    const kubeconfig = await serviceAccountKubeconfig(namespace, hookAccount);
    await assertRights(
      kubeconfig,
      [
        ['list', RESOURCE],
        ['delete', RESOURCE],
      ],
      [
        ['get', 'secrets', namespace],
        ['patch', RESOURCE],
        ['delete', 'namespaces'],
        ['create', 'pods', namespace],
      ],
    );
    const job = await kubectl(['get', 'job', hookAccount, '-n', namespace, '-o', 'json']);
    assert.equal(job.code, 0, job.stderr);
    const container = (
      JSON.parse(job.stdout) as {
        spec: { template: { spec: { containers: { image: string; args: string[] }[] } } };
      }
    ).spec.template.spec.containers[0];
    assert.equal(container?.image, 'ghcr.io/kgroot/cluster-registry-operator:test');
    assert.deepEqual(container.args, [
      'uninstall-hook',
      `--selector=app.kubernetes.io/instance=${release}`,
      '--timeout=4m',
    ]);

    const result = await uninstalling;
    assert.notEqual(result.code, 0, 'the hook never completed, so the release must stay');
    assert.match(result.stderr, /timed out waiting for the condition/);
    // The release and its operator stay, so the hook can run again once the cause is fixed...
    const status = await helm(['status', release, '-n', namespace]);
    assert.equal(status.code, 0, status.stderr);
    const deployment = await kubectl(['get', 'deployment', fullname, '-n', namespace]);
    assert.equal(deployment.code, 0, 'the operator was not removed before its objects');
    // ...while the hook's rights are gone already.
    const account = await kubectl(['get', 'serviceaccount', hookAccount, '-n', namespace]);
    assert.notEqual(account.code, 0, 'the hook ServiceAccount outlived the hook');
    const role = await kubectl(['get', 'clusterrole', `${fullname}-${namespace}-uninstall`]);
    assert.notEqual(role.code, 0, 'the hook ClusterRole outlived the hook');

    const forced = await helm(['uninstall', release, '-n', namespace, '--no-hooks']);
    assert.equal(forced.code, 0, forced.stderr);
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

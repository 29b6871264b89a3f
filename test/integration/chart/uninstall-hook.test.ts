// `cluster-registry-operator uninstall-hook`, the chart's pre-delete hook, run from the sources against the real
// API server, for what the hook's Job on the node (test/cluster/chart-uninstall.test.ts) does not show: its flags,
// an empty selection, and objects of other releases, which it names in a warning and leaves alone. The shared API
// server may hold other tests' objects; only the ones made here are asserted on.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { FINALIZER } from '../../../src/api/index.js';
import { parseUninstallArgs } from '../../../src/cli/uninstall.js';
import { applyJson, installCrd } from '../api/support.js';
import { kubectl, requireKube, uniqueName } from '../../support/testenv.js';
import { runCli } from './support.js';

const INSTANCE = 'app.kubernetes.io/instance';
/** Nothing listens there: an operator running meanwhile (another test's) cannot deregister these objects either. */
const DEAD_BROKER = '127.0.0.1:1';

async function createRegistration(t: TestContext, name: string, instance: string): Promise<void> {
  const applied = await applyJson({
    apiVersion: 'registry.kgroot.io/v1alpha1',
    kind: 'ClusterRegistration',
    metadata: { name, labels: { [INSTANCE]: instance }, finalizers: [FINALIZER] },
    spec: { clientId: name, kafka: { brokers: [DEAD_BROKER] } },
  });
  assert.equal(applied.code, 0, applied.stderr);
  t.after(async () => {
    await kubectl([
      'patch',
      'clusterregistration',
      name,
      '--type=merge',
      '-p',
      '{"metadata":{"finalizers":null}}',
    ]);
    await kubectl(['delete', 'clusterregistration', name, '--ignore-not-found', '--wait=false']);
  });
}

function uninstallHook(args: string[]) {
  return runCli(['uninstall-hook', ...args], { KUBECONFIG: requireKube().kubeconfig });
}

test('bad flags are usage errors that say what is wrong', () => {
  assert.throws(() => parseUninstallArgs([], {}), /--selector is required/);
  assert.throws(
    () => parseUninstallArgs(['--selector', 'a=b', '--timeout', '5x'], {}),
    /--timeout: invalid duration "5x"/,
  );
  assert.throws(() => parseUninstallArgs(['--selector', 'a=b', '--wait'], {}), /Unknown option '--wait'/);
  assert.deepEqual(parseUninstallArgs(['--selector=a=b', '--timeout=90s'], { KUBECONFIG: '/k' }), {
    kubeconfig: '/k',
    selector: 'a=b',
    timeoutMs: 90_000,
    pollIntervalMs: 1_000,
  });
});

test('objects of other releases that carry the finalizer are named in a warning and left alone', async (t) => {
  await installCrd();
  const release = uniqueName('rel');
  const ours = uniqueName('ours');
  const theirs = uniqueName('theirs');
  await createRegistration(t, ours, release);
  await createRegistration(t, theirs, uniqueName('another-release'));

  // No operator deregisters anything here: the hook times out, which is when it warns.
  const result = await uninstallHook([`--selector=${INSTANCE}=${release}`, '--timeout=5s']);
  assert.equal(result.code, 1, result.stdout + result.stderr);
  assert.match(result.stdout, new RegExp(`deleted clusterregistration/${ours}`));
  const warning =
    /warning: \d+ ClusterRegistration\(s\) not matched by (\S+) carry the finalizer (\S+): (.*?)\. Once the operator/.exec(
      result.stderr,
    );
  assert.ok(warning, result.stderr);
  assert.deepEqual(warning.slice(1, 3), [`${INSTANCE}=${release}`, FINALIZER]);
  const unmatched = (warning[3] ?? '').split(' ');
  assert.ok(unmatched.includes(theirs), warning[0]);
  assert.ok(!unmatched.includes(ours), warning[0]);
  const deletion = async (name: string) =>
    (await kubectl(['get', 'clusterregistration', name, '-o', 'jsonpath={.metadata.deletionTimestamp}']))
      .stdout;
  assert.notEqual(await deletion(ours), '', 'selected, deleted, held by the finalizer');
  assert.equal(await deletion(theirs), '', 'not selected, not deleted');
});

test('nothing selected is nothing to do', async () => {
  await installCrd();
  const result = await uninstallHook([`--selector=${INSTANCE}=${uniqueName('empty')}`, '--timeout=5s']);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /no ClusterRegistration matches .*: nothing to deregister/);
});

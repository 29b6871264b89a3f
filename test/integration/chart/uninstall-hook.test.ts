// `cluster-registry-operator uninstall-hook`, the chart's pre-delete hook, against the real API server. No
// kubelet runs the hook's Job here, so the command runs as a process; the test plays the operator's part by
// removing the finalizer itself.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FINALIZER } from '../../../src/api/index.js';
import { parseUninstallArgs } from '../../../src/cli/uninstall.js';
import { applyJson, installCrd } from '../api/support.js';
import { kubectl, requireKube, uniqueName } from '../../support/testenv.js';
import type { ExecResult } from '../../../hack/testenv/exec.js';
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
    await releaseFinalizer(name);
    await kubectl(['delete', 'clusterregistration', name, '--ignore-not-found', '--wait=false']);
  });
}

/** What the operator does once the broker acknowledged the tombstone. */
async function releaseFinalizer(name: string): Promise<void> {
  await kubectl([
    'patch',
    'clusterregistration',
    name,
    '--type=merge',
    '-p',
    '{"metadata":{"finalizers":null}}',
  ]);
}

/** Waits until the hook has deleted the object; fails at once with the hook's output should it end first. */
async function deletionStarted(name: string, hook: Promise<ExecResult>): Promise<void> {
  let ended: ExecResult | undefined;
  void hook.then((result) => (ended = result));
  // Generous: under a loaded machine (the whole suite at once) tsx alone takes seconds to start the CLI.
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const got = await kubectl([
      'get',
      'clusterregistration',
      name,
      '-o',
      'jsonpath={.metadata.deletionTimestamp}',
    ]);
    if (got.code === 0 && got.stdout !== '') return;
    if (ended !== undefined)
      throw new Error(`the hook ended before deleting ${name}:\n${ended.stdout}${ended.stderr}`);
    await sleep(200);
  }
  throw new Error(`${name} was not deleted within 120 s`);
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

test('with no operator to remove the finalizer it times out, naming the object, why, and what to do', async (t) => {
  await installCrd();
  const release = uniqueName('rel');
  const stuck = uniqueName('stuck');
  const other = uniqueName('other');
  await createRegistration(t, stuck, release);
  await createRegistration(t, other, uniqueName('another-release'));
  const status = {
    status: {
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'BrokerUnavailable',
          message: `no broker of ${DEAD_BROKER} could be reached`,
          lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        },
      ],
    },
  };
  const patched = await kubectl([
    'patch',
    'clusterregistration',
    stuck,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify(status),
  ]);
  assert.equal(patched.code, 0, patched.stderr);

  const started = Date.now();
  const result = await uninstallHook([`--selector=${INSTANCE}=${release}`, '--timeout=5s']);
  const output = result.stdout + result.stderr;
  assert.equal(result.code, 1, output);
  assert.ok(Date.now() - started < 30_000, 'bounded by --timeout');
  assert.match(result.stdout, new RegExp(`deleted clusterregistration/${stuck}`));
  assert.match(result.stderr, /timed out after 5s: 1 ClusterRegistration\(s\)/);
  // An operator of another test may have written the status meanwhile; either way it says why.
  assert.match(
    result.stderr,
    new RegExp(
      `${stuck}: deleting since .*finalizers \\[${FINALIZER}\\]; Ready=False (BrokerUnavailable|Deregistering)`,
    ),
  );
  assert.match(
    result.stderr,
    new RegExp(`kubectl annotate clusterregistration ${stuck} registry.kgroot.io/deletion-policy=Orphan`),
  );
  assert.match(result.stderr, /kubectl delete clusterregistrations --all/);
  assert.match(result.stderr, /--no-hooks/);
  // Other tests' objects on the shared API server may be listed too: ours must be, the release's must not.
  const warning =
    /warning: \d+ ClusterRegistration\(s\) not matched by (\S+) carry the finalizer (\S+): (.*?)\. Once the operator/.exec(
      result.stderr,
    );
  assert.ok(warning, result.stderr);
  assert.deepEqual(warning.slice(1, 3), [`${INSTANCE}=${release}`, FINALIZER]);
  const unmatched = (warning[3] ?? '').split(' ');
  assert.ok(unmatched.includes(other), warning[0]);
  assert.ok(!unmatched.includes(stuck), warning[0]);
  // Deleted, held by the finalizer: exactly the state a re-run picks up from.
  const got = await kubectl([
    'get',
    'clusterregistration',
    stuck,
    '-o',
    'jsonpath={.metadata.deletionTimestamp}',
  ]);
  assert.notEqual(got.stdout, '');
});

test("it exits 0 as soon as the finalizer is gone, and leaves other releases' objects alone", async (t) => {
  await installCrd();
  const release = uniqueName('rel');
  const ours = [uniqueName('ours'), uniqueName('ours')];
  const theirs = uniqueName('theirs');
  for (const name of ours) await createRegistration(t, name, release);
  await createRegistration(t, theirs, uniqueName('another-release'));

  const hook = uninstallHook([`--selector=${INSTANCE}=${release}`, '--timeout=60s']);
  for (const name of ours) {
    await deletionStarted(name, hook);
    await releaseFinalizer(name);
  }
  const result = await hook;
  assert.equal(result.code, 0, result.stdout + result.stderr);
  for (const name of ours) assert.match(result.stdout, new RegExp(`clusterregistration/${name} is gone`));
  assert.match(result.stdout, /all 2 ClusterRegistration\(s\) matching .* are deregistered and gone/);
  const survivor = await kubectl([
    'get',
    'clusterregistration',
    theirs,
    '-o',
    'jsonpath={.metadata.deletionTimestamp}',
  ]);
  assert.equal(survivor.code, 0, survivor.stderr);
  assert.equal(survivor.stdout, '', 'not selected, not deleted');
});

test('nothing selected is nothing to do', async () => {
  await installCrd();
  const result = await uninstallHook([`--selector=${INSTANCE}=${uniqueName('empty')}`, '--timeout=5s']);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /no ClusterRegistration matches .*: nothing to deregister/);
});

// `helm uninstall` on the node, where the pre-delete hook is a real Job whose pod runs the operator's image: it
// deletes the release's ClusterRegistrations and returns once the running operator has sent their tombstones,
// before Helm removes the operator; nothing is left behind. And while the broker is down, the hook fails at its
// own timeout with a log that says why and how to let go, the release and its operator stay, and once the broker
// is back a second uninstall completes.
//
// The broker is the environment's own (the pods reach only its pod listeners, forwarded on the node's link; a
// broker of the test's own would have none). This file stops and starts it through the environment's state
// directory (TESTENV_DIR), as `npm run testenv` would, and starts it again after the test even when it fails.
// That is safe because the cluster tier runs its files one at a time (hack/test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Environment } from '../../hack/testenv/environment.js';
import { KAFKA } from '../../hack/testenv/kafka.js';
import { assertRights, serviceAccountKubeconfig } from '../integration/chart/support.js';
import { onCleanup } from '../support/cleanup.js';
import { RecordTail } from '../support/kafka-records.js';
import { helm, kubectl, requireKafkaBrokers } from '../support/testenv.js';
import {
  describeRelease,
  eventually,
  installRelease,
  NO_NODE,
  nodeEnv,
  operatorPods,
  operatorSelector,
  type Release,
} from './support.js';

const node = nodeEnv();
const skip = node === undefined && NO_NODE;

const REGISTRY = 'cluster.registry';
const RESOURCE = 'clusterregistrations.registry.kgroot.io';

function uninstall(release: Release, ...flags: string[]) {
  return helm(['uninstall', release.name, '-n', release.namespace, ...flags]);
}

/** The registration record of the release's clientId, read from the topic. */
async function registered(tail: RecordTail, release: Release): Promise<void> {
  await tail.waitFor(
    'the registration',
    (r) => r.topic === REGISTRY && r.key === release.clientId && r.value !== null,
    { timeoutMs: 180_000 },
  );
}

/** Its tombstone, read by a consumer of its own (one that may have lived through an outage could be rejoining). */
async function tombstoned(
  t: Parameters<typeof RecordTail.start>[0],
  release: Release,
  timeoutMs = 60_000,
): Promise<void> {
  const tail = await RecordTail.start(t, requireKafkaBrokers(), [REGISTRY]);
  const tombstone = await tail.waitFor(
    'the tombstone',
    (r) => r.key === release.clientId && r.value === null,
    { timeoutMs },
  );
  assert.equal(tombstone.headers.registry_event, 'deregister');
}

async function names(args: string[]): Promise<string[]> {
  const got = await kubectl(['get', ...args, '-o', 'name']);
  assert.equal(got.code, 0, got.stderr);
  return got.stdout.split('\n').filter((line) => line !== '');
}

interface Event {
  involvedObject: { kind: string; name: string };
  reason: string;
  message: string;
}

/** The events of the hook Job's pods: they outlive the pods, which go with the Job once it succeeded. */
async function hookPodEvents(release: Release): Promise<Event[]> {
  const got = await kubectl(['get', 'events', '-n', release.namespace, '-o', 'json']);
  assert.equal(got.code, 0, got.stderr);
  return (JSON.parse(got.stdout) as { items: Event[] }).items.filter(
    (event) =>
      event.involvedObject.kind === 'Pod' &&
      event.involvedObject.name.startsWith(`${release.fullname}-uninstall-`),
  );
}

/** After a complete uninstall: no ClusterRegistration, pod, Job or cluster-wide object; the namespace goes too. */
async function nothingLeft(release: Release): Promise<void> {
  const instance = `app.kubernetes.io/instance=${release.name}`;
  assert.deepEqual(await names([RESOURCE, '-l', instance]), [], 'ClusterRegistrations left');
  assert.deepEqual(await names(['jobs', '-n', release.namespace]), [], 'Jobs left');
  assert.deepEqual(
    await names(['clusterroles,clusterrolebindings', '-l', instance]),
    [],
    'cluster-wide objects left',
  );
  await eventually('the operator pods ended', async () =>
    (await operatorPods(release)).length === 0 ? true : undefined,
  );
  const deleted = await kubectl(['delete', 'namespace', release.namespace, '--timeout=180s']);
  assert.equal(deleted.code, 0, `the namespace was not removed: ${deleted.stderr}`);
  const gone = await kubectl(['get', 'namespace', release.namespace]);
  assert.match(gone.stderr, /NotFound/, 'no Terminating namespace');
}

test(
  'helm uninstall: the hook Job runs the image, tombstones and removes the registration, nothing is left',
  { skip },
  async (t) => {
    if (node === undefined) return;
    const tail = await RecordTail.start(t, requireKafkaBrokers(), [REGISTRY]);
    const release = await installRelease(t, node);
    await registered(tail, release);
    // The pod ran with the rights the chart grants, and none it needs was missing.
    const logs = await kubectl(['logs', '-n', release.namespace, '-l', operatorSelector(release)]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.doesNotMatch(logs.stdout, /forbidden/i, 'the operator was denied something it needs');

    const uninstalled = await uninstall(release, '--wait', '--timeout=300s');
    assert.equal(uninstalled.code, 0, `${uninstalled.stderr}\n${await describeRelease(release)}`);
    await tombstoned(t, release);
    const gone = await kubectl(['get', RESOURCE, release.clientId]);
    assert.match(gone.stderr, /NotFound/, 'the ClusterRegistration is gone');

    const events = await hookPodEvents(release);
    const summary = events.map((e) => `${e.reason}: ${e.message}`).join('\n');
    const pulled = events.find((e) => e.reason === 'Pulled');
    assert.ok(pulled?.message.includes(`"${release.image.reference}"`), summary);
    assert.ok(
      events.some((e) => e.reason === 'Started'),
      `the hook's container started:\n${summary}`,
    );
    await nothingLeft(release);
  },
);

test(
  'helm uninstall with the broker down fails at the hook timeout, says why, keeps the release; it completes once the broker is back',
  { skip },
  async (t) => {
    if (node === undefined) return;
    const tail = await RecordTail.start(t, requireKafkaBrokers(), [REGISTRY]);
    // Short sends, so that the status says why before the hook's short timeout runs out.
    const release = await installRelease(t, node, [
      'uninstallHook.timeout=30s',
      'operator.sendTimeout=3s',
      'registration.heartbeat.interval=5s',
    ]);
    await registered(tail, release);

    const stateDir = process.env.TESTENV_DIR;
    assert.ok(stateDir !== undefined, 'TESTENV_DIR names the environment whose broker this stops');
    const env = await Environment.attach(stateDir);
    onCleanup(t, () => env.start(KAFKA));
    await env.stop(KAFKA);
    const unreachable = await kubectl([
      'wait',
      '--for=condition=Ready=False',
      `${RESOURCE}/${release.clientId}`,
      '--timeout=180s',
    ]);
    assert.equal(unreachable.code, 0, `${unreachable.stderr}\n${await describeRelease(release)}`);

    const started = Date.now();
    const uninstalling = uninstall(release, '--timeout=300s');
    // Meanwhile the hook runs with rights of its own, which may list and delete ClusterRegistrations only.
    const hookAccount = `${release.fullname}-uninstall`;
    const ns = ['-n', release.namespace];
    await eventually('the hook ServiceAccount', async () =>
      (await kubectl(['get', 'serviceaccount', hookAccount, ...ns])).code === 0 ? true : undefined,
    );
    await assertRights(
      await serviceAccountKubeconfig(release.namespace, hookAccount),
      [
        ['list', RESOURCE],
        ['delete', RESOURCE],
      ],
      [
        ['get', 'secrets', release.namespace],
        ['patch', RESOURCE],
        ['delete', 'namespaces'],
        ['create', 'pods', release.namespace],
      ],
    );
    const failed = await uninstalling;
    const seconds = (Date.now() - started) / 1000;
    assert.notEqual(failed.code, 0, 'the hook cannot complete while the broker is down');
    assert.ok(
      failed.stderr.includes(`job ${release.fullname}-uninstall failed: BackoffLimitExceeded`),
      failed.stderr,
    );
    assert.ok(seconds >= 30 && seconds < 240, `helm failed after ${String(seconds)} s, not at the hook's`);

    // The failed Job stays for its log, which names the object, why it is held, and how to let it go.
    const log = await kubectl(['logs', `job/${release.fullname}-uninstall`, '-n', release.namespace]);
    assert.equal(log.code, 0, log.stderr);
    const output = log.stdout + log.stderr;
    assert.match(output, /timed out after 30s: 1 ClusterRegistration\(s\)/);
    assert.match(output, new RegExp(`${release.clientId}: deleting since .*Ready=False`));
    assert.ok(
      output.includes(
        `kubectl annotate clusterregistration ${release.clientId} registry.kgroot.io/deletion-policy=Orphan`,
      ),
      output,
    );
    assert.match(output, /--no-hooks/);
    // The hook's rights went with it; its Job stays.
    const account = await kubectl(['get', 'serviceaccount', hookAccount, ...ns]);
    assert.notEqual(account.code, 0, 'the hook ServiceAccount outlived the hook');
    const role = await kubectl(['get', 'clusterrole', `${release.fullname}-${release.namespace}-uninstall`]);
    assert.notEqual(role.code, 0, 'the hook ClusterRole outlived the hook');

    // The release and its operator stay, so that the hook can run again.
    const status = await helm(['status', release.name, '-n', release.namespace]);
    assert.equal(status.code, 0, status.stderr);
    const pods = await operatorPods(release);
    assert.equal(pods.length, 1, `operator pods (${operatorSelector(release)})`);
    assert.equal(pods[0]?.status.phase, 'Running');
    const held = await kubectl([
      'get',
      RESOURCE,
      release.clientId,
      '-o',
      'jsonpath={.metadata.deletionTimestamp} {.metadata.finalizers}',
    ]);
    assert.equal(held.code, 0, 'the ClusterRegistration stays, held by its finalizer');
    assert.match(held.stdout, /^\S+Z .*registry\.kgroot\.io/);

    // Once the broker is back the operator sends the tombstone and lets the object go, with no one touching it
    // (its retries may have backed off to minutes meanwhile); the second uninstall then finds nothing held.
    await env.start(KAFKA);
    await tombstoned(t, release, 360_000);
    await eventually('the ClusterRegistration gone', async () =>
      /NotFound/.test((await kubectl(['get', RESOURCE, release.clientId])).stderr) ? true : undefined,
    );
    const completed = await uninstall(release, '--wait', '--timeout=300s');
    assert.equal(completed.code, 0, `${completed.stderr}\n${await describeRelease(release)}`);
    await nothingLeft(release);
  },
);

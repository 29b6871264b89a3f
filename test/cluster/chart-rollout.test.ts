// The operator's pods changing hands on the node: `helm upgrade` rolls the Deployment (the old pod gets SIGTERM,
// empties the Lease, the new one takes it and registers again), and with two replicas, deleting the leader's pod
// hands the Lease to the standby. Either way heartbeats resume within the lease duration and no tombstone is
// sent: what the control plane sees of a rollout is a fresh registration record, never a deregistration. An
// independent consumer reads both topics throughout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordTail } from '../support/kafka-records.js';
import { helm, kubectl, requireKafkaBrokers } from '../support/testenv.js';
import {
  describeRelease,
  eventually,
  installRelease,
  isReady,
  leaseHolder,
  longestGap,
  NO_NODE,
  nodeEnv,
  operatorPods,
  type LeaseHolder,
  type Release,
} from './support.js';
import { chartDir } from '../integration/chart/support.js';

const node = nodeEnv();
const skip = node === undefined && NO_NODE;

const REGISTRY = 'cluster.registry';
const HEARTBEAT = 'cluster.heartbeat';
/** The chart's default leaderElection.leaseDuration. */
const LEASE_DURATION_MS = 15_000;
/** The shortest interval the API allows: several heartbeats fit in one lease duration. */
const HEARTBEAT_VALUES = ['registration.heartbeat.interval=5s'];

async function startTail(t: Parameters<typeof RecordTail.start>[0]): Promise<RecordTail> {
  return RecordTail.start(t, requireKafkaBrokers(), [REGISTRY, HEARTBEAT]);
}

/** Registered and beating: the first registration record and a heartbeat after it. */
async function registeredAndBeating(tail: RecordTail, release: Release): Promise<void> {
  const { clientId } = release;
  const options = { timeoutMs: 180_000 };
  await tail.waitFor('the registration', (r) => r.topic === REGISTRY && r.key === clientId, options);
  await tail.waitFor('a heartbeat', (r) => r.topic === HEARTBEAT && r.key === clientId, options);
}

/** The Lease held by a pod other than `previous`, once one is. */
function newHolder(release: Release, previous: string): Promise<LeaseHolder> {
  return eventually(
    `a holder of the Lease other than ${previous}`,
    async () => {
      const holder = await leaseHolder(release);
      return holder !== undefined && holder.holderIdentity !== previous ? holder : undefined;
    },
    { describe: () => describeRelease(release) },
  );
}

/**
 * After `holder` took over: a registration sent since, heartbeats sent since (`count` of them), never a gap between
 * heartbeats longer than the lease duration, and no tombstone at any time.
 */
async function resumedWithoutTombstone(
  tail: RecordTail,
  release: Release,
  holder: LeaseHolder,
  count = 2,
): Promise<void> {
  const { clientId } = release;
  const since = (topic: string) => (r: { topic: string; key: string | null; timestamp: number }) =>
    r.topic === topic && r.key === clientId && r.timestamp >= holder.acquiredAt;
  const options = { timeoutMs: 120_000 };
  const registered = await tail.waitFor('the registration by the new leader', since(REGISTRY), options);
  assert.notEqual(registered.value, null, 'the new leader registers, it does not deregister');
  assert.equal(registered.headers.registry_event, 'register');
  await eventually(`${String(count)} heartbeats by the new leader`, () =>
    Promise.resolve(tail.of(HEARTBEAT, clientId).filter(since(HEARTBEAT)).length >= count ? true : undefined),
  );
  const gap = longestGap(tail.of(HEARTBEAT, clientId));
  assert.ok(
    gap <= LEASE_DURATION_MS,
    `heartbeats stopped for ${String(gap)} ms, longer than the lease duration`,
  );
  const tombstones = tail.of(REGISTRY, clientId).filter((r) => r.value === null);
  assert.deepEqual(tombstones, [], 'no tombstone is ever sent');
}

test(
  'helm upgrade rolls the operator: the new pod takes the Lease, registers again, heartbeats resume, no tombstone',
  { skip },
  async (t) => {
    if (node === undefined) return;
    const tail = await startTail(t);
    const release = await installRelease(t, node, HEARTBEAT_VALUES);
    await registeredAndBeating(tail, release);
    const [old] = await operatorPods(release);
    assert.ok(old !== undefined);
    const first = await eventually('the Lease held', () => leaseHolder(release));
    assert.equal(first.holderIdentity, old.metadata.name);

    const upgraded = await helm([
      'upgrade',
      release.name,
      chartDir,
      '-n',
      release.namespace,
      '--reuse-values',
      '--set',
      'operator.logLevel=debug',
      '--wait',
      '--timeout=300s',
    ]);
    assert.equal(upgraded.code, 0, `${upgraded.stderr}\n${await describeRelease(release)}`);
    const holder = await newHolder(release, old.metadata.name);
    // Only the new pod is left, it runs with the changed value, and it is the one holding the Lease.
    const [pod, ...rest] = await eventually('the old pod gone', async () => {
      const pods = await operatorPods(release);
      return pods.length === 1 ? pods : undefined;
    });
    assert.equal(rest.length, 0);
    assert.ok(pod !== undefined && pod.metadata.name !== old.metadata.name);
    assert.ok(isReady(pod));
    assert.equal(holder.holderIdentity, pod.metadata.name);
    assert.equal(holder.leaseTransitions, first.leaseTransitions + 1);
    const env = pod.spec.containers[0]?.env ?? [];
    assert.equal(env.find((e) => e.name === 'LOG_LEVEL')?.value, 'debug');

    // A rolling update: a second ReplicaSet took over, the first is scaled to zero.
    const sets = await kubectl(['get', 'replicasets', '-n', release.namespace, '-o', 'json']);
    assert.equal(sets.code, 0, sets.stderr);
    const replicas = (
      JSON.parse(sets.stdout) as { items: { metadata: { name: string }; spec: { replicas: number } }[] }
    ).items.map((set) => set.spec.replicas);
    assert.deepEqual(replicas.sort(), [0, 1]);

    await resumedWithoutTombstone(tail, release, holder);
  },
);

test(
  'replicaCount 2: deleting the leader pod hands the Lease to the standby within the lease duration',
  { skip },
  async (t) => {
    if (node === undefined) return;
    const tail = await startTail(t);
    const release = await installRelease(t, node, [...HEARTBEAT_VALUES, 'replicaCount=2']);
    await registeredAndBeating(tail, release);
    const pods = await operatorPods(release);
    assert.equal(pods.length, 2);
    assert.ok(pods.every(isReady), 'the standby is Ready too');
    const first = await eventually('the Lease held', () => leaseHolder(release));
    const leader = pods.find((pod) => pod.metadata.name === first.holderIdentity);
    const standby = pods.find((pod) => pod.metadata.name !== first.holderIdentity);
    assert.ok(leader !== undefined && standby !== undefined, `holder ${first.holderIdentity}`);

    const deletedAt = Date.now();
    const deleted = await kubectl([
      'delete',
      'pod',
      leader.metadata.name,
      '-n',
      release.namespace,
      '--wait=false',
    ]);
    assert.equal(deleted.code, 0, deleted.stderr);
    const holder = await newHolder(release, leader.metadata.name);
    assert.equal(holder.holderIdentity, standby.metadata.name, 'the standby, not the replacement pod');
    const handover = holder.acquiredAt - deletedAt;
    assert.ok(
      handover <= LEASE_DURATION_MS,
      `the standby took the Lease ${String(handover)} ms after the delete`,
    );
    await resumedWithoutTombstone(tail, release, holder);
    // The ReplicaSet replaces the deleted pod; the replacement stands by.
    await eventually('two Ready pods again', async () => {
      const now = await operatorPods(release);
      return now.length === 2 && now.every(isReady) ? true : undefined;
    });
    assert.equal((await leaseHolder(release))?.holderIdentity, standby.metadata.name);
  },
);

// Two real operator processes with leader election on and one ClusterRegistration: only the leader sends; SIGTERM
// hands the lease over at once and the new leader registers again; neither a graceful stop nor a SIGKILL ever
// deregisters (no tombstone, the finalizer stays); a delete with a leader running still tombstones.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { FINALIZER } from '../../src/api/index.js';
import { RecordTail, type ReadRecord } from '../support/kafka-records.js';
import { kubectl, requireKafkaBrokers, uniqueName } from '../support/testenv.js';
import { startOperator, type LogLine, type OperatorProcess } from './support/operator.js';
import {
  apply,
  at,
  getJson,
  newScope,
  observe,
  ready,
  registration,
  RESOURCE,
  until,
  type Scope,
} from './support/registrations.js';

const REGISTRY = 'cluster.registry';
const HEARTBEAT = 'cluster.heartbeat';
/** The minimum heartbeat interval; the operator spreads it by ±10%, so one sender's beats are ≥ 4.5 s apart. */
const INTERVAL = '5s';
const MIN_GAP_MS = 4_500;
/** Longer than any hand-over the test waits for after SIGTERM: a takeover sooner was a released lease. */
const LEASE_DURATION_MS = 15_000;
const WINDOW_MS = 30_000;

const becameLeader = (line: LogLine) => line.message === 'became leader';

/** A replica with leader election on (startOperator's `--leader-elect=false` is overridden: the last flag wins). */
function candidate(t: TestContext, scope: Scope, lease: string, identity: string): OperatorProcess {
  return startOperator(t, {
    ...scope,
    args: [
      '--leader-elect=true',
      '--leader-election-id',
      lease,
      '--identity',
      identity,
      '--lease-duration',
      `${LEASE_DURATION_MS / 1000}s`,
      '--renew-deadline',
      '10s',
      '--retry-period',
      '1s',
    ],
  });
}

/** Log lines of reconciles of the object: registration work, which only a leader does. */
function workOn(operator: OperatorProcess, name: string): LogLine[] {
  return operator.logs.filter((line) => line.object === name);
}

/** Waits for `operator` to log that it registered with `record`: who sent which registration. */
async function sentBy(operator: OperatorProcess, record: ReadRecord): Promise<void> {
  await operator.waitForLog(
    `registered at offset ${record.offset}`,
    (line) =>
      line.message === 'registered' &&
      line.topic === record.topic &&
      line.partition === record.partition &&
      line.offset === record.offset,
    10_000,
  );
}

async function leaseHolder(namespace: string, lease: string): Promise<string | undefined> {
  const object = await getJson('lease', lease, namespace);
  return at(object, 'spec', 'holderIdentity') as string | undefined;
}

async function waitForLeader(candidates: OperatorProcess[], timeoutMs: number): Promise<OperatorProcess> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const leaders = candidates.filter((operator) => operator.logs.some(becameLeader));
    if (leaders.length > 0) {
      assert.equal(leaders.length, 1, 'exactly one replica became leader');
      const [leader] = leaders;
      if (leader !== undefined) return leader;
    }
    if (Date.now() > deadline) assert.fail(`no replica became leader within ${timeoutMs} ms`);
    await delay(50);
  }
}

test('two replicas: only the leader sends, hand-overs re-register and never deregister, delete tombstones', async (t) => {
  const brokers = requireKafkaBrokers();
  const scope = await newScope(t, 'leader');
  const lease = uniqueName('leader-lease');
  const tail = await RecordTail.start(t, brokers, [REGISTRY, HEARTBEAT]);
  const manifest = registration(scope, { kafka: { brokers: [brokers] }, heartbeat: { interval: INTERVAL } });
  const { name } = manifest.metadata;
  const registers = (after = 0) =>
    tail.records
      .slice(after)
      .filter((r) => r.topic === REGISTRY && r.key === name && r.headers.registry_event === 'register');
  /** Waits for `count` heartbeats read after `record`. */
  const heartbeatsAfter = async (record: ReadRecord, count: number) => {
    const seen: ReadRecord[] = [];
    while (seen.length < count) {
      seen.push(
        await tail.waitFor(
          `heartbeat ${seen.length + 1} after the registration at offset ${record.offset}`,
          (r) => r.topic === HEARTBEAT && r.key === name && !seen.includes(r),
          { after: tail.records.indexOf(record) + 1, timeoutMs: 15_000 },
        ),
      );
    }
  };
  const noTombstone = async (when: string) => {
    const tombstones = tail.of(REGISTRY, name).filter((r) => r.value === null);
    assert.deepEqual(tombstones, [], `no tombstone for the key ${when}`);
    assert.ok((await observe(name)).finalizers.includes(FINALIZER), `the finalizer stays ${when}`);
  };

  // Two replicas started at once: one takes the lease, the other stays a warm standby.
  const a = candidate(t, scope, lease, `${scope.run}-a`);
  const b = candidate(t, scope, lease, `${scope.run}-b`);
  const leader = await waitForLeader([a, b], 30_000);
  const standby = leader === a ? b : a;
  const leaderId = leader === a ? `${scope.run}-a` : `${scope.run}-b`;
  const standbyId = leader === a ? `${scope.run}-b` : `${scope.run}-a`;
  await leader.waitForLog(
    'controller start',
    (line) => line.message === 'started' && line.controller !== undefined,
  );
  await standby.waitForLog('the standby listing its caches', (line) => line.message === 'listed');
  assert.equal(await leaseHolder(scope.namespace, lease), leaderId);

  await apply(manifest);
  const first = await tail.waitFor('the registration', (r) => registers().includes(r));
  await sentBy(leader, first);
  await until('Ready', name, ready('True', 'Registered'), { operator: leader });
  await heartbeatsAfter(first, 1);

  // 1. One sender: over a window, heartbeats at one replica's rate (two would send about twice as many).
  const windowStart = Date.now();
  await delay(WINDOW_MS + 2_000);
  const beats = tail
    .of(HEARTBEAT, name)
    .filter((r) => r.timestamp >= windowStart && r.timestamp <= windowStart + WINDOW_MS);
  const gaps = beats.slice(1).map((beat, i) => beat.timestamp - (beats[i]?.timestamp ?? 0));
  assert.ok(
    beats.length >= 2 && beats.length <= Math.floor(WINDOW_MS / MIN_GAP_MS) + 1,
    `${beats.length} heartbeats in ${WINDOW_MS} ms at a ${INTERVAL} interval (gaps ${gaps.join(', ')} ms)`,
  );
  assert.equal(registers().length, 1, 'one registration, from the leader');
  assert.ok(
    leader.logs.some((line) => line.message === 'registered' && line.object === name),
    'the leader logged registered',
  );
  assert.ok(workOn(leader, name).length > 0, 'the leader reconciled the object');
  assert.deepEqual(workOn(standby, name), [], 'the standby did no registration work');
  assert.ok(!standby.logs.some(becameLeader), 'the standby did not become leader');
  await noTombstone('while both replicas run');

  // 2. SIGTERM the leader: it stops its work, releases the lease, exits 0; the standby takes over at its next
  // retry (well before the lease would have expired) and registers again; heartbeats go on.
  const handOverMark = tail.records.length;
  leader.kill('SIGTERM');
  await standby.waitForLog('leadership after the SIGTERM', becameLeader, LEASE_DURATION_MS - 5_000);
  assert.equal(await leader.exited(), 0, 'a graceful stop exits 0');
  assert.ok(
    leader.logs.some((line) => line.message === 'released the lease'),
    'the old leader released the lease',
  );
  assert.equal(await leaseHolder(scope.namespace, lease), standbyId);
  const reRegistered = await tail.waitFor('the new leader’s registration', (r) =>
    registers(handOverMark).includes(r),
  );
  await sentBy(standby, reRegistered);
  await heartbeatsAfter(reRegistered, 2);
  await noTombstone('after the SIGTERM');

  // 3. SIGKILL the new leader: no release, no tombstone. Its replacement (a new process, as a restarted pod is)
  // waits out the lease, then leads and registers again.
  const killMark = tail.records.length;
  standby.kill('SIGKILL');
  await standby.exited();
  await noTombstone('after the SIGKILL');
  const restartedId = `${scope.run}-restarted`;
  const restarted = candidate(t, scope, lease, restartedId);
  await restarted.waitForLog('leadership after the SIGKILL', becameLeader, LEASE_DURATION_MS + 30_000);
  assert.equal(await leaseHolder(scope.namespace, lease), restartedId);
  const thirdRegistration = await tail.waitFor('the restarted leader’s registration', (r) =>
    registers(killMark).includes(r),
  );
  await sentBy(restarted, thirdRegistration);
  await heartbeatsAfter(thirdRegistration, 1);
  await noTombstone('after the SIGKILL and the restart');
  for (const stopped of [leader, standby]) {
    assert.ok(
      !stopped.logs.some(
        (line) => line.message === 'tombstone acknowledged' || line.message === 'finalizer removed',
      ),
      'a stopped replica never deregistered',
    );
  }

  // 4. Delete with a leader running: the tombstone arrives, then the object is gone.
  const deleteMark = tail.records.length;
  const deleted = await kubectl(['delete', RESOURCE, name, '--timeout=60s']);
  assert.equal(deleted.code, 0, deleted.stderr);
  const tombstone = await tail.waitFor(
    'the tombstone',
    (r) => r.topic === REGISTRY && r.key === name && r.value === null,
    { after: deleteMark },
  );
  assert.equal(tombstone.headers.registry_event, 'deregister');
  assert.ok(
    restarted.logs.some(
      (line) => line.message === 'tombstone acknowledged' && line.offset === tombstone.offset,
    ),
    'the leader sent the tombstone',
  );
  assert.equal(tail.of(REGISTRY, name).at(-1), tombstone, 'the latest record for the key is the tombstone');
  assert.equal((await observe(name)).exists, false, 'the object is gone');
});

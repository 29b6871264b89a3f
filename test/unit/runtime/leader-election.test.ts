import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KubeApiError } from '../../../src/runtime/kube/client.js';
import { LeaderElector, type Lease, type LeaseStore } from '../../../src/runtime/leader-election.js';
import { RuntimeMetrics } from '../../../src/observability/metrics.js';
import { FakeClock, settle } from './fake-clock.js';
import { captureLogger } from './helpers.js';

/** One Lease with optimistic concurrency, shared by the candidates of a test. */
class MemoryLeaseStore implements LeaseStore {
  lease: Lease | undefined;
  private version = 0;
  private readonly watchers = new Set<(lease: Lease | undefined) => void>();
  down = false;

  get(): Promise<Lease | undefined> {
    if (this.down) return Promise.reject(new Error('connection refused'));
    return Promise.resolve(this.lease === undefined ? undefined : structuredClone(this.lease));
  }

  create(lease: Lease): Promise<Lease> {
    if (this.lease !== undefined) return Promise.reject(new KubeApiError(409, 'AlreadyExists', 'exists'));
    return this.store(lease);
  }

  replace(lease: Lease): Promise<Lease> {
    if (this.down) return Promise.reject(new Error('connection refused'));
    if (lease.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) {
      return Promise.reject(new KubeApiError(409, 'Conflict', 'conflict'));
    }
    return this.store(lease);
  }

  /** As the API server's watch: every version after `resourceVersion`, the one stored first if it is newer. */
  watch(
    resourceVersion: string,
    signal: AbortSignal,
    onChange: (lease: Lease | undefined) => void,
  ): Promise<void> {
    if (this.down) return Promise.reject(new Error('connection refused'));
    if (this.lease !== undefined && Number(this.lease.metadata.resourceVersion) > Number(resourceVersion)) {
      onChange(structuredClone(this.lease));
    }
    return new Promise((resolve) => {
      this.watchers.add(onChange);
      signal.addEventListener(
        'abort',
        () => {
          this.watchers.delete(onChange);
          resolve();
        },
        { once: true },
      );
    });
  }

  private store(lease: Lease): Promise<Lease> {
    this.version += 1;
    this.lease = {
      ...structuredClone(lease),
      metadata: { ...lease.metadata, resourceVersion: `${this.version}` },
    };
    for (const watcher of this.watchers) watcher(structuredClone(this.lease));
    return Promise.resolve(structuredClone(this.lease));
  }
}

const timing = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

function candidate(identity: string, store: LeaseStore, clock: FakeClock) {
  const metrics = new RuntimeMetrics();
  const elector = new LeaderElector(
    { namespace: 'ops', name: 'operator', identity, ...timing },
    { store, logger: captureLogger().logger, metrics, clock, random: () => 0 },
  );
  const stop = new AbortController();
  let ledAt: number | undefined;
  const end = elector.run(stop.signal, () => {
    ledAt = clock.now();
  });
  return { elector, stop, end, metrics, ledAt: () => ledAt };
}

test('exactly one candidate leads; the other takes over within lease plus retry after the leader dies', async () => {
  const clock = new FakeClock();
  const store = new MemoryLeaseStore();
  const a = candidate('a', store, clock);
  await settle();
  const b = candidate('b', store, clock);
  await clock.advance(20_000);
  assert.equal(a.elector.isLeader(), true);
  assert.equal(b.elector.isLeader(), false);
  assert.equal(store.lease?.spec?.holderIdentity, 'a');

  // a dies without a word: it stops renewing, and nothing releases the lease.
  const diedAt = clock.now();
  a.stop.abort();
  assert.equal(await a.end, 'stopped');
  await clock.advance(30_000);
  const takeover = (b.ledAt() ?? Infinity) - diedAt;
  assert.ok(takeover <= timing.leaseDurationMs + 2 * timing.retryPeriodMs, `took over after ${takeover} ms`);
  assert.ok(takeover >= timing.leaseDurationMs - timing.retryPeriodMs, `took over after ${takeover} ms`);
  assert.equal(store.lease.spec.holderIdentity, 'b');
  assert.equal(store.lease.spec.leaseTransitions, 1);
  b.stop.abort();
  await b.end;
});

/** a leads and b stands by; after `afterMs`, a stops and releases the lease. */
async function releasedAfter(afterMs: number, store: MemoryLeaseStore, clock: FakeClock) {
  const a = candidate('a', store, clock);
  await settle();
  const b = candidate('b', store, clock);
  await clock.advance(afterMs);
  a.stop.abort();
  await a.end;
  const releasedAt = clock.now();
  await a.elector.release();
  assert.equal(store.lease?.spec?.holderIdentity, undefined);
  return { b, releasedAt };
}

test('a released lease is taken as soon as the standby sees the release, not at its next retry', async () => {
  const clock = new FakeClock();
  const store = new MemoryLeaseStore();
  // Released before the standby's first retry: it watches from its first attempt on.
  const { b, releasedAt } = await releasedAfter(1_100, store, clock);
  // A replacement starting now would race the standby at its next retry; the standby, watching, is first.
  await settle();
  assert.equal(b.ledAt(), releasedAt);
  assert.equal(store.lease?.spec?.holderIdentity, 'b');
  b.stop.abort();
  await b.end;
});

test('without a watch (refused, or the store down) a released lease is taken at the next retry', async () => {
  const clock = new FakeClock();
  const store = new MemoryLeaseStore();
  store.watch = () => Promise.reject(new KubeApiError(403, 'Forbidden', 'cannot watch leases'));
  const { b, releasedAt } = await releasedAfter(5_100, store, clock);
  await clock.advance(5_000);
  const takeover = (b.ledAt() ?? Infinity) - releasedAt;
  assert.ok(takeover > 0 && takeover <= timing.retryPeriodMs, `took over after ${takeover} ms`);
  b.stop.abort();
  await b.end;
});

test('a leader that cannot renew within the renew deadline loses, before the lease expires for others', async () => {
  const clock = new FakeClock();
  const store = new MemoryLeaseStore();
  const a = candidate('a', store, clock);
  await clock.advance(1_000);
  assert.equal(a.elector.isLeader(), true);
  const lastRenewal = clock.now();
  store.down = true;
  await clock.advance(timing.renewDeadlineMs + timing.retryPeriodMs);
  assert.equal(await a.end, 'lost');
  assert.equal(a.elector.isLeader(), false);
  const status = (await a.metrics.leaderElectionMasterStatus.get()).values[0]?.value;
  assert.equal(status, 0);
  assert.ok(clock.now() - lastRenewal < timing.leaseDurationMs);
});

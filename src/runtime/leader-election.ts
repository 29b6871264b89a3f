// Leader election on a coordination.k8s.io Lease, as client-go's leaderelection does it. A candidate takes the
// lease when it is free or when its holder has not renewed it for a whole lease duration, measured on the
// candidate's own clock from when it last saw the lease change (so clock skew between nodes does not matter).
// The leader renews every retry period; if it cannot renew within the renew deadline (shorter than the lease, so
// it stops before anyone else may start) it has lost, and says so at once. Released on shutdown, by emptying the
// holder; a standby watches the lease while it waits and takes a released one at once, before a replacement pod
// that starts meanwhile can race it (and without a watch, at its next retry instead of waiting out the lease).
import { isAborted, linkSignals } from './abort.js';
import { systemClock, sleep, type Clock } from './clock.js';
import type { Random } from './backoff.js';
import { isConflict, type KubeClient } from './kube/client.js';
import type { KubeObject } from './kube/object.js';
import { resourcePath } from './kube/resource.js';
import { ResourceApi } from './kube/resource-api.js';
import { microTime } from './kube/time.js';
import { watchOnce } from './informer/watch.js';
import type { Logger } from '../observability/logger.js';
import type { RuntimeMetrics } from '../observability/metrics.js';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

/** The lease's storage: the API server in production, a fake in unit tests. */
export interface LeaseStore {
  get(signal: AbortSignal): Promise<Lease | undefined>;
  create(lease: Lease, signal: AbortSignal): Promise<Lease>;
  /** Fails unless `lease.metadata.resourceVersion` is current. */
  replace(lease: Lease, signal: AbortSignal): Promise<Lease>;
  /**
   * Calls `onChange` with each version after `resourceVersion` (undefined once deleted) until `signal` aborts or
   * the server ends the watch, then resolves; rejects if the watch fails.
   */
  watch(
    resourceVersion: string,
    signal: AbortSignal,
    onChange: (lease: Lease | undefined) => void,
  ): Promise<void>;
}

const leaseType = {
  group: 'coordination.k8s.io',
  version: 'v1',
  plural: 'leases',
  kind: 'Lease',
  namespaced: true,
} as const;

export function apiLeaseStore(client: KubeClient, namespace: string, name: string): LeaseStore {
  const api = new ResourceApi<Lease>(client, leaseType);
  return {
    get: (signal) => api.get({ namespace, name }, signal),
    create: (lease, signal) => api.create(lease, signal),
    replace: (lease, signal) => api.replace(lease, signal),
    async watch(resourceVersion, signal, onChange) {
      const end = await watchOnce(client, {
        path: resourcePath(leaseType, { namespace }),
        resourceVersion,
        fieldSelector: `metadata.name=${name}`,
        timeoutSeconds: 300,
        connectTimeoutMs: 10_000,
        inactivityTimeoutMs: 180_000,
        signal,
        clock: systemClock,
        onConnected: () => undefined,
        onEvent: (event) => {
          if (event.type === 'BOOKMARK') return;
          onChange(event.type === 'DELETED' ? undefined : (event.object as Lease));
        },
      });
      if (end.reason === 'error') throw end.error;
      if (end.reason === 'gone' || end.reason === 'stalled') throw new Error(`lease watch ${end.reason}`);
    },
  };
}

export interface LeaderElectionOptions {
  namespace: string;
  /** The Lease's name; also labels leader_election_master_status. */
  name: string;
  /** This process; unique among candidates (pod name, or hostname and pid). */
  identity: string;
  /** How long a lease holds without renewal. Default 15 s. */
  leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before it gives up. Default 10 s. */
  renewDeadlineMs?: number;
  /** How often candidates try to acquire and the leader renews. Default 2 s. */
  retryPeriodMs?: number;
}

export interface LeaderElectorDeps {
  store: LeaseStore;
  logger: Logger;
  metrics: RuntimeMetrics;
  clock?: Clock;
  random?: Random;
}

export type ElectionEnd = 'lost' | 'stopped';

type Attempt = 'held' | 'held-by-other' | 'failed';

export class LeaderElector {
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly log: Logger;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private observed: { spec: string; at: number } | undefined;
  /** The lease's resourceVersion last seen, where a standby's watch starts. */
  private seenVersion: string | undefined;
  /** Set by the watch when the lease is free; a waiting standby then tries at once. */
  private freed = false;
  private wake: (() => void) | undefined;
  private leading = false;

  constructor(
    private readonly options: LeaderElectionOptions,
    private readonly deps: LeaderElectorDeps,
  ) {
    this.clock = deps.clock ?? systemClock;
    this.random = deps.random ?? Math.random;
    this.log = deps.logger.child({
      lease: `${options.namespace}/${options.name}`,
      identity: options.identity,
    });
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (this.renewDeadlineMs >= this.leaseDurationMs) {
      throw new Error('the renew deadline must be shorter than the lease duration');
    }
    this.setLeading(false);
  }

  isLeader(): boolean {
    return this.leading;
  }

  /**
   * Campaigns until this process leads, calls `onStartedLeading`, then renews until the lease is lost ('lost') or
   * `signal` aborts ('stopped'). Renewal goes on until then, so stop the work first and this afterwards.
   */
  async run(signal: AbortSignal, onStartedLeading: () => void): Promise<ElectionEnd> {
    this.freed = false;
    const campaignOver = new AbortController();
    const campaign = linkSignals(signal, campaignOver.signal);
    let watching: Promise<void> | undefined;
    while (!signal.aborted) {
      if ((await this.attempt(signal, this.retryPeriodMs)) === 'held') break;
      // From the version the first attempt saw.
      watching ??= this.watchForRelease(campaign.signal);
      await this.untilNextTry(signal);
    }
    campaignOver.abort();
    campaign.dispose();
    await watching;
    if (isAborted(signal)) return 'stopped';
    this.setLeading(true);
    this.log.info('became leader');
    onStartedLeading();
    let renewedAt = this.clock.now();
    for (;;) {
      const deadline = renewedAt + this.renewDeadlineMs;
      await sleep(this.clock, Math.min(this.retryPeriodMs, deadline - this.clock.now()), signal);
      if (isAborted(signal)) return 'stopped';
      const remaining = deadline - this.clock.now();
      const result = remaining > 0 ? await this.attempt(signal, remaining) : 'failed';
      if (isAborted(signal)) return 'stopped';
      if (result === 'held') {
        renewedAt = this.clock.now();
        continue;
      }
      if (result === 'held-by-other' || this.clock.now() >= deadline) {
        this.setLeading(false);
        this.log.error('lost the lease', {
          cause: result === 'held-by-other' ? 'taken over' : 'renew deadline',
        });
        return 'lost';
      }
    }
  }

  /** Empties the holder if it is us, so that a standby need not wait out the lease. Never throws. */
  async release(timeoutMs = this.renewDeadlineMs): Promise<void> {
    if (!this.leading) return;
    this.setLeading(false);
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const lease = await this.deps.store.get(signal);
      if (lease?.spec?.holderIdentity !== this.options.identity) return;
      const now = microTime(new Date(this.clock.now()));
      await this.deps.store.replace(
        {
          ...lease,
          spec: {
            leaseDurationSeconds: 1,
            acquireTime: now,
            renewTime: now,
            leaseTransitions: lease.spec.leaseTransitions ?? 0,
          },
        },
        signal,
      );
      this.log.info('released the lease');
    } catch (error) {
      this.log.warn('could not release the lease; a standby takes over when it expires', { error });
    }
  }

  /** A retry period, jittered downwards only (a takeover never waits more than one past expiry), or until freed. */
  private async untilNextTry(signal: AbortSignal): Promise<void> {
    if (this.freed) {
      this.freed = false;
      return;
    }
    const woken = new AbortController();
    const waiting = linkSignals(signal, woken.signal);
    this.wake = () => {
      woken.abort();
    };
    await sleep(this.clock, this.retryPeriodMs * (1 - 0.2 * this.random()), waiting.signal);
    this.wake = undefined;
    this.freed = false;
    waiting.dispose();
  }

  /**
   * While campaigning: watches the lease from the version last seen and wakes the campaign when it is freed. A
   * watch that fails (refused by RBAC, 410, the server away) is retried a retry period later; meanwhile the
   * campaign's own retries go on, so nothing depends on it.
   */
  private async watchForRelease(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const from = this.seenVersion;
      if (from === undefined) {
        await sleep(this.clock, this.retryPeriodMs, signal);
        continue;
      }
      try {
        await this.deps.store.watch(from, signal, (lease) => {
          this.seenVersion = lease?.metadata.resourceVersion ?? from;
          if ((lease?.spec?.holderIdentity ?? '') !== '') return;
          this.freed = true;
          this.wake?.();
        });
      } catch (error) {
        if (!isAborted(signal)) this.log.debug('lease watch failed; trying at each retry', { error });
        this.seenVersion = undefined;
        await sleep(this.clock, this.retryPeriodMs, signal);
      }
    }
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    this.deps.metrics.leaderElectionMasterStatus.set({ name: this.options.name }, leading ? 1 : 0);
  }

  private async attempt(signal: AbortSignal, timeoutMs: number): Promise<Attempt> {
    const request = linkSignals(signal, AbortSignal.timeout(Math.max(1, timeoutMs)));
    try {
      return await this.tryAcquireOrRenew(request.signal);
    } catch (error) {
      if (!signal.aborted) {
        const level = isConflict(error) ? 'debug' : 'warn';
        this.log.log(level, 'lease update failed', { error });
      }
      return 'failed';
    } finally {
      request.dispose();
    }
  }

  private async tryAcquireOrRenew(signal: AbortSignal): Promise<Attempt> {
    const now = this.clock.now();
    const { identity } = this.options;
    const spec = (acquiring: boolean, previous: LeaseSpec): LeaseSpec => ({
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      acquireTime: acquiring ? microTime(new Date(now)) : previous.acquireTime,
      renewTime: microTime(new Date(now)),
      leaseTransitions: (previous.leaseTransitions ?? 0) + (acquiring ? 1 : 0),
    });
    const lease = await this.deps.store.get(signal);
    if (lease === undefined) {
      const created = await this.deps.store.create(
        {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.options.name, namespace: this.options.namespace },
          spec: { ...spec(true, {}), leaseTransitions: 0 },
        },
        signal,
      );
      this.observe(created.spec ?? {}, now);
      return 'held';
    }
    const current = lease.spec ?? {};
    this.seenVersion = lease.metadata.resourceVersion;
    this.observe(current, now);
    const holder = current.holderIdentity ?? '';
    const durationMs = (current.leaseDurationSeconds ?? 0) * 1000;
    const observedAt = this.observed?.at ?? now;
    if (holder !== '' && holder !== identity && observedAt + durationMs > now) return 'held-by-other';
    const updated = await this.deps.store.replace(
      { ...lease, spec: spec(holder !== identity, current) },
      signal,
    );
    this.observe(updated.spec ?? {}, now);
    return 'held';
  }

  /** Remembers when the lease last changed, by our clock. */
  private observe(spec: LeaseSpec, now: number): void {
    const text = JSON.stringify(spec);
    if (this.observed?.spec !== text) this.observed = { spec: text, at: now };
  }
}

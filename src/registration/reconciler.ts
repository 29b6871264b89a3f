// The operator's job, one ClusterRegistration at a time, in four steps: observe the object (typed once per
// version) and what this process remembers of it; plan what is due (plan.ts, no I/O); execute the planned sends,
// each acknowledgement or classified failure kept as a value; report them (report.ts, no I/O) in conditions, Events
// and one status write, and say when to run next. The finalizer combinator frames it: nothing is sent before our
// finalizer is on the object, and the finalizer goes only after the broker acknowledged the tombstone.
import {
  ConditionReason,
  FINALIZER,
  type ClusterRegistration,
  type ClusterRegistrationStatus,
} from '../api/index.js';
import type { KafkaConnection, KafkaTransport, ProducerHandle } from '../kafka/index.js';
import {
  finalizer,
  updateStatus,
  type Cache,
  type EventInput,
  type Failpoint,
  type FinalizerApi,
  type KubeObject,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
  type ResourceApi,
} from '../runtime/index.js';
import { everywhere, nextConditions, type Assessment } from './assessment.js';
import type { ClaimIndex, Place } from './claims.js';
import type { ClusterFactsSource } from './cluster-facts.js';
import { resolveConnection, type Secret } from './credentials.js';
import { execute, type Execution } from './execute.js';
import { plan, planCleanup, type Observation } from './plan.js';
import type { Registration } from './registrations.js';
import { reportCleanup, reportSends, type Executed, type Report } from './report.js';
import type { Progress } from './schedule.js';
import type { TopicCheck } from './topic-check.js';

export interface RegistrationOptions {
  /** The operator's namespace: where referenced Secrets are read from. */
  namespace: string;
  operatorVersion: string;
  /** Deadline of one send. */
  sendTimeoutMs: number;
  /** status.lastHeartbeatTime is written at most this often, so that heartbeats do not become API writes. */
  heartbeatStatusPeriodMs: number;
  releaseName?: string;
  chartVersion?: string;
}

export interface RegistrationDeps {
  /** Each object parsed once per version (ParsedRegistrations), raw too so that an invalid one can be reported on. */
  registrations: Cache<Registration>;
  secrets: Cache<Secret>;
  api: FinalizerApi<KubeObject> & Pick<ResourceApi<KubeObject>, 'mergePatch'>;
  kafka: KafkaTransport;
  topics: TopicCheck;
  facts: ClusterFactsSource;
  claims: Pick<ClaimIndex, 'holderOtherThan'>;
  events: { event(object: KubeObject, input: EventInput): void };
  failpoint?: Failpoint;
  now?: () => number;
}

/** What this process keeps per object: what it sent, and the producers it holds (one per place). */
interface ObjectState {
  progress?: Progress;
  /** By place key, with the connection it was acquired for: a run acquires each place's producer once. */
  producers: Map<string, { conn: KafkaConnection; producer: ProducerHandle }>;
}

/** The object as observed, and what this process keeps of it. */
interface Observed extends Registration {
  state: ObjectState;
}

export class RegistrationReconciler implements Reconciler {
  private readonly states = new Map<string, ObjectState>();
  private readonly now: () => number;
  private readonly failpoint: Failpoint;

  constructor(
    private readonly options: RegistrationOptions,
    private readonly deps: RegistrationDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.failpoint = deps.failpoint ?? (() => Promise.resolve());
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const observed = this.observe(key);
    if (observed === undefined) {
      await this.forget(key);
      return {};
    }
    const { raw, parsed } = observed;
    const deleting = raw.metadata.deletionTimestamp !== undefined;
    if (!deleting && !parsed.ok) {
      // Nothing is sent for an invalid spec, so no condition may go on claiming a registration or heartbeats; and
      // no finalizer is added, so nothing holds up deleting it.
      await this.forget(key);
      await this.writeStatus(
        observed,
        {},
        everywhere('False', ConditionReason.InvalidSpec, parsed.message),
        ctx,
      );
      return {};
    }
    const result = await finalizer(
      this.deps.api,
      FINALIZER,
      raw,
      (event) => (event.type === 'apply' ? this.apply(key, observed, ctx) : this.cleanup(key, observed, ctx)),
      ctx.signal,
    );
    if (deleting) await this.forget(key);
    return result;
  }

  private observe(key: string): Observed | undefined {
    const registration = this.deps.registrations.get(key);
    if (registration === undefined) return undefined;
    let state = this.states.get(key);
    if (state === undefined) this.states.set(key, (state = { producers: new Map() }));
    return { ...registration, state };
  }

  /** The object lives and carries our finalizer: send what is due and report it. */
  private async apply(key: string, observed: Observed, ctx: ReconcileContext): Promise<ReconcileResult> {
    if (!observed.parsed.ok) throw new Error('unreachable: apply on an invalid spec');
    const registration = observed.parsed.value;
    const { state, status } = observed;
    const planned = plan({
      ...this.lookups(registration, observed),
      registration,
      progress: state.progress,
      now: this.now(),
    });
    if (planned.kind !== 'send') {
      if (planned.kind === 'stop') await this.forget(key);
      const { assessment, events } = planned;
      return this.report(observed, registration, { fields: {}, assessment, events }, ctx);
    }
    const facts = await this.deps.facts.read(ctx.signal);
    const executed = await this.execute(key, ctx, {
      registration,
      sends: planned.sends,
      facts,
      topicAt: { place: planned.place, conn: planned.conn },
      registeredAt: status?.firstRegisteredTime,
    });
    const report = reportSends({
      registration,
      planned,
      executed,
      progress: state.progress,
      status,
      clusterUid: facts.clusterUid,
      heartbeatStatusPeriodMs: this.options.heartbeatStatusPeriodMs,
      now: this.now(),
    });
    state.progress = report.progress;
    if (executed.acks.some(({ send }) => send.kind === 'register'))
      this.releasePlacesExcept(key, planned.place);
    return this.report(observed, registration, report, ctx);
  }

  /** The object is being deleted and carries our finalizer: the tombstones first, unless the policy says Orphan. */
  private async cleanup(key: string, observed: Observed, ctx: ReconcileContext): Promise<ReconcileResult> {
    const { raw, parsed } = observed;
    const registration = parsed.ok ? parsed.value : undefined;
    const planned = planCleanup(raw, registration, this.lookups(registration, observed));
    for (const { place, why } of planned.skipped) ctx.log.info(`no tombstone: ${why}`, { place });
    let executed: Executed | undefined;
    if (registration !== undefined && planned.sends.length > 0) {
      const facts = await this.deps.facts.read(ctx.signal);
      executed = await this.execute(key, ctx, { registration, sends: planned.sends, facts });
      if (executed.failed === undefined)
        await this.failpoint('before-finalizer-removal', ctx.log, ctx.signal);
    }
    ctx.log.info('tombstones done', { tombstones: planned.sends.length, orphan: planned.orphan });
    return this.report(observed, raw, reportCleanup(raw.metadata.name, planned, executed), ctx);
  }

  /**
   * Emits the Events, writes status once (not after a completed deletion: the object is going), and returns the
   * next run or the run's single error. A status write that fails after a failed step is only logged: the step's
   * error is the one to retry on.
   */
  private async report(
    observed: Observed,
    about: KubeObject,
    report: Pick<Report, 'fields' | 'assessment' | 'events' | 'error' | 'requeueAfterMs'>,
    ctx: ReconcileContext,
  ): Promise<ReconcileResult> {
    for (const event of report.events) this.deps.events.event(about, event);
    if (report.error !== undefined) {
      await this.writeStatus(observed, report.fields, report.assessment, ctx).catch(
        (statusError: unknown) => {
          ctx.log.warn('could not report the failure in status', { error: statusError });
        },
      );
      throw report.error;
    }
    if (observed.raw.metadata.deletionTimestamp === undefined)
      await this.writeStatus(observed, report.fields, report.assessment, ctx);
    return report.requeueAfterMs === undefined ? {} : { requeueAfterMs: report.requeueAfterMs };
  }

  /** The one status write of a run, when it changes anything; the watch brings the new object. */
  private async writeStatus(
    observed: Observed,
    fields: Partial<ClusterRegistrationStatus>,
    assessment: Assessment,
    ctx: ReconcileContext,
  ): Promise<void> {
    const { raw, status } = observed;
    const conditions = nextConditions(
      status?.conditions,
      assessment,
      raw.metadata.generation,
      new Date(this.now()),
    );
    await updateStatus(this.deps.api, raw, status, { ...status, ...fields, conditions }, ctx.signal);
  }

  private execute(
    key: string,
    ctx: ReconcileContext,
    execution: Omit<Execution, 'sender' | 'sendTimeoutMs'>,
  ): Promise<Executed> {
    return execute(
      { ...execution, sender: this.options, sendTimeoutMs: this.options.sendTimeoutMs },
      {
        topics: this.deps.topics,
        connect: (place, conn) => this.connect(key, place, conn),
        failpoint: this.failpoint,
        now: this.now,
      },
      ctx,
    );
  }

  /** The cache lookups plan() may make; an invalid spec claims no place, so nothing holds one against it. */
  private lookups(
    registration: ClusterRegistration | undefined,
    observed: Observed,
  ): Pick<Observation, 'status' | 'holder' | 'resolve'> {
    return {
      status: observed.status,
      holder: (place, options) =>
        registration === undefined
          ? undefined
          : this.deps.claims.holderOtherThan(registration, place, options),
      resolve: (kafka) => resolveConnection(kafka, this.deps.secrets, this.options.namespace),
    };
  }

  /** The object's producer for `place`, bound to `conn`; a changed connection (rotated Secret) moves it. */
  private connect(key: string, place: Place, conn: KafkaConnection): ProducerHandle {
    const producers = this.states.get(key)?.producers;
    const held = producers?.get(place.key);
    if (held?.conn === conn) return held.producer;
    const producer = this.deps.kafka.acquire(`${key}@${place.key}`, conn);
    producers?.set(place.key, { conn, producer });
    return producer;
  }

  private releasePlacesExcept(key: string, keep: Place): void {
    const producers = this.states.get(key)?.producers;
    for (const [placeKey, { producer }] of producers ?? []) {
      if (placeKey === keep.key) continue;
      producers?.delete(placeKey);
      void producer.release();
    }
  }

  /** Drops what this process knows of the object and lets go of its producers. */
  private async forget(key: string): Promise<void> {
    const producers = this.states.get(key)?.producers;
    this.states.delete(key);
    await Promise.all([...(producers?.values() ?? [])].map(({ producer }) => producer.release()));
  }
}

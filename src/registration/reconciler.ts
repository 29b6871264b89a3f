// The operator's job, one ClusterRegistration at a time, in four steps: observe the object (typed once per
// version) and what this process remembers of it; plan what is due (plan.ts, no I/O); execute the planned sends,
// each acknowledgement or classified failure kept as a value; report them (report.ts, no I/O) in conditions, Events
// and one status write, and say when to run next. The finalizer combinator frames it: nothing is sent before our
// finalizer is on the object, and the finalizer goes only after the broker acknowledged the tombstone.
import { ConditionReason, FINALIZER } from '../api/index.js';
import {
  finalizer,
  updateStatus,
  type EventInput,
  type Failpoint,
  type FinalizerApi,
  type KubeObject,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
  type ResourceApi,
} from '../runtime/index.js';
import { everywhere, nextConditions } from './assessment.js';
import type { ClusterFactsSource } from './cluster-facts.js';
import { execute, type Executor } from './execute.js';
import { Observer, type Observed, type ObserverDeps } from './observe.js';
import { plan, planCleanup } from './plan.js';
import { reportCleanup, reportSends, type Executed, type Report } from './report.js';
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

/** Besides what observe reads (the parsed objects, the Secrets, the claims), what the other steps use. */
export interface RegistrationDeps extends Omit<ObserverDeps, 'namespace'> {
  api: FinalizerApi<KubeObject> & Pick<ResourceApi<KubeObject>, 'mergePatch'>;
  topics: TopicCheck;
  facts: ClusterFactsSource;
  events: { event(object: KubeObject, input: EventInput): void };
  failpoint?: Failpoint;
  now?: () => number;
}

export class RegistrationReconciler implements Reconciler {
  private readonly observer: Observer;
  private readonly now: () => number;
  private readonly failpoint: Failpoint;
  private readonly executor: Executor;

  constructor(
    private readonly options: RegistrationOptions,
    private readonly deps: RegistrationDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.failpoint = deps.failpoint ?? (() => Promise.resolve());
    const { topics } = deps;
    const { sendTimeoutMs } = options;
    this.executor = { topics, sender: options, sendTimeoutMs, failpoint: this.failpoint, now: this.now };
    this.observer = new Observer({ ...deps, namespace: options.namespace });
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const observed = this.observer.observe(key);
    if (observed === undefined) {
      await this.observer.forget(key);
      return {};
    }
    const { raw, parsed } = observed;
    const deleting = raw.metadata.deletionTimestamp !== undefined;
    if (!deleting && !parsed.ok) {
      // Nothing is sent for an invalid spec, so no condition may go on claiming a registration or heartbeats; and
      // no finalizer is added, so nothing holds up deleting it.
      await this.observer.forget(key);
      const assessment = everywhere('False', ConditionReason.InvalidSpec, parsed.message);
      await this.writeStatus(observed, { fields: {}, assessment }, ctx);
      return {};
    }
    const result = await finalizer(
      this.deps.api,
      FINALIZER,
      raw,
      (event) => (event.type === 'apply' ? this.apply(key, observed, ctx) : this.cleanup(observed, ctx)),
      ctx.signal,
    );
    if (deleting) await this.observer.forget(key);
    return result;
  }

  /** The object lives and carries our finalizer: send what is due and report it. */
  private async apply(key: string, observed: Observed, ctx: ReconcileContext): Promise<ReconcileResult> {
    if (!observed.parsed.ok) throw new Error('unreachable: apply on an invalid spec');
    const registration = observed.parsed.value;
    const { state, status } = observed;
    const planned = plan({
      ...this.observer.lookups(registration, observed),
      registration,
      progress: state.progress,
      now: this.now(),
    });
    if (planned.kind !== 'send') {
      if (planned.kind === 'stop') await this.observer.forget(key);
      const { assessment, events } = planned;
      return this.report(observed, registration, { fields: {}, assessment, events }, ctx);
    }
    const facts = await this.deps.facts.read(ctx.signal);
    const { sends, place, conn } = planned;
    const execution = { registration, sends, facts, producers: state.producers };
    const topicAt = { place, conn };
    const registeredAt = status?.firstRegisteredTime;
    const executed = await execute({ ...execution, topicAt, registeredAt }, this.executor, ctx);
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
    if (executed.acks.some(({ send }) => send.kind === 'register')) state.producers.releaseExcept(place);
    return this.report(observed, registration, report, ctx);
  }

  /** The object is being deleted and carries our finalizer: the tombstones first, unless the policy says Orphan. */
  private async cleanup(observed: Observed, ctx: ReconcileContext): Promise<ReconcileResult> {
    const { raw, parsed, state } = observed;
    const registration = parsed.ok ? parsed.value : undefined;
    const planned = planCleanup(raw, registration, this.observer.lookups(registration, observed));
    for (const { place, why } of planned.skipped) ctx.log.info(`no tombstone: ${why}`, { place });
    let executed: Executed | undefined;
    if (registration !== undefined && planned.sends.length > 0) {
      const facts = await this.deps.facts.read(ctx.signal);
      const { producers } = state;
      executed = await execute({ registration, sends: planned.sends, facts, producers }, this.executor, ctx);
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
      await this.writeStatus(observed, report, ctx).catch((statusError: unknown) => {
        ctx.log.warn('could not report the failure in status', { error: statusError });
      });
      throw report.error;
    }
    if (observed.raw.metadata.deletionTimestamp === undefined) await this.writeStatus(observed, report, ctx);
    return report.requeueAfterMs === undefined ? {} : { requeueAfterMs: report.requeueAfterMs };
  }

  /** The one status write of a run, when it changes anything; the watch brings the new object. */
  private async writeStatus(
    { raw, status }: Observed,
    { fields, assessment }: Pick<Report, 'fields' | 'assessment'>,
    ctx: ReconcileContext,
  ): Promise<void> {
    const now = new Date(this.now());
    const conditions = nextConditions(status?.conditions, assessment, raw.metadata.generation, now);
    await updateStatus(this.deps.api, raw, status, { ...status, ...fields, conditions }, ctx.signal);
  }
}

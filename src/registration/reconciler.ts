// The operator's job, one ClusterRegistration at a time, in four steps: observe the object (typed once per
// resourceVersion) and what this process remembers of it; plan what is due (plan.ts, no I/O); execute the planned
// sends, each acknowledgement or classified failure kept as a value; report them in conditions, Events and one
// status write, and say when to run next. The finalizer combinator frames it: nothing is sent before our finalizer
// is on the object, and the finalizer goes only after the broker acknowledged the tombstone.
import {
  ClusterRegistrationStatusSchema,
  ConditionReason,
  FINALIZER,
  effectiveClusterName,
  parseClusterRegistration,
  type ClusterRegistration,
  type ClusterRegistrationStatus,
  type ParseResult,
} from '../api/index.js';
import {
  isKafkaFailure,
  type KafkaConnection,
  type KafkaRecord,
  type KafkaTransport,
  type RecordPosition,
} from '../kafka/index.js';
import {
  finalizer,
  kubeTime,
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
import { everywhere, nextConditions, sendFailed, verdict, type Assessment } from './assessment.js';
import { describePlace, type ClaimIndex, type Place } from './claims.js';
import type { ClusterFacts, ClusterFactsSource } from './cluster-facts.js';
import { resolveConnection, type Secret } from './credentials.js';
import { howToLetGo, plan, planCleanup, stepName, type Observation, type Send } from './plan.js';
import { heartbeatRecord, registrationRecord, tombstoneRecord, type RecordOrigin } from './records.js';
import { jittered, nextRunInMs, type Progress } from './schedule.js';
import type { TopicCheck, TopicVerdict } from './topic-check.js';

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
  /** Raw objects, so that an invalid one can still be reported on. */
  registrations: Cache<KubeObject>;
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

/** What this process keeps per object: the last parse, what it sent, and the producers it holds (one per place). */
interface ObjectState {
  parsed?: { version: string; result: ParseResult };
  progress?: Progress;
  owners: Set<string>;
}

/** The object as observed: raw, typed when valid, its status parsed leniently (a bad one is treated as empty). */
interface Observed {
  raw: KubeObject;
  parsed: ParseResult;
  status: ClusterRegistrationStatus | undefined;
  state: ObjectState;
}

/** A failed step, classified: what the status and the Warning say about it. */
interface Failed {
  send?: Send;
  condition: 'registered' | 'heartbeating';
  action: string;
  what: string;
  failure: { reason: string; message: string };
}

interface Executed {
  topic: TopicVerdict;
  acks: { send: Send; position: RecordPosition; at: number }[];
  failed?: Failed;
}

const KEEP_SECRETS_ONLY_NOTE = 'check the Secrets in the operator namespace';

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
      await this.report(observed, {}, everywhere('False', ConditionReason.InvalidSpec, parsed.message), ctx);
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
    const raw = this.deps.registrations.get(key);
    if (raw === undefined) return undefined;
    let state = this.states.get(key);
    if (state === undefined) this.states.set(key, (state = { owners: new Set() }));
    // Parsed once per version; the generation is part of it because every spec change bumps it.
    const version = `${raw.metadata.resourceVersion ?? ''}/${raw.metadata.generation ?? ''}`;
    let parsed = state.parsed?.version === version ? state.parsed.result : undefined;
    if (parsed === undefined || raw.metadata.resourceVersion === undefined) {
      parsed = parseClusterRegistration(raw);
      state.parsed = { version, result: parsed };
    }
    const status = ClusterRegistrationStatusSchema.safeParse((raw as { status?: unknown }).status);
    return { raw, parsed, status: status.success ? status.data : undefined, state };
  }

  /** The object lives and carries our finalizer: send what is due and report it. */
  private async apply(key: string, observed: Observed, ctx: ReconcileContext): Promise<ReconcileResult> {
    if (!observed.parsed.ok) throw new Error('unreachable: apply on an invalid spec');
    const registration = observed.parsed.value;
    const planned = plan({
      ...this.lookups(registration, observed),
      registration,
      progress: observed.state.progress,
      now: this.now(),
    });
    if (planned.kind !== 'send') {
      if (planned.kind === 'stop') await this.forget(key);
      for (const event of planned.events) this.deps.events.event(registration, event);
      await this.report(observed, {}, planned.assessment, ctx);
      return {};
    }
    const { place, credentials, timing } = planned;
    const facts = await this.deps.facts.read(ctx.signal);
    const done = await this.execute(key, registration, planned.sends, facts, ctx, {
      place,
      conn: planned.conn,
      registeredAt: observed.status?.firstRegisteredTime,
    });
    // Fold the acknowledgements into what this process remembers.
    const state = observed.state;
    let lastHeartbeatTime = observed.status?.lastHeartbeatTime;
    for (const { send, position, at } of done.acks) {
      if (send.kind === 'tombstone') {
        this.deps.events.event(registration, {
          type: 'Normal',
          reason: 'Moved',
          action: 'Deregister',
          note: `tombstone acknowledged at the previous ${describePlace(send.place)}`,
        });
      } else if (send.kind === 'register') {
        state.progress = {
          uid: registration.metadata.uid ?? '',
          generation: registration.metadata.generation ?? 0,
          place: place.key,
          lastRegisteredAt: at,
          lastAckAt: at,
          nextHeartbeatAt: undefined,
          position: { ...position, kafka: registration.spec.kafka },
        };
        this.releasePlacesExcept(key, place);
        ctx.log.info('registered', {
          reason: send.reason,
          clientId: registration.spec.clientId,
          ...position,
        });
        if (send.reason !== 'reassert') {
          this.deps.events.event(registration, {
            type: 'Normal',
            reason: ConditionReason.Registered,
            action: 'Register',
            note: `registered at ${describePlace(place)} (${send.reason})`,
          });
        }
      } else if (state.progress !== undefined) {
        state.progress.lastAckAt = at;
        state.progress.nextHeartbeatAt = at + jittered(timing.heartbeatIntervalMs);
        const stored = lastHeartbeatTime === undefined ? 0 : Date.parse(lastHeartbeatTime);
        if (at - stored >= this.options.heartbeatStatusPeriodMs) lastHeartbeatTime = kubeTime(new Date(at));
      }
    }
    if (done.failed !== undefined) {
      const { assessment, event } = failureReport(done.failed);
      return this.fail(observed, registration, { credentials, ...assessment }, event, done.failed, ctx);
    }
    const { progress } = state;
    if (progress === undefined) throw new Error('unreachable: no progress after registering');
    const { position } = progress;
    const { spec } = registration;
    const assessment: Assessment = {
      credentials,
      registered: verdict(
        'True',
        ConditionReason.Registered,
        `acknowledged at ${describePlace(place)}, partition ${position.partition} offset ${position.offset}`,
      ),
      heartbeating: timing.heartbeatEnabled
        ? verdict(
            'True',
            ConditionReason.HeartbeatAcknowledged,
            `heartbeats acknowledged every ${spec.heartbeat.interval}`,
          )
        : verdict('False', ConditionReason.HeartbeatDisabled, 'spec.heartbeat.enabled is false'),
      ...(done.topic.ok
        ? {}
        : { ready: verdict('False', ConditionReason.TopicNotCompacted, done.topic.message) }),
    };
    const registeredTime = kubeTime(new Date(progress.lastRegisteredAt));
    const firstRegisteredTime = observed.status?.firstRegisteredTime ?? registeredTime;
    await this.report(
      observed,
      {
        clusterId: facts.clusterUid,
        lastRegistration: position,
        lastRegisteredTime: registeredTime,
        firstRegisteredTime,
        ...(lastHeartbeatTime === undefined ? {} : { lastHeartbeatTime }),
      },
      assessment,
      ctx,
    );
    if (!done.topic.ok) {
      this.deps.events.event(registration, {
        type: 'Warning',
        reason: ConditionReason.TopicNotCompacted,
        action: 'Register',
        note: done.topic.message,
      });
    }
    return { requeueAfterMs: nextRunInMs(progress, timing, this.now()) };
  }

  /** The object is being deleted and carries our finalizer: the tombstones first, unless the policy says Orphan. */
  private async cleanup(key: string, observed: Observed, ctx: ReconcileContext): Promise<ReconcileResult> {
    const { raw, parsed } = observed;
    const registration = parsed.ok ? parsed.value : undefined;
    const planned = planCleanup(raw, registration, this.lookups(registration, observed));
    for (const { place, why } of planned.skipped) ctx.log.info(`no tombstone: ${why}`, { place });
    if (registration !== undefined && planned.sends.length > 0) {
      const facts = await this.deps.facts.read(ctx.signal);
      const done = await this.execute(key, registration, planned.sends, facts, ctx, {});
      if (done.failed !== undefined) {
        const { assessment, event } = failureReport(done.failed);
        const note = `${event.note}. ${howToLetGo(raw.metadata.name)}`;
        const ready = assessment.registered ?? verdict('False', ConditionReason.PublishFailed, note);
        return this.fail(
          observed,
          raw,
          { ...assessment, ready: { ...ready, message: note } },
          { ...event, note },
          done.failed,
          ctx,
        );
      }
      await this.failpoint('before-finalizer-removal', ctx.log, ctx.signal);
    }
    this.deps.events.event(raw, planned.done);
    ctx.log.info('removing the finalizer', { tombstones: planned.sends.length, orphan: planned.orphan });
    return {};
  }

  /**
   * Runs `sends` in order, stopping at the first failure. A registration is preceded by the registry topic's check
   * and the `before-register` failpoint. Only Kafka failures (and unresolvable Secrets) become values; anything
   * else is a bug or an abort, and is thrown.
   */
  private async execute(
    key: string,
    registration: ClusterRegistration,
    sends: readonly Send[],
    facts: ClusterFacts,
    ctx: ReconcileContext,
    context: { place?: Place; conn?: KafkaConnection; registeredAt?: string },
  ): Promise<Executed> {
    const executed: Executed = { topic: { ok: true }, acks: [] };
    const call = { deadlineMs: this.options.sendTimeoutMs, signal: ctx.signal };
    const attempt = async <T>(
      failed: Omit<Failed, 'failure'>,
      run: () => Promise<T>,
    ): Promise<T | undefined> => {
      try {
        return await run();
      } catch (error) {
        if (!isKafkaFailure(error)) throw error;
        executed.failed = { ...failed, failure: error };
        return undefined;
      }
    };
    const { place, conn: topicConn } = context;
    if (place !== undefined && topicConn !== undefined) {
      const id = this.connect(key, place, topicConn);
      const topic = await attempt(
        { condition: 'registered', action: 'Register', what: 'checking the registry topic' },
        () => this.deps.topics.verify(topicConn, id, registration.spec.topics, call),
      );
      if (topic === undefined) return executed;
      executed.topic = topic;
    }
    for (const send of sends) {
      const name = stepName(send);
      const via = send.kind === 'tombstone' ? send.via : undefined;
      if (via?.ok === false) {
        const message = `${via.message} (${KEEP_SECRETS_ONLY_NOTE})`;
        executed.failed = { send, ...name, failure: { reason: via.reason, message } };
        return executed;
      }
      const conn = via?.ok === true ? via.conn : send.kind === 'tombstone' ? undefined : send.conn;
      if (conn === undefined) throw new Error('unreachable: a send without a connection');
      this.connect(key, send.place, conn);
      if (send.kind === 'register') await this.failpoint('before-register', ctx.log, ctx.signal);
      const record = this.recordOf(send, registration, facts, context.registeredAt);
      const position = await attempt({ send, ...name }, () => this.deps.kafka.publish(conn, record, call));
      if (position === undefined) return executed;
      if (send.kind === 'tombstone')
        ctx.log.info('tombstone acknowledged', { clientId: registration.spec.clientId, ...position });
      executed.acks.push({ send, position, at: this.now() });
    }
    return executed;
  }

  private recordOf(
    send: Send,
    registration: ClusterRegistration,
    facts: ClusterFacts,
    registeredAt: string | undefined,
  ): KafkaRecord {
    const { spec } = registration;
    const origin: RecordOrigin = {
      clientId: spec.clientId,
      clusterUid: facts.clusterUid,
      objectName: registration.metadata.name,
      objectUid: registration.metadata.uid ?? '',
      generation: registration.metadata.generation ?? 0,
      now: new Date(this.now()),
    };
    switch (send.kind) {
      case 'tombstone':
        return tombstoneRecord({ ...origin, topic: send.place.topic });
      case 'heartbeat':
        return heartbeatRecord({ ...origin, topic: spec.topics.heartbeat });
      case 'register': {
        return registrationRecord({
          ...origin,
          topic: send.place.topic,
          clusterName: effectiveClusterName(spec),
          region: spec.region ?? facts.region,
          labels: spec.labels ?? {},
          kubernetesVersion: facts.kubernetesVersion,
          nodeCount: facts.nodeCount,
          operatorVersion: this.options.operatorVersion,
          registeredAt: registeredAt === undefined ? undefined : new Date(registeredAt),
          namespace: this.options.namespace,
          releaseName: this.options.releaseName,
          chartVersion: this.options.chartVersion,
        });
      }
    }
  }

  /** Reports a failed step in status and as a Warning, then fails the run so that it is retried with backoff. */
  private async fail(
    observed: Observed,
    about: KubeObject,
    assessment: Assessment,
    event: EventInput,
    failed: Failed,
    ctx: ReconcileContext,
  ): Promise<never> {
    this.deps.events.event(about, event);
    await this.report(observed, {}, assessment, ctx).catch((statusError: unknown) => {
      ctx.log.warn('could not report the failure in status', { error: statusError });
    });
    throw new Error(event.note, { cause: failed.failure });
  }

  /** The one status write of a run, when it changes anything; the watch brings the new object. */
  private async report(
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

  /** Binds the object's producer for `place` to `conn`; a changed connection (rotated Secret) moves it. */
  private connect(key: string, place: Place, conn: KafkaConnection): string {
    const owner = `${key}@${place.key}`;
    this.states.get(key)?.owners.add(owner);
    return this.deps.kafka.acquire(owner, conn);
  }

  private releasePlacesExcept(key: string, keep: Place): void {
    const owners = this.states.get(key)?.owners;
    for (const owner of owners ?? []) {
      if (owner === `${key}@${keep.key}`) continue;
      owners?.delete(owner);
      void this.deps.kafka.release(owner);
    }
  }

  /** Drops what this process knows of the object and lets go of its producers. */
  private async forget(key: string): Promise<void> {
    const owners = this.states.get(key)?.owners;
    this.states.delete(key);
    await Promise.all([...(owners ?? [])].map((owner) => this.deps.kafka.release(owner)));
  }
}

/** A failed step as status conditions and a Warning. */
function failureReport(failed: Failed): { assessment: Assessment; event: EventInput } {
  const assessment = sendFailed(failed.condition, failed.failure, failed.what);
  const said =
    assessment[failed.condition] ?? verdict('False', failed.failure.reason, failed.failure.message);
  return {
    assessment,
    event: { type: 'Warning', reason: said.reason, action: failed.action, note: said.message },
  };
}

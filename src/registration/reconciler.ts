// The operator's job, one ClusterRegistration at a time: register, keep heartbeats flowing, re-assert, move, and
// deregister on deletion. Level-based: every run looks at the object, the Secrets and what this process has sent
// (Progress), does what is due, writes status when it changed, and says when to run next. Nothing is sent before
// our finalizer is on the object, and the finalizer goes only after the broker acknowledged the tombstone.
import {
  ClusterRegistrationStatusSchema,
  ConditionReason,
  DELETION_POLICY_ANNOTATION,
  DeletionPolicy,
  FINALIZER,
  effectiveClusterName,
  parseClusterRegistration,
  type ClusterRegistration,
  type ClusterRegistrationStatus,
} from '../api/index.js';
import {
  KafkaFailure,
  KafkaFailureReason,
  isKafkaFailure,
  type KafkaConnection,
  type KafkaRecord,
  type KafkaTransport,
  type RecordPosition,
} from '../kafka/index.js';
import {
  ensureFinalizer,
  failpoint,
  hasFinalizer,
  keyOf,
  kubeTime,
  patchStatus,
  removeFinalizer,
  type Cache,
  type EventInput,
  type KubeObject,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
  type ResourceApi,
} from '../runtime/index.js';
import { everywhere, nextConditions, sendFailed, verdict, type Assessment } from './assessment.js';
import {
  describePlace,
  desiredPlace,
  recordedPlace,
  samePlace,
  type ClaimIndex,
  type Place,
} from './claims.js';
import type { ClusterFacts, ClusterFactsSource } from './cluster-facts.js';
import { resolveConnection, type Secret } from './credentials.js';
import { heartbeatRecord, registrationRecord, tombstoneRecord, type RecordOrigin } from './records.js';
import { heartbeatDue, jittered, nextRunInMs, registrationDue, timingOf, type Progress } from './schedule.js';
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
  /** Raw objects, so that an invalid one can still be reported on. */
  registrations: Cache<KubeObject>;
  secrets: Cache<Secret>;
  api: ResourceApi<KubeObject>;
  kafka: KafkaTransport;
  topics: TopicCheck;
  facts: ClusterFactsSource;
  claims: ClaimIndex;
  events: { event(object: KubeObject, input: EventInput): void };
  now?: () => number;
}

/** The object as read, typed; its status parsed leniently (a bad one is treated as empty). */
interface Current {
  raw: KubeObject;
  status: ClusterRegistrationStatus | undefined;
}

/** A send that failed, with what the status should say about it. */
class StepFailure extends Error {
  constructor(
    readonly assessment: Assessment,
    readonly event: EventInput,
    options: { cause: unknown },
  ) {
    super(event.note, options);
  }
}

const KEEP_SECRETS_ONLY_NOTE = 'check the Secrets in the operator namespace';

export class RegistrationReconciler implements Reconciler {
  private readonly progress = new Map<string, Progress>();
  /** Producer pool owners per object: one per place it talks to. */
  private readonly owners = new Map<string, Set<string>>();
  /**
   * Per object, the resourceVersion our last write replaced. While the cache still shows it, our own write has not
   * come back through the watch yet: acting on that stale copy would only earn a 409, and the write's event will
   * run the object again anyway.
   */
  private readonly superseded = new Map<string, string>();
  private readonly now: () => number;

  constructor(
    private readonly options: RegistrationOptions,
    private readonly deps: RegistrationDeps,
  ) {
    this.now = deps.now ?? Date.now;
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const raw = this.deps.registrations.get(key);
    if (raw === undefined) {
      await this.forget(key);
      return {};
    }
    // A second later at the latest, in case the write's event is lost with a broken watch.
    if (this.superseded.get(key) === raw.metadata.resourceVersion) return { requeueAfterMs: 1_000 };
    const status = ClusterRegistrationStatusSchema.safeParse((raw as { status?: unknown }).status);
    const current: Current = { raw, status: status.success ? status.data : undefined };
    const parsed = parseClusterRegistration(raw);
    if (raw.metadata.deletionTimestamp !== undefined) {
      await this.deregister(key, current, parsed.ok ? parsed.value : undefined, ctx);
      return {};
    }
    if (!parsed.ok) {
      await this.forget(key);
      // Nothing is sent for an invalid spec, so no condition may go on claiming a registration or heartbeats.
      await this.writeStatus(
        current,
        {},
        everywhere('False', ConditionReason.InvalidSpec, parsed.message),
        ctx,
      );
      return {};
    }
    return this.register(key, { ...current, raw: parsed.value }, parsed.value, ctx);
  }

  private async register(
    key: string,
    current: Current,
    registration: ClusterRegistration,
    ctx: ReconcileContext,
  ): Promise<ReconcileResult> {
    const { spec } = registration;
    const withFinalizer = await ensureFinalizer(this.deps.api, current.raw, FINALIZER, ctx.signal);
    this.noteWrite(current.raw, withFinalizer);
    current = { ...current, raw: withFinalizer };
    if (spec.suspend) {
      await this.forget(key);
      const message = 'spec.suspend is true: nothing is sent and nothing is deregistered';
      await this.writeStatus(current, {}, everywhere('False', ConditionReason.Suspended, message), ctx);
      return {};
    }
    const place = desiredPlace(spec);
    const holder = this.deps.claims.holderOtherThan(registration, place);
    if (holder !== undefined) {
      await this.forget(key);
      const message =
        `ClusterRegistration ${holder} is older and registers clientId ${spec.clientId} at ${describePlace(place)}: ` +
        'this one sends nothing, and deleting it sends no tombstone';
      this.deps.events.event(registration, {
        type: 'Warning',
        reason: ConditionReason.DuplicateClientId,
        action: 'Register',
        note: message,
      });
      await this.writeStatus(
        current,
        {},
        everywhere('False', ConditionReason.DuplicateClientId, message),
        ctx,
      );
      return {};
    }
    const resolved = resolveConnection(spec.kafka, this.deps.secrets, this.options.namespace);
    if (!resolved.ok) {
      const failed = verdict('False', resolved.reason, resolved.message);
      await this.writeStatus(current, {}, { credentials: failed }, ctx);
      this.deps.events.event(registration, {
        type: 'Warning',
        reason: resolved.reason,
        action: 'Register',
        note: resolved.message,
      });
      // The Secret watch runs this again as soon as the Secret changes.
      return {};
    }
    const credentials = verdict(
      'True',
      resolved.usesSecrets ? ConditionReason.CredentialsResolved : ConditionReason.NoCredentialsRequired,
      resolved.usesSecrets ? 'the Secrets were read and the broker accepted them' : 'no Secret is needed',
    );
    try {
      return await this.send(key, current, registration, place, resolved.conn, credentials, ctx);
    } catch (error) {
      if (!(error instanceof StepFailure)) throw error;
      this.deps.events.event(registration, error.event);
      await this.writeStatus(current, {}, { credentials, ...error.assessment }, ctx).catch(
        (statusError: unknown) => {
          ctx.log.warn('could not report the failure in status', { error: statusError });
        },
      );
      throw error;
    }
  }

  /** Sends what is due at `place` and reports it. Throws StepFailure when a send fails. */
  private async send(
    key: string,
    current: Current,
    registration: ClusterRegistration,
    place: Place,
    conn: KafkaConnection,
    credentials: Assessment['credentials'],
    ctx: ReconcileContext,
  ): Promise<ReconcileResult> {
    const { spec, metadata } = registration;
    const uid = metadata.uid ?? '';
    const generation = metadata.generation ?? 0;
    const timing = timingOf(registration);
    const connectionId = this.connect(key, place, conn);
    const topic = await this.step('registered', 'Register', 'checking the registry topic', () =>
      this.deps.topics.verify(conn, connectionId, spec.topics, this.callOptions(ctx)),
    );
    const facts = await this.deps.facts.read(ctx.signal);
    let progress = this.progress.get(key);
    const now = this.now();
    const previous = recordedPlace(current.status?.lastRegistration);
    const moving = previous !== undefined && !samePlace(previous, place);
    const due = moving
      ? 'moved'
      : registrationDue(progress, { uid, generation, place: place.key }, timing, now);
    const firstRegisteredTime = current.status?.firstRegisteredTime;
    if (due !== undefined) {
      // A move tombstones the old place first: two broker lists may name one Kafka cluster, and there the record
      // sent last must be the registration.
      if (moving) await this.leave(key, registration, previous, facts, ctx);
      await failpoint('before-register', ctx.log, ctx.signal);
      const sentAt = new Date(this.now());
      const record = registrationRecord({
        ...this.origin(registration, facts, sentAt),
        topic: place.topic,
        clusterName: effectiveClusterName(spec),
        region: spec.region ?? facts.region,
        labels: spec.labels ?? {},
        kubernetesVersion: facts.kubernetesVersion,
        nodeCount: facts.nodeCount,
        operatorVersion: this.options.operatorVersion,
        registeredAt: firstRegisteredTime === undefined ? undefined : new Date(firstRegisteredTime),
        namespace: this.options.namespace,
        releaseName: this.options.releaseName,
        chartVersion: this.options.chartVersion,
      });
      const acked = await this.step('registered', 'Register', 'registration', () =>
        this.publish(conn, record, ctx),
      );
      const ackedAt = this.now();
      progress = {
        uid,
        generation,
        place: place.key,
        lastRegisteredAt: ackedAt,
        lastAckAt: ackedAt,
        nextHeartbeatAt: undefined,
        position: { ...acked, kafka: spec.kafka },
      };
      this.progress.set(key, progress);
      this.releasePlacesExcept(key, place);
      ctx.log.info('registered', { reason: due, clientId: spec.clientId, ...acked });
      if (due !== 'reassert') {
        this.deps.events.event(registration, {
          type: 'Normal',
          reason: ConditionReason.Registered,
          action: 'Register',
          note: `registered at ${describePlace(place)} (${due})`,
        });
      }
    }
    if (progress === undefined) throw new Error('unreachable: no progress after registering');
    const { position } = progress;
    let lastHeartbeatTime = current.status?.lastHeartbeatTime;
    if (heartbeatDue(progress, timing, this.now())) {
      const record = heartbeatRecord({
        ...this.origin(registration, facts, new Date(this.now())),
        topic: spec.topics.heartbeat,
      });
      await this.step('heartbeating', 'Heartbeat', 'heartbeat', () => this.publish(conn, record, ctx));
      const ackedAt = this.now();
      progress.lastAckAt = ackedAt;
      progress.nextHeartbeatAt = ackedAt + jittered(timing.heartbeatIntervalMs);
      const stored = lastHeartbeatTime === undefined ? 0 : Date.parse(lastHeartbeatTime);
      if (ackedAt - stored >= this.options.heartbeatStatusPeriodMs)
        lastHeartbeatTime = kubeTime(new Date(ackedAt));
    }
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
      ...(topic.ok ? {} : { ready: verdict('False', ConditionReason.TopicNotCompacted, topic.message) }),
    };
    const registeredTime = kubeTime(new Date(progress.lastRegisteredAt));
    await this.writeStatus(
      current,
      {
        clusterId: facts.clusterUid,
        lastRegistration: position,
        lastRegisteredTime: registeredTime,
        firstRegisteredTime: firstRegisteredTime ?? registeredTime,
        lastHeartbeatTime,
      },
      assessment,
      ctx,
    );
    if (!topic.ok) {
      this.deps.events.event(registration, {
        type: 'Warning',
        reason: ConditionReason.TopicNotCompacted,
        action: 'Register',
        note: topic.message,
      });
    }
    return { requeueAfterMs: nextRunInMs(progress, timing, this.now()) };
  }

  /**
   * Tombstones the record at a place the object moved away from, unless the policy is Orphan or another object
   * registering the same clientId there owns that record now.
   */
  private async leave(
    key: string,
    registration: ClusterRegistration,
    previous: Place,
    facts: ClusterFacts,
    ctx: ReconcileContext,
  ): Promise<void> {
    if (orphaned(registration)) return;
    if (this.deps.claims.holderOtherThan(registration, previous, { yieldToYounger: true }) !== undefined)
      return;
    await this.step('registered', 'Move', `tombstone at the previous ${describePlace(previous)}`, () =>
      this.tombstone(key, registration, previous, facts, ctx),
    );
    this.deps.events.event(registration, {
      type: 'Normal',
      reason: 'Moved',
      action: 'Deregister',
      note: `tombstone acknowledged at the previous ${describePlace(previous)}`,
    });
  }

  /** Deletion: the tombstone first, then the finalizer; or no tombstone when the policy says Orphan. */
  private async deregister(
    key: string,
    current: Current,
    registration: ClusterRegistration | undefined,
    ctx: ReconcileContext,
  ): Promise<void> {
    const { raw } = current;
    if (!hasFinalizer(raw, FINALIZER)) {
      await this.forget(key);
      return;
    }
    const orphan = orphaned(registration ?? raw);
    const places =
      orphan || registration === undefined ? [] : this.tombstonePlaces(registration, current, ctx);
    if (places.length > 0 && registration !== undefined) {
      try {
        const facts = await this.deps.facts.read(ctx.signal);
        for (const place of places) {
          await this.step('registered', 'Deregister', `tombstone at ${describePlace(place)}`, () =>
            this.tombstone(key, registration, place, facts, ctx),
          );
        }
      } catch (error) {
        if (!(error instanceof StepFailure)) throw error;
        const howToLetGo =
          `The object is kept until the broker acknowledges the tombstone. To delete it without one: kubectl annotate ` +
          `clusterregistration ${raw.metadata.name} ${DELETION_POLICY_ANNOTATION}=${DeletionPolicy.Orphan}`;
        const ready =
          error.assessment.registered ?? verdict('False', ConditionReason.PublishFailed, error.message);
        const event = { ...error.event, note: `${error.event.note}. ${howToLetGo}` };
        this.deps.events.event(raw, event);
        await this.writeStatus(
          current,
          {},
          { ...error.assessment, ready: { ...ready, message: event.note } },
          ctx,
        ).catch((statusError: unknown) => {
          ctx.log.warn('could not report the failure in status', { error: statusError });
        });
        throw error;
      }
      await failpoint('before-finalizer-removal', ctx.log, ctx.signal);
    }
    this.deps.events.event(raw, this.deregisteredEvent(orphan, registration, places));
    await removeFinalizer(this.deps.api, raw, FINALIZER, ctx.signal);
    ctx.log.info('finalizer removed', { tombstones: places.length, orphan });
    await this.forget(key);
  }

  /** Where the object's registration may live and no other object holds it. */
  private tombstonePlaces(
    registration: ClusterRegistration,
    current: Current,
    ctx: ReconcileContext,
  ): Place[] {
    const recorded = recordedPlace(current.status?.lastRegistration);
    const desired = desiredPlace(registration.spec);
    const candidates = [
      desired,
      ...(recorded !== undefined && !samePlace(recorded, desired) ? [recorded] : []),
    ];
    return candidates.filter((place) => {
      const holder = this.deps.claims.holderOtherThan(registration, place);
      if (holder !== undefined) {
        ctx.log.info('no tombstone: another object holds the clientId there', { holder, place: place.key });
        return false;
      }
      // Never registered, and the Secrets it needs are missing: nothing can have been sent with them.
      if (place === desired && recorded === undefined) {
        const resolved = resolveConnection(place.kafka, this.deps.secrets, this.options.namespace);
        if (!resolved.ok) {
          ctx.log.info('no tombstone: never registered and its credentials are missing', {
            reason: resolved.reason,
          });
          return false;
        }
      }
      return true;
    });
  }

  private deregisteredEvent(
    orphan: boolean,
    registration: ClusterRegistration | undefined,
    places: Place[],
  ): EventInput {
    if (orphan) {
      return {
        type: 'Normal',
        reason: 'Orphaned',
        action: 'Deregister',
        note: 'deletion policy Orphan: no tombstone sent; the registration record stays in the registry topic',
      };
    }
    if (places.length > 0) {
      return {
        type: 'Normal',
        reason: 'Deregistered',
        action: 'Deregister',
        note: `tombstone acknowledged at ${places.map(describePlace).join(' and ')}`,
      };
    }
    return {
      type: 'Normal',
      reason: 'NothingToDeregister',
      action: 'Deregister',
      note:
        registration === undefined
          ? 'the spec is invalid, so no tombstone could be built'
          : 'no tombstone needed: never registered, or another ClusterRegistration holds the clientId there',
    };
  }

  private async tombstone(
    key: string,
    registration: ClusterRegistration,
    place: Place,
    facts: ClusterFacts,
    ctx: ReconcileContext,
  ): Promise<RecordPosition> {
    const resolved = resolveConnection(place.kafka, this.deps.secrets, this.options.namespace);
    if (!resolved.ok) {
      throw new KafkaFailure(
        KafkaFailureReason.InvalidConfiguration,
        `${resolved.message} (${KEEP_SECRETS_ONLY_NOTE})`,
      );
    }
    this.connect(key, place, resolved.conn);
    const record = tombstoneRecord({
      ...this.origin(registration, facts, new Date(this.now())),
      topic: place.topic,
    });
    const position = await this.publish(resolved.conn, record, ctx);
    ctx.log.info('tombstone acknowledged', { clientId: registration.spec.clientId, ...position });
    return position;
  }

  private origin(registration: ClusterRegistration, facts: ClusterFacts, now: Date): RecordOrigin {
    return {
      clientId: registration.spec.clientId,
      clusterUid: facts.clusterUid,
      objectName: registration.metadata.name,
      objectUid: registration.metadata.uid ?? '',
      generation: registration.metadata.generation ?? 0,
      now,
    };
  }

  private publish(
    conn: KafkaConnection,
    record: KafkaRecord,
    ctx: ReconcileContext,
  ): Promise<RecordPosition> {
    return this.deps.kafka.publish(conn, record, this.callOptions(ctx));
  }

  private callOptions(ctx: ReconcileContext) {
    return { deadlineMs: this.options.sendTimeoutMs, signal: ctx.signal };
  }

  /** Runs one Kafka step; a Kafka failure becomes a StepFailure that says what failed, for status and Events. */
  private async step<T>(
    condition: 'registered' | 'heartbeating',
    action: string,
    what: string,
    run: () => Promise<T>,
  ): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (!isKafkaFailure(error)) throw error;
      const assessment = sendFailed(condition, error, what);
      const failed = assessment[condition];
      throw new StepFailure(
        assessment,
        {
          type: 'Warning',
          reason: failed?.reason ?? error.reason,
          action,
          note: failed?.message ?? error.message,
        },
        { cause: error },
      );
    }
  }

  /** Binds the object's producer for `place` to `conn`; a changed connection (rotated Secret) moves it. */
  private connect(key: string, place: Place, conn: KafkaConnection): string {
    const owner = `${key}@${place.key}`;
    let owners = this.owners.get(key);
    if (owners === undefined) this.owners.set(key, (owners = new Set()));
    owners.add(owner);
    return this.deps.kafka.acquire(owner, conn);
  }

  private releasePlacesExcept(key: string, keep: Place): void {
    const owners = this.owners.get(key);
    for (const owner of owners ?? []) {
      if (owner === `${key}@${keep.key}`) continue;
      owners?.delete(owner);
      void this.deps.kafka.release(owner);
    }
  }

  /** Drops what this process knows of the object and lets go of its producers. */
  private async forget(key: string): Promise<void> {
    this.progress.delete(key);
    this.superseded.delete(key);
    const owners = this.owners.get(key);
    this.owners.delete(key);
    await Promise.all([...(owners ?? [])].map((owner) => this.deps.kafka.release(owner)));
  }

  /** Writes status when it differs from what is stored; returns nothing, the watch brings the new object. */
  private async writeStatus(
    current: Current,
    fields: Partial<ClusterRegistrationStatus>,
    assessment: Assessment,
    ctx: ReconcileContext,
  ): Promise<void> {
    const { generation } = current.raw.metadata;
    const conditions = nextConditions(
      current.status?.conditions,
      assessment,
      generation,
      new Date(this.now()),
    );
    const next: ClusterRegistrationStatus = {
      ...current.status,
      ...withoutUndefined(fields),
      conditions,
      observedGeneration: generation,
    };
    if (JSON.stringify(sortKeys(next)) === JSON.stringify(sortKeys(current.status ?? {}))) return;
    this.noteWrite(current.raw, await patchStatus(this.deps.api, current.raw, next, ctx.signal));
  }

  private noteWrite(replaced: KubeObject, written: KubeObject): void {
    const { resourceVersion } = replaced.metadata;
    // A write that changed nothing keeps the resourceVersion and brings no event.
    if (resourceVersion !== undefined && written.metadata.resourceVersion !== resourceVersion) {
      this.superseded.set(keyOf(replaced), resourceVersion);
    }
  }
}

/** Orphan by policy, or by the annotation that lets a stuck object go. */
function orphaned(object: KubeObject & { spec?: { deletionPolicy?: string } }): boolean {
  return (
    object.metadata.annotations?.[DELETION_POLICY_ANNOTATION] === DeletionPolicy.Orphan ||
    object.spec?.deletionPolicy === DeletionPolicy.Orphan
  );
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, item]) => [key, sortKeys(item)]),
  );
}

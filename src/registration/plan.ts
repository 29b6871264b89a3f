// What one run should do for a ClusterRegistration, decided without I/O: from the typed object, what this process
// remembers of it (Progress), the clock and two lookups into caches (who else holds the clientId, what the Secrets
// say), plan() returns the ordered sends, the conditions that hold before any of them, and whether the object is
// scheduled again. The reconciler executes the sends and reports their outcomes; schedule.ts says when each is due.
import {
  ConditionReason,
  DELETION_POLICY_ANNOTATION,
  DeletionPolicy,
  type ClusterRegistration,
  type ClusterRegistrationStatus,
  type KafkaSpec,
} from '../api/index.js';
import type { KafkaConnection } from '../kafka/index.js';
import type { EventInput, KubeObject } from '../runtime/index.js';
import { everywhere, verdict, type Assessment, type Verdict } from './assessment.js';
import { describePlace, desiredPlace, recordedPlace, samePlace, type Place } from './claims.js';
import type { ResolvedConnection } from './credentials.js';
import { registrationDue, timingOf, type Progress, type RegisterReason, type Timing } from './schedule.js';

/** What observe gathered. The lookups read caches only. */
export interface Observation {
  registration: ClusterRegistration;
  status: ClusterRegistrationStatus | undefined;
  progress: Progress | undefined;
  now: number;
  /** The object that holds this one's clientId at `place` instead of it (ClaimIndex.holderOtherThan). */
  holder(place: Place, options?: { yieldToYounger?: boolean }): string | undefined;
  /** spec.kafka with its Secrets read (resolveConnection). */
  resolve(kafka: KafkaSpec): ResolvedConnection;
}

/** One record to send. A tombstone's connection may be unresolvable: that is its failure, without any I/O. */
export type Send =
  | { kind: 'tombstone'; place: Place; via: ResolvedConnection; leaving: boolean }
  | { kind: 'register'; place: Place; conn: KafkaConnection; reason: RegisterReason }
  | { kind: 'heartbeat'; place: Place; conn: KafkaConnection };

export type Plan =
  /** Nothing is sent and nothing is remembered: suspended, or another object holds the clientId. */
  | { kind: 'stop'; assessment: Assessment; events: EventInput[] }
  /** Nothing can be sent until a Secret changes; its watch brings the object back. */
  | { kind: 'wait'; assessment: Assessment; events: EventInput[] }
  /** Registered at `place`: `sends` are what is due now (maybe nothing), then the next run is scheduled. */
  | {
      kind: 'send';
      place: Place;
      conn: KafkaConnection;
      credentials: Verdict;
      timing: Timing;
      sends: Send[];
    };

/** Where a send's failure is reported, and how it is named. */
export interface StepName {
  condition: 'registered' | 'heartbeating';
  action: string;
  what: string;
}

export function stepName(send: Send): StepName {
  switch (send.kind) {
    case 'tombstone':
      return send.leaving
        ? {
            condition: 'registered',
            action: 'Move',
            what: `tombstone at the previous ${describePlace(send.place)}`,
          }
        : {
            condition: 'registered',
            action: 'Deregister',
            what: `tombstone at ${describePlace(send.place)}`,
          };
    case 'register':
      return { condition: 'registered', action: 'Register', what: 'registration' };
    case 'heartbeat':
      return { condition: 'heartbeating', action: 'Heartbeat', what: 'heartbeat' };
  }
}

export function plan(observed: Observation): Plan {
  const { registration, progress, now } = observed;
  const { spec, metadata } = registration;
  if (spec.suspend) {
    const message = 'spec.suspend is true: nothing is sent and nothing is deregistered';
    return { kind: 'stop', assessment: everywhere('False', ConditionReason.Suspended, message), events: [] };
  }
  const place = desiredPlace(spec);
  const holder = observed.holder(place);
  if (holder !== undefined) {
    const message =
      `ClusterRegistration ${holder} is older and registers clientId ${spec.clientId} at ${describePlace(place)}: ` +
      'this one sends nothing, and deleting it sends no tombstone';
    return {
      kind: 'stop',
      assessment: everywhere('False', ConditionReason.DuplicateClientId, message),
      events: [warning(ConditionReason.DuplicateClientId, 'Register', message)],
    };
  }
  const resolved = observed.resolve(spec.kafka);
  if (!resolved.ok) {
    return {
      kind: 'wait',
      assessment: { credentials: verdict('False', resolved.reason, resolved.message) },
      events: [warning(resolved.reason, 'Register', resolved.message)],
    };
  }
  const credentials = verdict(
    'True',
    resolved.usesSecrets ? ConditionReason.CredentialsResolved : ConditionReason.NoCredentialsRequired,
    resolved.usesSecrets ? 'the Secrets were read and the broker accepted them' : 'no Secret is needed',
  );
  const timing = timingOf(registration);
  const previous = recordedPlace(observed.status?.lastRegistration);
  const moving = previous !== undefined && !samePlace(previous, place);
  const due = moving
    ? 'moved'
    : registrationDue(
        progress,
        { uid: metadata.uid ?? '', generation: metadata.generation ?? 0, place: place.key },
        timing,
        now,
      );
  const sends: Send[] = [];
  // A move tombstones the old place first: two broker lists may name one Kafka cluster, and there the record sent
  // last must be the registration. Not when the record there is left by policy, or another object owns it now.
  if (moving && !orphaned(registration) && observed.holder(previous, { yieldToYounger: true }) === undefined)
    sends.push({ kind: 'tombstone', place: previous, via: observed.resolve(previous.kafka), leaving: true });
  if (due !== undefined) sends.push({ kind: 'register', place, conn: resolved.conn, reason: due });
  // Right after a registration the first heartbeat goes at once.
  const beat = due !== undefined || now >= (progress?.nextHeartbeatAt ?? now);
  if (timing.heartbeatEnabled && beat) sends.push({ kind: 'heartbeat', place, conn: resolved.conn });
  return { kind: 'send', place, conn: resolved.conn, credentials, timing, sends };
}

/** What deleting the object takes: the tombstones to send first, and the Event that says how it ended. */
export interface CleanupPlan {
  orphan: boolean;
  sends: Send[];
  /** Places where no tombstone goes although the object may have been there, and why: for the log. */
  skipped: { place: string; why: string }[];
  done: EventInput;
}

/** The cleanup of `object` on deletion; `registration` is undefined when its spec is invalid. */
export function planCleanup(
  object: KubeObject,
  registration: ClusterRegistration | undefined,
  observed: Pick<Observation, 'status' | 'holder' | 'resolve'>,
): CleanupPlan {
  const orphan = orphaned(object);
  const skipped: CleanupPlan['skipped'] = [];
  const sends: Send[] = [];
  if (!orphan && registration !== undefined) {
    const recorded = recordedPlace(observed.status?.lastRegistration);
    const desired = desiredPlace(registration.spec);
    const candidates = [
      desired,
      ...(recorded !== undefined && !samePlace(recorded, desired) ? [recorded] : []),
    ];
    for (const place of candidates) {
      const via = observed.resolve(place.kafka);
      if (observed.holder(place) !== undefined) {
        skipped.push({ place: place.key, why: 'another object holds the clientId there' });
      } else if (place === desired && recorded === undefined && !via.ok) {
        // Never registered, and the Secrets it needs are missing: nothing can have been sent with them.
        skipped.push({
          place: place.key,
          why: `never registered and its credentials are missing (${via.reason})`,
        });
      } else {
        sends.push({ kind: 'tombstone', place, via, leaving: false });
      }
    }
  }
  return { orphan, sends, skipped, done: deregistered(orphan, registration, sends) };
}

/** Appended to a failed deletion's Warning and Ready message: why the object stays, and how to let it go. */
export function howToLetGo(name: string): string {
  return (
    `The object is kept until the broker acknowledges the tombstone. To delete it without one: kubectl annotate ` +
    `clusterregistration ${name} ${DELETION_POLICY_ANNOTATION}=${DeletionPolicy.Orphan}`
  );
}

function deregistered(
  orphan: boolean,
  registration: ClusterRegistration | undefined,
  sends: Send[],
): EventInput {
  if (orphan) {
    return normal(
      'Orphaned',
      'deletion policy Orphan: no tombstone sent; the registration record stays in the registry topic',
    );
  }
  if (sends.length > 0)
    return normal(
      'Deregistered',
      `tombstone acknowledged at ${sends.map((send) => describePlace(send.place)).join(' and ')}`,
    );
  return normal(
    'NothingToDeregister',
    registration === undefined
      ? 'the spec is invalid, so no tombstone could be built'
      : 'no tombstone needed: never registered, or another ClusterRegistration holds the clientId there',
  );
}

/** Orphan by policy, or by the annotation that lets a stuck object go. */
function orphaned(object: KubeObject & { spec?: { deletionPolicy?: string } }): boolean {
  return (
    object.metadata.annotations?.[DELETION_POLICY_ANNOTATION] === DeletionPolicy.Orphan ||
    object.spec?.deletionPolicy === DeletionPolicy.Orphan
  );
}

const warning = (reason: string, action: string, note: string): EventInput => ({
  type: 'Warning',
  reason,
  action,
  note,
});
const normal = (reason: string, note: string): EventInput => ({
  type: 'Normal',
  reason,
  action: 'Deregister',
  note,
});

// What a run's outcomes mean, decided without I/O: the acknowledgements and the failure (if any) that executing a
// plan produced are folded into the Progress this process keeps, the status fields, the conditions and the Events,
// and the run's single error or its next run. The reconciler writes status once from this and emits the Events.
import { ConditionReason, type ClusterRegistration, type ClusterRegistrationStatus } from '../api/index.js';
import type { RecordPosition } from '../kafka/index.js';
import { rfc3339, type EventInput } from '../runtime/index.js';
import { sendFailed, verdict, type Assessment, type Failure } from './assessment.js';
import { describePlace } from './claims.js';
import { howToLetGo, type CleanupPlan, type Plan, type Send, type StepName } from './plan.js';
import { nextHeartbeatAt, nextRunInMs, type Progress } from './schedule.js';
import type { TopicVerdict } from './topic-check.js';

/** A step that failed, classified. */
export interface Failed extends StepName {
  failure: Failure;
}

/** What executing a plan produced: the topic's verdict, each acknowledgement in order, and the failure that ended it. */
export interface Executed {
  topic: TopicVerdict;
  acks: { send: Send; position: RecordPosition; at: number }[];
  failed?: Failed;
}

export interface Report {
  progress: Progress | undefined;
  fields: Partial<ClusterRegistrationStatus>;
  assessment: Assessment;
  events: EventInput[];
  /** The run failed: retried with backoff once status and the Warning are out. */
  error?: Error;
  requeueAfterMs?: number;
}

export interface SendReportInput {
  registration: ClusterRegistration;
  planned: Extract<Plan, { kind: 'send' }>;
  executed: Executed;
  progress: Progress | undefined;
  status: ClusterRegistrationStatus | undefined;
  clusterUid: string;
  /** status.lastHeartbeatTime moves at most this often. */
  heartbeatStatusPeriodMs: number;
  now: number;
  random?: () => number;
}

/** The outcome of a live object's sends. */
export function reportSends(input: SendReportInput): Report {
  const { registration, planned, executed, status } = input;
  const { place, timing } = planned;
  const events: EventInput[] = [];
  let progress = input.progress;
  let lastHeartbeatTime = status?.lastHeartbeatTime;
  for (const { send, position, at } of executed.acks) {
    if (send.kind === 'tombstone') {
      events.push(
        normal('Moved', 'Deregister', `tombstone acknowledged at the previous ${describePlace(send.place)}`),
      );
    } else if (send.kind === 'register') {
      progress = {
        uid: registration.metadata.uid ?? '',
        generation: registration.metadata.generation ?? 0,
        place: place.key,
        lastRegisteredAt: at,
        lastAckAt: at,
        nextHeartbeatAt: undefined,
        position: { ...position, kafka: registration.spec.kafka },
      };
      if (send.reason !== 'reassert')
        events.push(
          normal(
            ConditionReason.Registered,
            'Register',
            `registered at ${describePlace(place)} (${send.reason})`,
          ),
        );
    } else if (progress !== undefined) {
      progress = {
        ...progress,
        lastAckAt: at,
        nextHeartbeatAt: nextHeartbeatAt(at, timing.heartbeatIntervalMs, input.random),
      };
      const stored = lastHeartbeatTime === undefined ? 0 : Date.parse(lastHeartbeatTime);
      if (at - stored >= input.heartbeatStatusPeriodMs) lastHeartbeatTime = rfc3339(new Date(at));
    }
  }
  if (executed.failed !== undefined) {
    const failed = failedReport(executed.failed);
    return {
      progress,
      fields: {},
      assessment: { credentials: planned.credentials, ...failed.assessment },
      events: [...events, failed.event],
      error: failed.error,
    };
  }
  if (progress === undefined) throw new Error('unreachable: nothing registered and no failure');
  const { position } = progress;
  const registeredTime = rfc3339(new Date(progress.lastRegisteredAt));
  const topic = executed.topic;
  if (!topic.ok)
    events.push({
      type: 'Warning',
      reason: ConditionReason.TopicNotCompacted,
      action: 'Register',
      note: topic.message,
    });
  return {
    progress,
    fields: {
      clusterId: input.clusterUid,
      lastRegistration: position,
      lastRegisteredTime: registeredTime,
      firstRegisteredTime: status?.firstRegisteredTime ?? registeredTime,
      ...(lastHeartbeatTime === undefined ? {} : { lastHeartbeatTime }),
    },
    assessment: {
      credentials: planned.credentials,
      registered: verdict(
        'True',
        ConditionReason.Registered,
        `acknowledged at ${describePlace(place)}, partition ${position.partition} offset ${position.offset}`,
      ),
      heartbeating: timing.heartbeatEnabled
        ? verdict(
            'True',
            ConditionReason.HeartbeatAcknowledged,
            `heartbeats acknowledged every ${registration.spec.heartbeat.interval}`,
          )
        : verdict('False', ConditionReason.HeartbeatDisabled, 'spec.heartbeat.enabled is false'),
      ...(topic.ok ? {} : { ready: verdict('False', ConditionReason.TopicNotCompacted, topic.message) }),
    },
    events,
    requeueAfterMs: nextRunInMs(progress, timing, input.now),
  };
}

/** The outcome of a deletion's tombstones: done, or kept with a Ready message that says how to let it go. */
export function reportCleanup(name: string, planned: CleanupPlan, executed: Executed | undefined): Report {
  if (executed?.failed === undefined)
    return { progress: undefined, fields: {}, assessment: {}, events: [planned.done] };
  const { assessment, event, error } = failedReport(executed.failed);
  const note = `${event.note}. ${howToLetGo(name)}`;
  const ready = assessment.registered ?? verdict('False', ConditionReason.PublishFailed, note);
  return {
    progress: undefined,
    fields: {},
    assessment: { ...assessment, ready: { ...ready, message: note } },
    events: [{ ...event, note }],
    error,
  };
}

/** A failed step as conditions, a Warning, and the run's error. */
function failedReport(failed: Failed): { assessment: Assessment; event: EventInput; error: Error } {
  const assessment = sendFailed(failed.condition, failed.failure, failed.what);
  const said =
    assessment[failed.condition] ?? verdict('False', failed.failure.reason, failed.failure.message);
  const event: EventInput = {
    type: 'Warning',
    reason: said.reason,
    action: failed.action,
    note: said.message,
  };
  return { assessment, event, error: new Error(said.message, { cause: failed.failure }) };
}

const normal = (reason: string, action: string, note: string): EventInput => ({
  type: 'Normal',
  reason,
  action,
  note,
});

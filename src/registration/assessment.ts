// What the status conditions say. A reconcile sets what it learnt (credentials, registration, heartbeats); Ready is
// the summary, the first problem found, unless the object's state overrides it (suspended, duplicate, deleting).
import { ConditionReason, ConditionType, type Condition, type ConditionStatus } from '../api/index.js';
import { KafkaFailureReason } from '../kafka/index.js';
import { setCondition } from '../runtime/index.js';

export interface Verdict {
  status: ConditionStatus;
  reason: string;
  message: string;
}

export interface Assessment {
  credentials?: Verdict;
  registered?: Verdict;
  heartbeating?: Verdict;
  /** Overrides the summary. */
  ready?: Verdict;
}

export const verdict = (status: ConditionStatus, reason: string, message: string): Verdict => ({
  status,
  reason,
  message,
});

/** The same verdict on every condition: for states that stop everything (suspended, duplicate). */
export function everywhere(status: ConditionStatus, reason: string, message: string): Assessment {
  const all = verdict(status, reason, message);
  return { registered: all, heartbeating: all, ready: all };
}

/** A classified failure: a KafkaFailure, or a Secret that could not be read. */
export interface Failure {
  reason: string;
  message: string;
}

const CREDENTIAL_FAILURES: ReadonlySet<string> = new Set([
  KafkaFailureReason.AuthenticationFailed,
  KafkaFailureReason.TLSUntrusted,
  KafkaFailureReason.TLSHandshakeFailed,
]);

/** The condition reason of a Kafka failure: its own name, except the catch-all. */
export function failureReason(failure: Failure): string {
  return failure.reason === KafkaFailureReason.Unknown ? ConditionReason.PublishFailed : failure.reason;
}

/** A failed send of a registration or heartbeat; credential failures also mark the credentials invalid. */
export function sendFailed(
  record: 'registered' | 'heartbeating',
  failure: Failure,
  what: string,
): Assessment {
  const failed = verdict('False', failureReason(failure), `${what} failed: ${failure.message}`);
  return {
    [record]: failed,
    ...(CREDENTIAL_FAILURES.has(failure.reason) ? { credentials: failed } : {}),
  };
}

/**
 * The conditions after `assessment`. Conditions it does not mention keep their value; those
 * never set are Unknown/Pending. Transition times move only when a status flips (setCondition).
 */
export function nextConditions(
  current: readonly Condition[] | undefined,
  assessment: Assessment,
  generation: number | undefined,
  now: Date,
): Condition[] {
  const pending = verdict('Unknown', ConditionReason.Pending, 'not attempted yet');
  const find = (type: string): Verdict => {
    const found = current?.find((condition) => condition.type === type);
    return found === undefined ? pending : found;
  };
  const credentials = assessment.credentials ?? find(ConditionType.CredentialsValid);
  const registered = assessment.registered ?? find(ConditionType.Registered);
  const heartbeating = assessment.heartbeating ?? find(ConditionType.Heartbeating);
  const ready = assessment.ready ?? summary(credentials, registered, heartbeating);
  let conditions: Condition[] = [...(current ?? [])];
  for (const [type, value] of [
    [ConditionType.Ready, ready],
    [ConditionType.Registered, registered],
    [ConditionType.Heartbeating, heartbeating],
    [ConditionType.CredentialsValid, credentials],
  ] as const) {
    conditions = setCondition(
      conditions,
      {
        type,
        status: value.status,
        reason: value.reason,
        message: value.message,
        observedGeneration: generation,
      },
      now,
    );
  }
  return conditions;
}

function summary(credentials: Verdict, registered: Verdict, heartbeating: Verdict): Verdict {
  const heartbeatOk =
    heartbeating.status === 'True' || heartbeating.reason === ConditionReason.HeartbeatDisabled;
  for (const [ok, condition] of [
    [credentials.status === 'True', credentials],
    [registered.status === 'True', registered],
    [heartbeatOk, heartbeating],
  ] as const) {
    if (!ok)
      return verdict(
        condition.status === 'Unknown' ? 'Unknown' : 'False',
        condition.reason,
        condition.message,
      );
  }
  return verdict('True', ConditionReason.Registered, registered.message);
}

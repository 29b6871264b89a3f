// Status conditions in metav1.Condition's shape. lastTransitionTime records when the status last flipped, so it
// moves only then; a new reason or message alone keeps it.
import { rfc3339 } from './kube/time.js';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export type ConditionUpdate = Omit<Condition, 'lastTransitionTime'>;

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}

/** A new list with `update` applied; the others keep their order and values. Pure. */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  update: ConditionUpdate,
  now: Date,
): Condition[] {
  const list = conditions ?? [];
  const existing = findCondition(list, update.type);
  const lastTransitionTime =
    existing !== undefined && existing.status === update.status ? existing.lastTransitionTime : rfc3339(now);
  const next: Condition = { ...update, lastTransitionTime };
  return existing === undefined
    ? [...list, next]
    : list.map((condition) => (condition.type === update.type ? next : condition));
}

// The controller runtime the operator stands on; see docs/runtime.md.
export {
  Backoff,
  KeyedBackoff,
  backoffDelay,
  reconcileBackoffPolicy,
  watchBackoffPolicy,
} from './backoff.js';
export type { BackoffPolicy } from './backoff.js';
export { systemClock } from './clock.js';
export type { Clock, Timer } from './clock.js';
export { findCondition, setCondition } from './conditions.js';
export type { Condition, ConditionStatus, ConditionUpdate } from './conditions.js';
export { Controller, mapChanges } from './controller.js';
export type {
  ControllerOptions,
  ReconcileContext,
  ReconcileResult,
  Reconciler,
  Watch,
} from './controller.js';
export { DeadlineExceededError, withDeadline } from './deadline.js';
export { EventRecorder } from './events.js';
export { failpoints } from './failpoint.js';
export type { Failpoint } from './failpoint.js';
export type { EventInput, EventType } from './events.js';
export { finalizer, hasFinalizer } from './finalizers.js';
export type { FinalizerApi, FinalizerEvent } from './finalizers.js';
export { Informer } from './informer/informer.js';
export type { Cache, InformerOptions, ObjectSource } from './informer/informer.js';
export { changedBeyondStatus } from './informer/store.js';
export type { ObjectEvent, ObjectEventType } from './informer/store.js';
export { KubeApiError, KubeClient, isConflict, isGone, isNotFound } from './kube/client.js';
export { listPages } from './kube/list.js';
export { keyOf, objectKey } from './kube/object.js';
export type { KubeObject, ObjectMeta, ObjectRef } from './kube/object.js';
export { ResourceApi } from './kube/resource-api.js';
export type { Decode, JsonPatchOperation } from './kube/resource-api.js';
export { apiVersionOf } from './kube/resource.js';
export type { ResourceType } from './kube/resource.js';
export { rfc3339 } from './kube/time.js';
export { LeaderElector } from './leader-election.js';
export type { LeaderElectionOptions } from './leader-election.js';
export { LeadershipLostError, Manager } from './manager.js';
export type { ManagerOptions } from './manager.js';
export { sameContent } from './same-content.js';
export { updateStatus } from './status.js';
export { WorkQueue } from './workqueue.js';

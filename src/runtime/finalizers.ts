// Our finalizer, added and removed with JSON patches that first test the very list or entry they change, so a
// concurrent change by another controller makes the patch fail (and the reconcile retry on fresh state) instead
// of overwriting that controller's finalizers. `finalizer()` wraps a reconcile in it, after kube-rs's
// kube-runtime finalizer: Apply while the object lives, Cleanup once it is being deleted.
import type { ReconcileResult } from './controller.js';
import type { KubeObject } from './kube/object.js';
import type { JsonPatchOperation, ResourceApi } from './kube/resource-api.js';

/** Apply: the object lives and carries the finalizer. Cleanup: it is being deleted and still carries it. */
export type FinalizerEvent<T> = { type: 'apply'; object: T } | { type: 'cleanup'; object: T };

/** All the combinator writes with. */
export type FinalizerApi<T extends KubeObject> = Pick<ResourceApi<T>, 'jsonPatch'>;

/**
 * Runs `reconcile` under `name`. A live object without the finalizer gets it and the run ends there: the write's
 * watch event starts the next run, on the object as stored, so nothing is ever done for an object that could be
 * deleted without us. Cleanup runs on deletion; the finalizer goes only once Cleanup returned (a throw keeps it,
 * and the run is retried). A deleted object without the finalizer is no longer ours: nothing is done.
 */
export async function finalizer<T extends KubeObject>(
  api: FinalizerApi<T>,
  name: string,
  object: T,
  reconcile: (event: FinalizerEvent<T>) => Promise<ReconcileResult>,
  signal?: AbortSignal,
): Promise<ReconcileResult> {
  const present = hasFinalizer(object, name);
  if (object.metadata.deletionTimestamp === undefined) {
    if (present) return reconcile({ type: 'apply', object });
    await ensureFinalizer(api, object, name, signal);
    return {};
  }
  if (!present) return {};
  const result = await reconcile({ type: 'cleanup', object });
  await removeFinalizer(api, object, name, signal);
  return result;
}

export function hasFinalizer(object: KubeObject, finalizer: string): boolean {
  return object.metadata.finalizers?.includes(finalizer) ?? false;
}

/** The patch that adds `finalizer`, or undefined when it is already there. */
export function addFinalizerPatch(object: KubeObject, finalizer: string): JsonPatchOperation[] | undefined {
  const finalizers = object.metadata.finalizers;
  if (finalizers?.includes(finalizer) === true) return undefined;
  if (finalizers === undefined || finalizers.length === 0) {
    // The list is absent (or empty): test that, then create it.
    return [
      { op: 'test', path: '/metadata/finalizers', value: finalizers ?? null },
      { op: 'add', path: '/metadata/finalizers', value: [finalizer] },
    ];
  }
  return [
    { op: 'test', path: '/metadata/finalizers', value: finalizers },
    { op: 'add', path: '/metadata/finalizers/-', value: finalizer },
  ];
}

/** The patch that removes `finalizer`, or undefined when it is not there. */
export function removeFinalizerPatch(
  object: KubeObject,
  finalizer: string,
): JsonPatchOperation[] | undefined {
  const index = object.metadata.finalizers?.indexOf(finalizer) ?? -1;
  if (index < 0) return undefined;
  const path = `/metadata/finalizers/${index}`;
  return [
    { op: 'test', path, value: finalizer },
    { op: 'remove', path },
  ];
}

/** Adds `finalizer` unless present; returns the object as the API server now has it. */
export async function ensureFinalizer<T extends KubeObject>(
  api: FinalizerApi<T>,
  object: T,
  finalizer: string,
  signal?: AbortSignal,
): Promise<T> {
  const patch = addFinalizerPatch(object, finalizer);
  return patch === undefined ? object : api.jsonPatch(object.metadata, patch, { signal });
}

/** Removes `finalizer` if present; returns the object as the API server now has it. */
export async function removeFinalizer<T extends KubeObject>(
  api: FinalizerApi<T>,
  object: T,
  finalizer: string,
  signal?: AbortSignal,
): Promise<T> {
  const patch = removeFinalizerPatch(object, finalizer);
  return patch === undefined ? object : api.jsonPatch(object.metadata, patch, { signal });
}

// Our finalizer, added and removed with JSON patches that first test the very list or entry they change, so a
// concurrent change by another controller makes the patch fail (and the reconcile retry on fresh state) instead
// of overwriting that controller's finalizers.
import type { KubeObject } from './kube/object.js';
import type { JsonPatchOperation, ResourceApi } from './kube/resource-api.js';

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
  api: ResourceApi<T>,
  object: T,
  finalizer: string,
  signal?: AbortSignal,
): Promise<T> {
  const patch = addFinalizerPatch(object, finalizer);
  return patch === undefined ? object : api.jsonPatch(object.metadata, patch, { signal });
}

/** Removes `finalizer` if present; returns the object as the API server now has it. */
export async function removeFinalizer<T extends KubeObject>(
  api: ResourceApi<T>,
  object: T,
  finalizer: string,
  signal?: AbortSignal,
): Promise<T> {
  const patch = removeFinalizerPatch(object, finalizer);
  return patch === undefined ? object : api.jsonPatch(object.metadata, patch, { signal });
}

// Status goes through the status subresource, stamped with the generation it describes, and locked to the
// resourceVersion it was computed from: if the object changed meanwhile, the API server answers 409 and the
// reconcile retries on fresh state, so a stale cache can never flip a condition's transition time.
import type { KubeObject } from './kube/object.js';
import type { ResourceApi } from './kube/resource-api.js';

/** The status as written: observedGeneration is the generation it was computed from, set here and nowhere else. */
function stamped(object: KubeObject, status: object): object {
  const { generation } = object.metadata;
  return { ...status, ...(generation === undefined ? {} : { observedGeneration: generation }) };
}

export async function patchStatus<T extends KubeObject>(
  api: Pick<ResourceApi<T>, 'mergePatch'>,
  object: T,
  status: object,
  signal?: AbortSignal,
): Promise<T> {
  const patch = {
    metadata: { resourceVersion: object.metadata.resourceVersion },
    status: stamped(object, status),
  };
  return api.mergePatch(object.metadata, patch, { subresource: 'status', signal });
}

/**
 * Writes `status` unless `stored` (the status as read) already says the same; returns whether it wrote. A write
 * that changes nothing would still cost an API call and, with a new resourceVersion, another watch event.
 */
export async function updateStatus<T extends KubeObject>(
  api: Pick<ResourceApi<T>, 'mergePatch'>,
  object: T,
  stored: object | undefined,
  status: object,
  signal?: AbortSignal,
): Promise<boolean> {
  if (sameContent(stamped(object, status), stored ?? {})) return false;
  await patchStatus(api, object, status, signal);
  return true;
}

/**
 * Equal content as JSON would say it: arrays in order, objects by their defined members whatever their order. Walked
 * rather than compared as sorted JSON: this runs on every reconcile (each heartbeat), and sorting keys showed up in
 * the steady state's profile.
 */
function sameContent(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => sameContent(item, b[i]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  let defined = 0;
  for (const key in left) {
    if (left[key] === undefined) continue;
    defined += 1;
    if (!Object.hasOwn(right, key) || !sameContent(left[key], right[key])) return false;
  }
  for (const key in right) if (right[key] !== undefined) defined -= 1;
  return defined === 0;
}

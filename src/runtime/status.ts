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
  if (canonical(stamped(object, status)) === canonical(stored ?? {})) return false;
  await patchStatus(api, object, status, signal);
  return true;
}

/** JSON with sorted keys and without undefined members: equal for equal content. */
function canonical(value: unknown): string {
  const sorted = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(sorted);
    if (item === null || typeof item !== 'object') return item;
    return Object.fromEntries(
      Object.entries(item)
        .filter(([, member]) => member !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, member]) => [key, sorted(member)]),
    );
  };
  return JSON.stringify(sorted(value));
}

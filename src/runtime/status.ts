// Status goes through the status subresource, stamped with the generation it describes, and locked to the
// resourceVersion it was computed from: if the object changed meanwhile, the API server answers 409 and the
// reconcile retries on fresh state, so a stale cache can never flip a condition's transition time.
import type { KubeObject } from './kube/object.js';
import type { ResourceApi } from './kube/resource-api.js';
import { sameContent } from './same-content.js';

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

// Status goes through the status subresource, stamped with the generation it describes, and locked to the
// resourceVersion it was computed from: if the object changed meanwhile, the API server answers 409 and the
// reconcile retries on fresh state, so a stale cache can never flip a condition's transition time.
import type { KubeObject } from './kube/object.js';
import type { ResourceApi } from './kube/resource-api.js';

export async function patchStatus<T extends KubeObject>(
  api: ResourceApi<T>,
  object: T,
  status: object,
  signal?: AbortSignal,
): Promise<T> {
  const { generation, resourceVersion } = object.metadata;
  const patch = {
    metadata: { resourceVersion },
    status: { ...status, ...(generation === undefined ? {} : { observedGeneration: generation }) },
  };
  return api.mergePatch(object.metadata, patch, { subresource: 'status', signal });
}

// The shape every Kubernetes object shares, and the keys the cache and the work queue use for objects.

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  finalizers?: string[];
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

/** Where an object lives: a name, and a namespace unless it is cluster-scoped. */
export interface ObjectRef {
  name: string;
  namespace?: string;
}

/** client-go's MetaNamespaceKeyFunc: `namespace/name`, or `name` for a cluster-scoped object. */
export function objectKey(ref: ObjectRef): string {
  return ref.namespace === undefined || ref.namespace === '' ? ref.name : `${ref.namespace}/${ref.name}`;
}

export function keyOf(object: KubeObject): string {
  return objectKey(object.metadata);
}

/** Accepts anything with a named metadata; a `decode` function checks the rest. */
export function isKubeObject(value: unknown): value is KubeObject {
  if (value === null || typeof value !== 'object' || !('metadata' in value)) return false;
  const metadata: unknown = value.metadata;
  return (
    metadata !== null &&
    typeof metadata === 'object' &&
    'name' in metadata &&
    typeof metadata.name === 'string'
  );
}

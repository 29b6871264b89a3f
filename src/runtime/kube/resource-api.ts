// Typed calls on one kind of resource: what finalizers, status, leases and events need, nothing more.
import type { KubeClient } from './client.js';
import { isNotFound } from './client.js';
import { isKubeObject, type KubeObject, type ObjectRef } from './object.js';
import { apiVersionOf, objectPath, resourcePath, type ResourceType } from './resource.js';

/** Turns what the API server sent into a T, or throws; e.g. a zod schema's `parse`. */
export type Decode<T> = (raw: unknown) => T;

export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'test';
  path: string;
  value?: unknown;
}

/** Checks the metadata the runtime itself relies on; without a `decode`, the API server is trusted for the rest. */
export function assertKubeObject(raw: unknown): KubeObject {
  if (!isKubeObject(raw)) throw new Error('not a Kubernetes object: metadata.name is missing');
  return raw;
}

/** Items of a list carry no apiVersion and kind; events and owner references need them. */
export function withTypeMeta(raw: unknown, type: ResourceType): unknown {
  if (raw === null || typeof raw !== 'object') return raw;
  return { apiVersion: apiVersionOf(type), kind: type.kind, ...raw };
}

export class ResourceApi<T extends KubeObject> {
  constructor(
    readonly client: KubeClient,
    readonly type: ResourceType,
    private readonly decode: Decode<T> = (raw) => assertKubeObject(raw) as T,
  ) {}

  async get(ref: ObjectRef, signal?: AbortSignal): Promise<T | undefined> {
    try {
      return this.decoded(await this.client.request({ path: objectPath(this.type, ref), signal }));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async create(object: T, signal?: AbortSignal): Promise<T> {
    const path = resourcePath(this.type, { namespace: object.metadata.namespace });
    return this.decoded(await this.client.request({ method: 'POST', path, body: object, signal }));
  }

  /** A PUT: fails with 409 Conflict unless `metadata.resourceVersion` is still the current one. */
  async replace(object: T, signal?: AbortSignal): Promise<T> {
    const path = objectPath(this.type, object.metadata);
    return this.decoded(await this.client.request({ method: 'PUT', path, body: object, signal }));
  }

  async jsonPatch(
    ref: ObjectRef,
    operations: readonly JsonPatchOperation[],
    options: { subresource?: string; signal?: AbortSignal } = {},
  ): Promise<T> {
    return this.patch(ref, operations, 'application/json-patch+json', options);
  }

  async mergePatch(
    ref: ObjectRef,
    patch: unknown,
    options: { subresource?: string; signal?: AbortSignal } = {},
  ): Promise<T> {
    return this.patch(ref, patch, 'application/merge-patch+json', options);
  }

  private async patch(
    ref: ObjectRef,
    body: unknown,
    contentType: string,
    options: { subresource?: string; signal?: AbortSignal },
  ): Promise<T> {
    const path = objectPath(this.type, ref, options.subresource);
    const raw = await this.client.request({
      method: 'PATCH',
      path,
      body,
      contentType,
      signal: options.signal,
    });
    return this.decoded(raw);
  }

  private decoded(raw: unknown): T {
    return this.decode(withTypeMeta(raw, this.type));
  }
}

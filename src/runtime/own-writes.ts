// The versions this process's own writes produced, by key, so that their echoes from the watch start no run: the
// run that wrote already acted on the object as the API server answered it (after adding a finalizer, Apply goes on
// with the answer). Reconciling the echo would meet a cache that is one write behind that run, a status write
// locked to it would get 409, and a new object would take two runs where one does.
import type { ObjectEvent } from './informer/store.js';
import { keyOf, type KubeObject } from './kube/object.js';
import type { ResourceApi } from './kube/resource-api.js';

type Writes<T extends KubeObject> = Pick<ResourceApi<T>, 'jsonPatch' | 'mergePatch'>;

export class OwnWrites {
  /**
   * A key's written versions not yet echoed, oldest first. The watch delivers versions in order, so an echo also
   * settles the writes before it (their echoes came or were skipped by a relist).
   */
  private readonly pending = new Map<string, string[]>();

  /** `api` whose patches remember the version they produced. */
  track<T extends KubeObject>(api: Writes<T>): Writes<T> {
    return {
      jsonPatch: async (ref, operations, options) =>
        this.wrote(await api.jsonPatch(ref, operations, options)),
      mergePatch: async (ref, patch, options) => this.wrote(await api.mergePatch(ref, patch, options)),
    };
  }

  /** True for the update that brings back a version a write of ours produced. For a controller's `filter`. */
  isEcho(event: ObjectEvent<KubeObject>): boolean {
    const key = keyOf(event.object);
    const written = this.pending.get(key);
    if (written === undefined) return false;
    if (event.type === 'deleted') {
      this.pending.delete(key);
      return false;
    }
    const at = event.type === 'updated' ? written.indexOf(event.object.metadata.resourceVersion ?? '') : -1;
    if (at < 0) return false;
    if (at === written.length - 1) this.pending.delete(key);
    else written.splice(0, at + 1);
    return true;
  }

  private wrote<T extends KubeObject>(object: T): T {
    const { resourceVersion } = object.metadata;
    if (resourceVersion === undefined) return object;
    const key = keyOf(object);
    const written = this.pending.get(key);
    if (written === undefined) this.pending.set(key, [resourceVersion]);
    else written.push(resourceVersion);
    return object;
  }
}

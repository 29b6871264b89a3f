// The echoes of this process's own writes, kept from the controller: the run that wrote already acted on the object
// as the API server answered it (after adding a finalizer, Apply goes on with the answer). Reconciling an echo would
// meet a cache one write behind that run, a status write locked to it would get 409, and a new object would take
// two runs where one does. The echo can come before the answer (the watch and the write share one connection, and
// the API server sends them from different goroutines), so events for an object with a write in flight wait for
// the answer: the one carrying the answer's version is dropped, the others pass on in order.
import type { ObjectSource } from './informer/informer.js';
import type { ObjectEvent } from './informer/store.js';
import { keyOf, objectKey, type KubeObject, type ObjectRef } from './kube/object.js';
import type { ResourceApi } from './kube/resource-api.js';

type Writes<T extends KubeObject> = Pick<ResourceApi<T>, 'jsonPatch' | 'mergePatch'>;

interface Held {
  event: ObjectEvent<KubeObject>;
  deliver: () => void;
}

export class OwnWrites {
  /**
   * A key's written versions whose echo has not come, oldest first. The watch delivers versions in order, so an
   * echo also settles the writes before it (their echoes came, or a relist skipped them).
   */
  private readonly pending = new Map<string, string[]>();
  /** Keys with writes in flight, and the events that came meanwhile. */
  private readonly writing = new Map<string, { count: number; held: Held[] }>();

  /** `api` whose patches hold the object's events while in flight and remember the version they produced. */
  track<T extends KubeObject>(api: Writes<T>): Writes<T> {
    return {
      jsonPatch: (ref, operations, options) => this.write(ref, () => api.jsonPatch(ref, operations, options)),
      mergePatch: (ref, patch, options) => this.write(ref, () => api.mergePatch(ref, patch, options)),
    };
  }

  /** `source` as the controller should hear it: without the echoes of the writes made through `track`. */
  withoutEchoes<T extends KubeObject>(source: ObjectSource<T>): ObjectSource<T> {
    return {
      get: (key) => source.get(key),
      list: () => source.list(),
      subscribe: (handler) =>
        source.subscribe((event) => {
          const held = this.writing.get(keyOf(event.object));
          const deliver = () => {
            handler(event);
          };
          if (held !== undefined) held.held.push({ event, deliver });
          else if (!this.isEcho(event)) deliver();
        }),
    };
  }

  private async write<T extends KubeObject>(ref: ObjectRef, call: () => Promise<T>): Promise<T> {
    const key = objectKey(ref);
    const inFlight = this.writing.get(key) ?? { count: 0, held: [] };
    inFlight.count += 1;
    this.writing.set(key, inFlight);
    try {
      const answer = await call();
      const { resourceVersion } = answer.metadata;
      if (resourceVersion !== undefined)
        this.pending.set(key, [...(this.pending.get(key) ?? []), resourceVersion]);
      return answer;
    } finally {
      inFlight.count -= 1;
      if (inFlight.count === 0) {
        this.writing.delete(key);
        for (const { event, deliver } of inFlight.held) if (!this.isEcho(event)) deliver();
      }
    }
  }

  /** True for the update that brings back a version a write of ours produced; a deletion forgets the key. */
  private isEcho(event: ObjectEvent<KubeObject>): boolean {
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
}

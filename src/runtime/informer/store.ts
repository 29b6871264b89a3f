// The informer's cache: the last state seen of each object, by key. A full list replaces it wholesale and says
// what changed, deletions included, so that a relist after a 410 or an outage misses nothing.
import { keyOf, type KubeObject } from '../kube/object.js';
import { sameContent } from '../same-content.js';

export type ObjectEventType = 'added' | 'updated' | 'deleted' | 'resync';

export interface ObjectEvent<T> {
  type: ObjectEventType;
  object: T;
  /** On 'updated' from the informer: the object as cached before. */
  previous?: T;
}

/** The object with what only a status write changes left out. */
function beyondStatus(object: KubeObject): object {
  return { ...object, status: undefined, metadata: { ...object.metadata, resourceVersion: undefined } };
}

/**
 * False for an update that changed nothing but status: a controller's own status write comes back this way, and
 * reconciling its echo finds nothing to do. Metadata changes (finalizers, deletion, labels, annotations) count.
 */
export function changedBeyondStatus(event: ObjectEvent<KubeObject>): boolean {
  if (event.type !== 'updated' || event.previous === undefined) return true;
  return !sameContent(beyondStatus(event.previous), beyondStatus(event.object));
}

export class ObjectStore<T extends KubeObject> {
  private readonly objects = new Map<string, T>();

  get(key: string): T | undefined {
    return this.objects.get(key);
  }

  list(): T[] {
    return [...this.objects.values()];
  }

  get size(): number {
    return this.objects.size;
  }

  /** Undefined when the object is already there at the same resourceVersion. */
  upsert(object: T): ObjectEvent<T> | undefined {
    const key = keyOf(object);
    const previous = this.objects.get(key);
    this.objects.set(key, object);
    if (previous === undefined) return { type: 'added', object };
    if (previous.metadata.resourceVersion === object.metadata.resourceVersion) return undefined;
    return { type: 'updated', object, previous };
  }

  delete(object: T): ObjectEvent<T> | undefined {
    const key = keyOf(object);
    if (!this.objects.delete(key)) return undefined;
    return { type: 'deleted', object };
  }

  /** Makes the store exactly `objects`; objects that did not change come back as 'resync'. */
  replace(objects: readonly T[]): ObjectEvent<T>[] {
    const events: ObjectEvent<T>[] = [];
    const seen = new Set<string>();
    for (const object of objects) {
      seen.add(keyOf(object));
      events.push(this.upsert(object) ?? { type: 'resync', object });
    }
    for (const [key, object] of this.objects) {
      if (!seen.has(key)) {
        this.objects.delete(key);
        events.push({ type: 'deleted', object });
      }
    }
    return events;
  }
}

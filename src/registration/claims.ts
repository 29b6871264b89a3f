// Where a registration lives (brokers + registry topic), and which object holds a clientId there. Two objects with
// the same clientId at the same place would overwrite each other's record and one's deletion would tombstone the
// other's registration, so the older one wins and the newer one sends nothing.
import type {
  ClusterRegistration,
  ClusterRegistrationSpec,
  KafkaSpec,
  LastRegistration,
} from '../api/index.js';
import type { ObjectEvent, ObjectSource, Watch } from '../runtime/index.js';
import { keyOf, sameContent } from '../runtime/index.js';
import { referencedSecrets } from './credentials.js';
import type { Registration } from './registrations.js';

/** A registry topic on a set of brokers, with the settings to reach it. */
export interface Place {
  /** Equal for the same brokers (any order or case) and topic. */
  key: string;
  /** Lower-cased, sorted, without repeats. */
  brokers: string[];
  kafka: KafkaSpec;
  topic: string;
}

function placeOf(kafka: KafkaSpec, topic: string): Place {
  const brokers = [...new Set(kafka.brokers.map((broker) => broker.trim().toLowerCase()))].sort();
  return { key: `${brokers.join(',')}/${topic}`, brokers, kafka, topic };
}

/**
 * Whether two places may be one topic: the same topic name on broker lists that share a broker. A bootstrap list
 * that gained or lost a broker still names the same Kafka cluster; only disjoint lists are taken for another one.
 */
export function samePlace(a: Pick<Place, 'brokers' | 'topic'>, b: Pick<Place, 'brokers' | 'topic'>): boolean {
  return a.topic === b.topic && a.brokers.some((broker) => b.brokers.includes(broker));
}

export function describePlace(place: Place): string {
  return `topic ${place.topic} on ${place.kafka.brokers.join(',')}`;
}

/** Where the spec asks to be registered. */
export function desiredPlace(spec: ClusterRegistrationSpec): Place {
  return placeOf(spec.kafka, spec.topics.registry);
}

/** Where the last acknowledged registration went, as status recorded it. */
export function recordedPlace(last: LastRegistration | undefined): Place | undefined {
  return last?.kafka === undefined ? undefined : placeOf(last.kafka, last.topic);
}

interface Claim {
  key: string;
  clientId: string;
  place: Place;
  createdAt: string;
  deleting: boolean;
  /** The Secrets its spec.kafka names. */
  secrets: string[];
}

/** Before `b`: created earlier, or at the same second with a smaller name. */
function older(a: Claim, b: Claim): boolean {
  return a.createdAt !== b.createdAt ? a.createdAt < b.createdAt : a.key < b.key;
}

/**
 * Every object's clientId, place and Secrets, kept up to date from the informer's events (from its first list on)
 * with the parse ParsedRegistrations made of each version: finding a rival, or the objects a changed Secret
 * concerns, is a map lookup rather than parsing every object. As a controller watch, it re-runs the objects that
 * share a clientId with one that changed: they decide together who holds it.
 */
export class ClaimIndex implements Watch {
  private readonly byKey = new Map<string, Claim>();
  private readonly byClientId = new Map<string, Set<string>>();
  private readonly listeners = new Set<(key: string) => void>();

  constructor(source: ObjectSource<Registration>) {
    source.subscribe((event) => {
      for (const key of this.apply(event)) for (const listener of this.listeners) listener(key);
    });
  }

  subscribe(enqueue: (key: string) => void): () => void {
    this.listeners.add(enqueue);
    return () => {
      this.listeners.delete(enqueue);
    };
  }

  /** Updates the index; returns the keys whose standing may have changed (same clientId, before or after). */
  private apply(event: ObjectEvent<Registration>): string[] {
    const key = keyOf(event.object.raw);
    const before = this.byKey.get(key);
    if (before !== undefined) this.remove(before);
    const parsed = event.type === 'deleted' ? undefined : event.object.parsed;
    const claim = parsed?.ok === true ? claimOf(parsed.value) : undefined;
    if (claim !== undefined) this.add(claim);
    // A status write leaves the claim as it was, and so every sharer's standing.
    if (before !== undefined && sameContent(before, claim)) return [];
    const affected = new Set<string>();
    for (const clientId of [before?.clientId, claim?.clientId]) {
      for (const other of clientId === undefined ? [] : (this.byClientId.get(clientId) ?? [])) {
        if (other !== key) affected.add(other);
      }
    }
    return [...affected];
  }

  /**
   * The object that holds `registration`'s clientId at `place` instead of it: the oldest live claimant there, if
   * that is another object. A live object yields only to an older one, unless `yieldToYounger` (it is leaving
   * the place) or it is being deleted.
   */
  holderOtherThan(
    registration: ClusterRegistration,
    place: Place,
    options: { yieldToYounger?: boolean } = {},
  ): string | undefined {
    const self = claimOf(registration);
    let holder: Claim | undefined;
    for (const key of this.byClientId.get(self.clientId) ?? []) {
      const claim = this.byKey.get(key);
      if (claim === undefined || key === self.key || !samePlace(claim.place, place) || claim.deleting)
        continue;
      if (holder === undefined || older(claim, holder)) holder = claim;
    }
    if (holder === undefined) return undefined;
    return self.deleting || options.yieldToYounger === true || older(holder, self) ? holder.key : undefined;
  }

  /** The keys of the objects whose spec.kafka names the Secret `name`. */
  usingSecret(name: string): string[] {
    return [...this.byKey.values()].filter((claim) => claim.secrets.includes(name)).map((claim) => claim.key);
  }

  private add(claim: Claim): void {
    this.byKey.set(claim.key, claim);
    let keys = this.byClientId.get(claim.clientId);
    if (keys === undefined) this.byClientId.set(claim.clientId, (keys = new Set()));
    keys.add(claim.key);
  }

  private remove(claim: Claim): void {
    this.byKey.delete(claim.key);
    const keys = this.byClientId.get(claim.clientId);
    keys?.delete(claim.key);
    if (keys?.size === 0) this.byClientId.delete(claim.clientId);
  }
}

function claimOf(registration: ClusterRegistration): Claim {
  return {
    key: keyOf(registration),
    clientId: registration.spec.clientId,
    place: desiredPlace(registration.spec),
    createdAt: registration.metadata.creationTimestamp ?? '',
    deleting: registration.metadata.deletionTimestamp !== undefined,
    secrets: referencedSecrets(registration.spec.kafka),
  };
}

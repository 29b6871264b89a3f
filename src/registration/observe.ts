// Observe, the first step of a run: the object as the cache holds it (typed once per version, ParsedRegistrations),
// the one record this process keeps per object (what it sent, the producers it holds), and the cache lookups plan()
// may make. Nothing here does I/O but letting go of producers when an object is forgotten.
import type { ClusterRegistration } from '../api/index.js';
import type { KafkaTransport } from '../kafka/index.js';
import type { Cache } from '../runtime/index.js';
import type { ClaimIndex } from './claims.js';
import { resolveConnection, type Secret } from './credentials.js';
import type { Observation } from './plan.js';
import { PlaceProducers } from './producers.js';
import type { Registration } from './registrations.js';
import type { Progress } from './schedule.js';

/** What this process keeps per object: what it sent, and the producers it holds (one per place). */
export interface ObjectState {
  progress?: Progress;
  producers: PlaceProducers;
}

/** The object as observed, and what this process keeps of it. */
export interface Observed extends Registration {
  state: ObjectState;
}

export interface ObserverDeps {
  registrations: Cache<Registration>;
  secrets: Cache<Secret>;
  claims: Pick<ClaimIndex, 'holderOtherThan'>;
  kafka: Pick<KafkaTransport, 'acquire'>;
  /** The operator's namespace: where referenced Secrets are read from. */
  namespace: string;
}

export class Observer {
  private readonly states = new Map<string, ObjectState>();

  constructor(private readonly deps: ObserverDeps) {}

  /** The object and its state record (made on first sight), or undefined once it is gone from the cache. */
  observe(key: string): Observed | undefined {
    const registration = this.deps.registrations.get(key);
    if (registration === undefined) return undefined;
    let state = this.states.get(key);
    if (state === undefined)
      this.states.set(key, (state = { producers: new PlaceProducers(this.deps.kafka, key) }));
    return { ...registration, state };
  }

  /** The cache lookups plan() may make; an invalid spec claims no place, so nothing holds one against it. */
  lookups(
    registration: ClusterRegistration | undefined,
    observed: Observed,
  ): Pick<Observation, 'status' | 'holder' | 'resolve'> {
    return {
      status: observed.status,
      holder: (place, options) =>
        registration === undefined
          ? undefined
          : this.deps.claims.holderOtherThan(registration, place, options),
      resolve: (kafka) => resolveConnection(kafka, this.deps.secrets, this.deps.namespace),
    };
  }

  /** Drops what this process knows of the object and lets go of its producers. */
  async forget(key: string): Promise<void> {
    const state = this.states.get(key);
    this.states.delete(key);
    await state?.producers.releaseAll();
  }
}

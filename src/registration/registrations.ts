// Each ClusterRegistration parsed once per version, for every reader: the reconciler, ClaimIndex and, through it,
// the Secret-to-objects mapping. It stands in front of the informer's cache of raw objects (raw, so that an invalid
// one can still be reported on), hears each event first and passes it on with the parse.
import {
  parseClusterRegistration,
  parseStatus,
  type ClusterRegistrationStatus,
  type ParseResult,
} from '../api/index.js';
import { keyOf, type KubeObject, type ObjectEvent, type ObjectSource } from '../runtime/index.js';

/** One object as the operator reads it. */
export interface Registration {
  raw: KubeObject;
  /** Typed with its spec defaulted, or why it is invalid. */
  parsed: ParseResult;
  /** The stored status, parsed leniently (parseStatus): a bad one is treated as empty. */
  status: ClusterRegistrationStatus | undefined;
}

export class ParsedRegistrations implements ObjectSource<Registration> {
  private readonly parses = new Map<string, { version: string; registration: Registration }>();
  private readonly handlers = new Set<(event: ObjectEvent<Registration>) => void>();

  constructor(private readonly source: ObjectSource<KubeObject>) {
    source.subscribe((event) => {
      const key = keyOf(event.object);
      const registration = this.parse(key, event.object);
      if (event.type === 'deleted') this.parses.delete(key);
      for (const handler of this.handlers) handler({ type: event.type, object: registration });
    });
  }

  get(key: string): Registration | undefined {
    const raw = this.source.get(key);
    return raw === undefined ? undefined : this.parse(key, raw);
  }

  list(): Registration[] {
    return this.source.list().map((raw) => this.parse(keyOf(raw), raw));
  }

  subscribe(handler: (event: ObjectEvent<Registration>) => void): () => void {
    this.handlers.add(handler);
    return () => {
      this.handlers.delete(handler);
    };
  }

  /** The parse of this version, made now if it is new; the generation is part of it as every spec change bumps it. */
  private parse(key: string, raw: KubeObject): Registration {
    const { resourceVersion, generation } = raw.metadata;
    const version = `${resourceVersion ?? ''}/${generation ?? ''}`;
    const known = this.parses.get(key);
    if (known !== undefined && known.version === version && resourceVersion !== undefined)
      return known.registration;
    const parsed = parseClusterRegistration(raw);
    const registration = { raw, parsed, status: parsed.ok ? parsed.value.status : parseStatus(raw) };
    this.parses.set(key, { version, registration });
    return registration;
  }
}

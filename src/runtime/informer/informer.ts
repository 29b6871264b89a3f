// List, then watch from the list's resourceVersion; keep a cache; tell subscribers what changed. Every way a watch
// can end leads back here, and none of them stops the informer: a normal close or a stall reconnects from the last
// resourceVersion, an error backs off (exponential, jittered) first, a 410 relists, and so does the periodic
// resync. Only its signal stops it.
import { Backoff, watchBackoffPolicy, type BackoffPolicy, type Random } from '../backoff.js';
import { isAborted, linkSignals, whenAborted } from '../abort.js';
import { sleep, systemClock, type Clock } from '../clock.js';
import type { KubeClient } from '../kube/client.js';
import { listPages } from '../kube/list.js';
import type { KubeObject } from '../kube/object.js';
import { assertKubeObject, withTypeMeta, type Decode } from '../kube/resource-api.js';
import { resourcePath, type ResourceType } from '../kube/resource.js';
import type { Logger } from '../../observability/logger.js';
import type { RuntimeMetrics } from '../../observability/metrics.js';
import { ObjectStore, type ObjectEvent } from './store.js';
import { watchOnce, type WatchEnd, type WatchEvent } from './watch.js';

export interface Cache<T> {
  get(key: string): T | undefined;
  list(): T[];
}

/** A cache that also says when something in it changes. */
export interface ObjectSource<T> extends Cache<T> {
  /** Returns the function that unsubscribes. */
  subscribe(handler: (event: ObjectEvent<T>) => void): () => void;
}

export interface InformerOptions<T> {
  type: ResourceType;
  /** Only this namespace of a namespaced type; every namespace when absent. */
  namespace?: string;
  labelSelector?: string;
  decode?: Decode<T>;
  /** Relist everything this often (jittered by 10%), in case anything was missed. Default 10 minutes. */
  resyncPeriodMs?: number;
  /** Server-side watch timeout, drawn from [min, 2 × min) like client-go's reflector does. Default 300 s. */
  minWatchTimeoutSeconds?: number;
  /** The watchdog: the API server sends a bookmark every minute or so, so this much silence means a dead stream. */
  inactivityTimeoutMs?: number;
  connectTimeoutMs?: number;
  pageSize?: number;
  backoff?: BackoffPolicy;
}

export interface InformerDeps {
  client: KubeClient;
  logger: Logger;
  metrics: RuntimeMetrics;
  clock?: Clock;
  random?: Random;
}

// A watch that was up this long before it ended was healthy: reconnect at once rather than back off.
const HEALTHY_WATCH_MS = 1_000;

function describe(type: ResourceType, namespace: string | undefined): string {
  const resource = type.group === '' ? type.plural : `${type.plural}.${type.group}`;
  return namespace === undefined ? resource : `${resource}/${namespace}`;
}

/**
 * managedFields are server-side apply's bookkeeping, often larger than the rest of the object; nothing here reads
 * them, so the cache never holds them (controller-runtime's TransformStripManagedFields).
 */
function withoutManagedFields(raw: unknown): unknown {
  const metadata = (raw as { metadata?: unknown } | null)?.metadata;
  if (metadata === null || typeof metadata !== 'object' || !('managedFields' in metadata)) return raw;
  const kept: Record<string, unknown> = { ...metadata };
  delete kept.managedFields;
  return { ...(raw as object), metadata: kept };
}

export class Informer<T extends KubeObject> implements ObjectSource<T> {
  readonly name: string;
  private readonly store = new ObjectStore<T>();
  private readonly handlers = new Set<(event: ObjectEvent<T>) => void>();
  private readonly decode: Decode<T>;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly backoff: Backoff;
  private readonly log: Logger;
  private synced = false;
  private failing = false;
  private markSynced: () => void = () => undefined;
  private readonly syncedPromise = new Promise<void>((resolve) => {
    this.markSynced = resolve;
  });

  constructor(
    private readonly options: InformerOptions<T>,
    private readonly deps: InformerDeps,
  ) {
    this.name = describe(options.type, options.namespace);
    this.decode = options.decode ?? ((raw) => assertKubeObject(raw) as T);
    this.clock = deps.clock ?? systemClock;
    this.random = deps.random ?? Math.random;
    this.backoff = new Backoff(options.backoff ?? watchBackoffPolicy, this.random);
    this.log = deps.logger.child({ informer: this.name });
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  list(): T[] {
    return this.store.list();
  }

  subscribe(handler: (event: ObjectEvent<T>) => void): () => void {
    this.handlers.add(handler);
    return () => {
      this.handlers.delete(handler);
    };
  }

  /** The first list is done. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Synced, and neither the list nor the watch is failing right now. */
  isReady(): boolean {
    return this.synced && !this.failing;
  }

  /** Resolves true once synced, false if `signal` aborts first. */
  async waitForSync(signal: AbortSignal): Promise<boolean> {
    if (this.synced) return true;
    await Promise.race([this.syncedPromise, whenAborted(signal)]);
    return this.synced;
  }

  /** Lists and watches until `signal` aborts. Never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    let resourceVersion: string | undefined;
    let listReason = 'initial';
    let nextResync = 0;
    while (!signal.aborted) {
      if (resourceVersion === undefined) {
        resourceVersion = await this.relist(listReason, signal);
        if (resourceVersion === undefined) {
          await sleep(this.clock, this.backoff.next(), signal);
          continue;
        }
        // Whatever made it list, the cache is fresh now: the next resync is a whole period away.
        nextResync = this.nextResyncTime();
      }
      const resync = new AbortController();
      const resyncTimer = this.clock.setTimer(() => {
        resync.abort();
      }, nextResync - this.clock.now());
      const startedAt = this.clock.now();
      // Written by the watch's callbacks.
      const progress = { connected: false, resourceVersion };
      const watchSignal = linkSignals(signal, resync.signal);
      const end = await this.watch(resourceVersion, watchSignal.signal, {
        onConnected: () => {
          progress.connected = true;
          this.failing = false;
        },
        onEvent: (event) => {
          progress.resourceVersion = this.apply(event) ?? progress.resourceVersion;
        },
      });
      resyncTimer.cancel();
      watchSignal.dispose();
      resourceVersion = progress.resourceVersion;
      if (isAborted(signal)) break;
      if (isAborted(resync.signal)) {
        resourceVersion = undefined;
        listReason = 'resync';
        continue;
      }
      this.deps.metrics.informerWatchRestarts.inc({ resource: this.name, reason: end.reason });
      if (end.reason === 'gone') {
        this.log.info('watch resourceVersion expired (410 Gone); relisting', { resourceVersion });
        resourceVersion = undefined;
        listReason = 'gone';
        continue;
      }
      const healthy = progress.connected && this.clock.now() - startedAt >= HEALTHY_WATCH_MS;
      this.logEnd(end, resourceVersion);
      if (healthy) {
        this.backoff.reset();
        continue;
      }
      this.failing = true;
      await sleep(this.clock, this.backoff.next(), signal);
    }
  }

  private watch(
    resourceVersion: string,
    signal: AbortSignal,
    callbacks: { onConnected(): void; onEvent(event: WatchEvent): void },
  ): Promise<WatchEnd> {
    const minTimeout = this.options.minWatchTimeoutSeconds ?? 300;
    return watchOnce(this.deps.client, {
      path: resourcePath(this.options.type, { namespace: this.options.namespace }),
      resourceVersion,
      ...(this.options.labelSelector === undefined ? {} : { labelSelector: this.options.labelSelector }),
      timeoutSeconds: Math.floor(minTimeout * (1 + this.random())),
      connectTimeoutMs: this.options.connectTimeoutMs ?? 30_000,
      inactivityTimeoutMs: this.options.inactivityTimeoutMs ?? 180_000,
      signal,
      clock: this.clock,
      ...callbacks,
    });
  }

  private logEnd(end: WatchEnd, resourceVersion: string): void {
    if (end.reason === 'closed')
      this.log.debug('watch closed by the server; reconnecting', { resourceVersion });
    else if (end.reason === 'error') this.log.warn('watch failed', { resourceVersion, error: end.error });
    else this.log.warn(`watch ${end.reason}; reconnecting`, { resourceVersion });
  }

  /** A consistent list, page by page; the resourceVersion to watch from, or undefined if it failed. */
  private async relist(reason: string, signal: AbortSignal): Promise<string | undefined> {
    const path = resourcePath(this.options.type, { namespace: this.options.namespace });
    const objects: T[] = [];
    let resourceVersion: string | undefined;
    try {
      const pages = listPages<unknown>(this.deps.client, {
        path,
        query: { labelSelector: this.options.labelSelector },
        pageSize: this.options.pageSize,
        signal,
      });
      for await (const page of pages) {
        for (const raw of page.items) {
          const object = this.decodeObject(raw);
          if (object !== undefined) objects.push(object);
        }
        resourceVersion = page.resourceVersion;
      }
    } catch (error) {
      if (!signal.aborted) {
        this.failing = true;
        this.log.warn('list failed', { reason, error });
      }
      return undefined;
    }
    this.deps.metrics.informerRelists.inc({ resource: this.name, reason });
    this.failing = false;
    this.backoff.reset();
    for (const event of this.store.replace(objects)) this.emit(event);
    this.log.info('listed', {
      reason,
      count: objects.length,
      resourceVersion,
    });
    if (!this.synced) {
      this.synced = true;
      this.markSynced();
    }
    return resourceVersion ?? '';
  }

  /** Applies one watch event; returns the resourceVersion it brings us to. */
  private apply(event: WatchEvent): string | undefined {
    const version = (event.object as { metadata?: { resourceVersion?: unknown } } | null)?.metadata
      ?.resourceVersion;
    const resourceVersion = typeof version === 'string' ? version : undefined;
    if (event.type === 'BOOKMARK') return resourceVersion;
    const object = this.decodeObject(event.object);
    if (object === undefined) return resourceVersion;
    const change = event.type === 'DELETED' ? this.store.delete(object) : this.store.upsert(object);
    if (change !== undefined) this.emit(change);
    return resourceVersion;
  }

  private decodeObject(raw: unknown): T | undefined {
    try {
      return this.decode(withTypeMeta(withoutManagedFields(raw), this.options.type));
    } catch (error) {
      const name = (raw as { metadata?: { name?: unknown } } | null)?.metadata?.name;
      this.log.warn('ignoring an object that does not decode', { object: name, error });
      return undefined;
    }
  }

  private emit(event: ObjectEvent<T>): void {
    for (const handler of this.handlers) {
      try {
        handler(event);
      } catch (error) {
        this.log.error('event handler failed', { error });
      }
    }
  }

  private nextResyncTime(): number {
    const period = this.options.resyncPeriodMs ?? 600_000;
    return this.clock.now() + period * (0.9 + 0.2 * this.random());
  }
}

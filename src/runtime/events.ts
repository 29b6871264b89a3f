// Kubernetes Events for an object, in the events.k8s.io/v1 API, built so that a reconcile failing in a loop
// cannot flood the API server: an event identical to one posted recently becomes a series (its count and last
// time patched at most once per flush interval, whatever the rate), and each object has a token bucket (client-go's
// spam filter numbers: a burst of 25, then one every 5 minutes) for events that differ. Posting never throws
// into the caller; failures are logged and counted.
import { systemClock, type Clock, type Timer } from './clock.js';
import type { KubeClient } from './kube/client.js';
import type { KubeObject } from './kube/object.js';
import { ResourceApi } from './kube/resource-api.js';
import { microTime } from './kube/time.js';
import type { Logger } from '../observability/logger.js';
import type { RuntimeMetrics } from '../observability/metrics.js';

export type EventType = 'Normal' | 'Warning';

export interface EventInput {
  type: EventType;
  /** Why, in UpperCamelCase (at most 128 characters): `Registered`, `KafkaUnavailable`. */
  reason: string;
  /** What was done or tried (at most 128 characters): `Register`, `Heartbeat`. */
  action: string;
  /** For people (at most 1 KiB). */
  note: string;
}

export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface KubeEvent extends KubeObject {
  eventTime: string;
  reportingController: string;
  reportingInstance: string;
  action: string;
  reason: string;
  note: string;
  type: EventType;
  regarding: ObjectReference;
  series?: { count: number; lastObservedTime: string };
}

/** Where events go; the API server in production, a fake in unit tests. */
export interface EventSink {
  create(event: KubeEvent): Promise<void>;
  updateSeries(event: KubeEvent): Promise<void>;
}

const eventType = {
  group: 'events.k8s.io',
  version: 'v1',
  plural: 'events',
  kind: 'Event',
  namespaced: true,
} as const;

export function apiEventSink(client: KubeClient): EventSink {
  const api = new ResourceApi<KubeEvent>(client, eventType);
  return {
    create: async (event) => {
      await api.create(event);
    },
    updateSeries: async (event) => {
      await api.mergePatch(event.metadata, { series: event.series });
    },
  };
}

export interface EventRecorderOptions {
  /** reportingController, e.g. `registry.kgroot.io/cluster-registry-operator`. */
  controller: string;
  /** reportingInstance: this process (its pod name). */
  instance: string;
  /** An identical event within this window joins the earlier one's series. Default 6 minutes, as client-go. */
  seriesWindowMs?: number;
  /** Series counts reach the API server at most this often. Default 30 s. */
  flushIntervalMs?: number;
  burst?: number;
  refillIntervalMs?: number;
  /** Memory bound on the events and buckets remembered. */
  maxTracked?: number;
}

export interface EventRecorderDeps {
  sink: EventSink;
  logger: Logger;
  metrics: RuntimeMetrics;
  clock?: Clock;
}

interface Series {
  key: string;
  event: KubeEvent;
  lastSeen: number;
  /** Created on the server; until then repeats only count. */
  posted: boolean;
  dirty: boolean;
}

interface Bucket {
  tokens: number;
  refilledAt: number;
}

const LIMITS = { reason: 128, action: 128, note: 1024 };

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 3)}...`;
}

function referenceOf(object: KubeObject): ObjectReference {
  const { name, namespace, uid, resourceVersion } = object.metadata;
  return { apiVersion: object.apiVersion, kind: object.kind, name, namespace, uid, resourceVersion };
}

/** Keeps at most `limit` entries, forgetting the least recently touched. */
function touch<V>(map: Map<string, V>, key: string, value: V, limit: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > limit) {
    const oldest = map.keys().next();
    if (oldest.done !== true) map.delete(oldest.value);
  }
}

export class EventRecorder {
  private readonly series = new Map<string, Series>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly clock: Clock;
  private readonly log: Logger;
  private flushTimer: Timer | undefined;
  private sequence = 0;
  private closed = false;

  constructor(
    private readonly options: EventRecorderOptions,
    private readonly deps: EventRecorderDeps,
  ) {
    this.clock = deps.clock ?? systemClock;
    this.log = deps.logger.child({ component: 'event-recorder' });
  }

  /** Records an event about `object`; returns at once. */
  event(object: KubeObject, input: EventInput): void {
    const regarding = referenceOf(object);
    const objectId =
      regarding.uid ?? `${regarding.kind ?? ''}/${regarding.namespace ?? ''}/${regarding.name}`;
    const seriesKey = JSON.stringify([objectId, input.type, input.reason, input.action, input.note]);
    const now = this.clock.now();
    const existing = this.series.get(seriesKey);
    const maxTracked = this.options.maxTracked ?? 4096;
    if (existing !== undefined && now - existing.lastSeen <= (this.options.seriesWindowMs ?? 360_000)) {
      existing.lastSeen = now;
      existing.event.series = {
        count: (existing.event.series?.count ?? 1) + 1,
        lastObservedTime: microTime(new Date(now)),
      };
      existing.dirty = true;
      touch(this.series, seriesKey, existing, maxTracked);
      this.scheduleFlush();
      return;
    }
    if (!this.takeToken(objectId, now)) {
      this.deps.metrics.eventsDropped.inc({ reason: 'rate_limited' });
      this.log.debug('event dropped by the rate limit', { object: regarding.name, reason: input.reason });
      return;
    }
    const entry: Series = {
      key: seriesKey,
      event: this.newEvent(regarding, input, now),
      lastSeen: now,
      posted: false,
      dirty: false,
    };
    touch(this.series, seriesKey, entry, maxTracked);
    void this.post(entry);
  }

  /** Sends pending series counts now and stops the flush timer. */
  async close(): Promise<void> {
    this.closed = true;
    this.flushTimer?.cancel();
    this.flushTimer = undefined;
    await this.flush();
  }

  private newEvent(regarding: ObjectReference, input: EventInput, now: number): KubeEvent {
    this.sequence += 1;
    const suffix = `${now.toString(16)}${this.sequence.toString(16)}`;
    return {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: {
        name: `${regarding.name}.${suffix}`,
        // Events about cluster-scoped objects live in `default`, as client-go puts them.
        namespace: regarding.namespace ?? 'default',
      },
      eventTime: microTime(new Date(now)),
      reportingController: this.options.controller,
      reportingInstance: this.options.instance,
      type: input.type,
      reason: truncate(input.reason, LIMITS.reason),
      action: truncate(input.action, LIMITS.action),
      note: truncate(input.note, LIMITS.note),
      regarding,
    };
  }

  private takeToken(objectId: string, now: number): boolean {
    const burst = this.options.burst ?? 25;
    const refillMs = this.options.refillIntervalMs ?? 300_000;
    const bucket = this.buckets.get(objectId) ?? { tokens: burst, refilledAt: now };
    const refill = Math.floor((now - bucket.refilledAt) / refillMs);
    if (refill > 0) {
      bucket.tokens = Math.min(burst, bucket.tokens + refill);
      bucket.refilledAt += refill * refillMs;
    }
    const allowed = bucket.tokens > 0;
    if (allowed) bucket.tokens -= 1;
    touch(this.buckets, objectId, bucket, this.options.maxTracked ?? 4096);
    return allowed;
  }

  private async post(entry: Series): Promise<void> {
    try {
      await this.deps.sink.create({ ...entry.event, series: undefined });
      entry.posted = true;
    } catch (error) {
      // Forgotten, so that the next identical event tries a new post instead of counting into a series that
      // does not exist.
      this.series.delete(entry.key);
      this.deps.metrics.eventsDropped.inc({ reason: 'error' });
      this.log.warn('could not post event', { object: entry.event.regarding.name, error });
    }
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== undefined || this.closed) return;
    this.flushTimer = this.clock.setTimer(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, this.options.flushIntervalMs ?? 30_000);
  }

  private async flush(): Promise<void> {
    const due = [...this.series.values()].filter((entry) => entry.dirty && entry.posted);
    for (const entry of due) {
      entry.dirty = false;
      try {
        await this.deps.sink.updateSeries(entry.event);
      } catch (error) {
        this.deps.metrics.eventsDropped.inc({ reason: 'error' });
        this.log.warn('could not update event series', { object: entry.event.regarding.name, error });
      }
    }
    // Repeats that came while the first post was in flight go out with the next flush.
    if ([...this.series.values()].some((entry) => entry.dirty && !entry.posted)) this.scheduleFlush();
  }
}

// The reconcile loop: workers take keys from the queue and call the reconciler, one key at a time per key, at
// most `maxConcurrentReconciles` at once, each under a deadline. An error (or an exceeded deadline) is logged
// with the key, counted and retried with the key's backoff; it never stops the controller or the process.
import { randomUUID } from 'node:crypto';
import type { BackoffPolicy } from './backoff.js';
import { systemClock, type Clock } from './clock.js';
import { withDeadline } from './deadline.js';
import type { ObjectSource } from './informer/informer.js';
import type { ObjectEvent } from './informer/store.js';
import { isConflict } from './kube/client.js';
import { keyOf, type KubeObject } from './kube/object.js';
import { WorkQueue } from './workqueue.js';
import type { Logger } from '../observability/logger.js';
import type { RuntimeMetrics } from '../observability/metrics.js';

export interface ReconcileContext {
  /** Aborted at the deadline, on shutdown once the grace period is over, and at once when leadership is lost. */
  readonly signal: AbortSignal;
  /** Names the object on every line. */
  readonly log: Logger;
  /** How many times in a row this key has failed before this run. */
  readonly retries: number;
}

export interface ReconcileResult {
  /** Run this key again after this long: heartbeats and periodic re-registration are scheduled this way. */
  requeueAfterMs?: number;
}

export interface Reconciler {
  /** Returns `{}` when done, `{ requeueAfterMs }` to run again later; throws to be retried with backoff. */
  reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult>;
}

/** Something whose changes map to keys of the controller's own kind (e.g. a Secret to the objects using it). */
export interface Watch {
  subscribe(enqueue: (key: string) => void): () => void;
}

/** Each change to an object of another kind enqueues the keys `map` returns for it. */
export function mapChanges<S>(source: ObjectSource<S>, map: (object: S) => readonly string[]): Watch {
  return {
    subscribe: (enqueue) =>
      source.subscribe((event) => {
        for (const key of map(event.object)) enqueue(key);
      }),
  };
}

export interface ControllerOptions<T extends KubeObject> {
  name: string;
  /** The primary kind: each of its changes enqueues its own key. */
  for: ObjectSource<T>;
  /** Which of the primary kind's changes enqueue it; every change by default (e.g. `changedBeyondStatus`). */
  filter?: (event: ObjectEvent<T>) => boolean;
  watches?: readonly Watch[];
  reconciler: Reconciler;
  maxConcurrentReconciles?: number;
  /** Default 60 s. */
  reconcileTimeoutMs?: number;
  /** How long a reconcile may ignore its aborted signal before it is abandoned. Default 5 s. */
  abandonAfterMs?: number;
  backoff?: BackoffPolicy;
}

export interface ControllerDeps {
  logger: Logger;
  metrics: RuntimeMetrics;
  clock?: Clock;
}

export class Controller<T extends KubeObject> {
  readonly name: string;
  readonly queue: WorkQueue;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly concurrency: number;
  private readonly unsubscribes: (() => void)[] = [];
  private workers: Promise<void>[] = [];
  /** Aborts every reconcile in flight. */
  private readonly stopAll = new AbortController();

  constructor(
    private readonly options: ControllerOptions<T>,
    private readonly deps: ControllerDeps,
  ) {
    this.name = options.name;
    this.clock = deps.clock ?? systemClock;
    this.log = deps.logger.child({ controller: options.name });
    this.concurrency = Math.max(1, options.maxConcurrentReconciles ?? 1);
    this.queue = new WorkQueue({
      name: options.name,
      clock: this.clock,
      metrics: deps.metrics,
      ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
    });
    for (const result of ['success', 'error', 'requeue_after']) {
      deps.metrics.reconcileTotal.inc({ controller: this.name, result }, 0);
    }
    deps.metrics.reconcileErrors.inc({ controller: this.name }, 0);
    deps.metrics.maxConcurrentReconciles.set({ controller: this.name }, this.concurrency);
    deps.metrics.activeWorkers.set({ controller: this.name }, 0);
  }

  /** Subscribes to its sources, enqueues every object already cached, and starts the workers. */
  start(): void {
    const enqueue = (key: string) => {
      this.queue.add(key);
    };
    const filter = this.options.filter ?? (() => true);
    this.unsubscribes.push(
      this.options.for.subscribe((event) => {
        if (filter(event)) enqueue(keyOf(event.object));
      }),
    );
    for (const watch of this.options.watches ?? []) this.unsubscribes.push(watch.subscribe(enqueue));
    for (const object of this.options.for.list()) enqueue(keyOf(object));
    this.workers = Array.from({ length: this.concurrency }, () => this.work());
    this.log.info('started', { workers: this.concurrency });
  }

  /**
   * Stops intake at once, lets reconciles in flight finish for up to `graceMs`, then aborts them. With 0 (a lost
   * lease) every reconcile is aborted at once.
   */
  async stop(graceMs: number): Promise<void> {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    this.queue.shutDown();
    const grace = this.clock.setTimer(() => {
      this.stopAll.abort(new Error(`controller ${this.name} stopped`));
    }, graceMs);
    await Promise.all(this.workers);
    grace.cancel();
    this.log.info('stopped');
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      await this.process(key);
    }
  }

  /** Never rejects. */
  private async process(key: string): Promise<void> {
    const labels = { controller: this.name };
    const startedAt = this.clock.now();
    const retries = this.queue.retries(key);
    const log = this.log.child({ object: key, reconcileID: randomUUID() });
    this.deps.metrics.activeWorkers.inc(labels);
    try {
      const result = await withDeadline(
        (signal) => this.options.reconciler.reconcile(key, { signal, log, retries }),
        {
          timeoutMs: this.options.reconcileTimeoutMs ?? 60_000,
          abandonAfterMs: this.options.abandonAfterMs ?? 5_000,
          parent: this.stopAll.signal,
          clock: this.clock,
          onAbandon: (reason) => {
            log.warn('reconcile ignored its aborted signal; abandoning it', { reason });
          },
        },
      );
      this.queue.forget(key);
      const requeueAfterMs = result.requeueAfterMs ?? 0;
      if (requeueAfterMs > 0) {
        this.queue.addAfter(key, requeueAfterMs);
        this.deps.metrics.reconcileTotal.inc({ ...labels, result: 'requeue_after' });
      } else {
        this.deps.metrics.reconcileTotal.inc({ ...labels, result: 'success' });
      }
      log.debug('reconciled', { requeueAfterMs });
    } catch (error) {
      this.deps.metrics.reconcileTotal.inc({ ...labels, result: 'error' });
      this.deps.metrics.reconcileErrors.inc(labels);
      if (this.stopAll.signal.aborted) {
        log.warn('reconcile aborted by shutdown', { error });
      } else if (isConflict(error)) {
        // Optimistic locking at work, not a failure: the next run reads the object as it is now.
        log.info('the object changed meanwhile; retrying on the fresh one', { retries });
        this.queue.addRateLimited(key);
      } else {
        log.error('reconcile failed; will retry', { error, retries });
        this.queue.addRateLimited(key);
      }
    } finally {
      this.queue.done(key);
      this.deps.metrics.activeWorkers.dec(labels);
      this.deps.metrics.reconcileTime.observe(labels, (this.clock.now() - startedAt) / 1000);
    }
  }
}

// The work queue, with client-go's guarantees: a key waits in the queue at most once; a key being processed is
// never handed out again until done(), and adds that arrive meanwhile coalesce into one more run after it; keys
// scheduled for later (requeueAfter, failure backoff) wait in one delay table, earliest first, behind one timer. A
// key has at most one schedule, the earliest asked for, and any run of the key supersedes it: each run decides the
// next.
import { KeyedBackoff, reconcileBackoffPolicy, type BackoffPolicy, type Random } from './backoff.js';
import { systemClock, type Clock, type Timer } from './clock.js';
import { DueSchedule } from './due-schedule.js';
import type { InFlightWork, RuntimeMetrics } from '../observability/metrics.js';

export interface WorkQueueOptions {
  /** Labels the queue's metrics; controller-runtime names a queue after its controller. */
  name: string;
  backoff?: BackoffPolicy;
  clock?: Clock;
  random?: Random;
  metrics?: RuntimeMetrics;
}

export class WorkQueue implements InFlightWork {
  private readonly ready: string[] = [];
  /** Keys that need a run: waiting in `ready`, or processing and asked for again. */
  private readonly dirty = new Set<string>();
  /** Keys handed out and not yet done, with when they were handed out. */
  private readonly processing = new Map<string, number>();
  private readonly addedAt = new Map<string, number>();
  private readonly delayed = new DueSchedule();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private readonly failures: KeyedBackoff;
  private readonly clock: Clock;
  private timer: { at: number; handle: Timer } | undefined;
  private shuttingDown = false;

  constructor(private readonly options: WorkQueueOptions) {
    this.clock = options.clock ?? systemClock;
    this.failures = new KeyedBackoff(options.backoff ?? reconcileBackoffPolicy, options.random);
    options.metrics?.trackQueue(options.name, this);
    // Every series exists from the start, at zero, as client-go's queue metrics do.
    this.metrics?.workqueueAdds.inc(this.labels, 0);
    this.metrics?.workqueueRetries.inc(this.labels, 0);
    this.updateDepth();
  }

  /** Run `key` as soon as a worker is free. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.metrics?.workqueueAdds.inc(this.labels);
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /** Run `key` after `delayMs`, unless it runs earlier for another reason. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + delayMs;
    const scheduled = this.delayed.get(key);
    if (scheduled !== undefined && scheduled <= at) return;
    this.delayed.set(key, at);
    // The timer is already set for an earlier entry: nothing to do but wait (no scan of the table per schedule).
    if (this.timer === undefined || at < this.timer.at) this.armTimer(at);
  }

  /** `key` failed: run it again after its backoff, which grows with each failure until `forget`. */
  addRateLimited(key: string): void {
    if (this.shuttingDown) return;
    this.metrics?.workqueueRetries.inc(this.labels);
    this.addAfter(key, this.failures.next(key));
  }

  /** `key` succeeded: its next failure starts the backoff afresh. */
  forget(key: string): void {
    this.failures.forget(key);
  }

  /** How many times in a row `key` has failed. */
  retries(key: string): number {
    return this.failures.failures(key);
  }

  /** The next key to process, or undefined once the queue shuts down. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.ready.shift();
    if (key !== undefined) return Promise.resolve(this.handOut(key));
    return new Promise((resolve) => {
      this.waiters.push(resolve);
    });
  }

  /** The worker is finished with `key`; if it was added meanwhile, it goes back in the queue. */
  done(key: string): void {
    const startedAt = this.processing.get(key);
    if (startedAt === undefined) return;
    this.processing.delete(key);
    this.metrics?.workqueueWorkDuration.observe(this.labels, (this.clock.now() - startedAt) / 1000);
    if (this.dirty.has(key) && !this.shuttingDown) this.push(key);
  }

  /** Stops intake: adds are ignored, schedules dropped, and every waiting get() answers undefined. */
  shutDown(): void {
    this.shuttingDown = true;
    this.timer?.handle.cancel();
    this.timer = undefined;
    this.delayed.clear();
    this.ready.length = 0;
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
    this.updateDepth();
  }

  get length(): number {
    return this.ready.length;
  }

  /** Keys waiting for a later run. */
  get scheduled(): number {
    return this.delayed.size;
  }

  unfinishedWorkSeconds(): number {
    const now = this.clock.now();
    let total = 0;
    for (const startedAt of this.processing.values()) total += now - startedAt;
    return total / 1000;
  }

  longestRunningProcessorSeconds(): number {
    const now = this.clock.now();
    let longest = 0;
    for (const startedAt of this.processing.values()) longest = Math.max(longest, now - startedAt);
    return longest / 1000;
  }

  private get metrics(): RuntimeMetrics | undefined {
    return this.options.metrics;
  }

  private get labels(): { name: string; controller: string } {
    return { name: this.options.name, controller: this.options.name };
  }

  private push(key: string): void {
    this.addedAt.set(key, this.clock.now());
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      waiter(this.handOut(key));
      return;
    }
    this.ready.push(key);
    this.updateDepth();
  }

  private handOut(key: string): string {
    const now = this.clock.now();
    this.dirty.delete(key);
    this.delayed.delete(key);
    this.processing.set(key, now);
    const addedAt = this.addedAt.get(key) ?? now;
    this.addedAt.delete(key);
    this.metrics?.workqueueQueueDuration.observe(this.labels, (now - addedAt) / 1000);
    this.updateDepth();
    return key;
  }

  private updateDepth(): void {
    this.metrics?.workqueueDepth.set(this.labels, this.ready.length);
  }

  /** One timer for the whole table, set for its earliest entry. */
  private armTimer(earliest: number): void {
    this.timer?.handle.cancel();
    this.timer = undefined;
    if (earliest === Infinity) return;
    const handle = this.clock.setTimer(() => {
      this.timer = undefined;
      this.releaseDue();
    }, earliest - this.clock.now());
    this.timer = { at: earliest, handle };
  }

  /** Runs what is due and sets the timer for the earliest of what is left. */
  private releaseDue(): void {
    for (const key of this.delayed.takeDue(this.clock.now())) this.add(key);
    this.armTimer(this.delayed.earliest());
  }
}

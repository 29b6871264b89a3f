// Exponential backoff with jitter, for watch reconnects (one sequence) and failed reconciles (one per key).

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** Growth per failure; 2 doubles the delay. */
  factor: number;
  /** Spread as a fraction of the delay: 0.2 draws from [0.8d, 1.2d], so that many clients do not retry in step. */
  jitter: number;
}

/** client-go's reflector and kube-rs's watcher both back off from 800 ms to 30 s. */
export const watchBackoffPolicy: BackoffPolicy = { initialMs: 800, maxMs: 30_000, factor: 2, jitter: 0.5 };

export const reconcileBackoffPolicy: BackoffPolicy = {
  initialMs: 500,
  maxMs: 300_000,
  factor: 2,
  jitter: 0.2,
};

export type Random = () => number;

/** The delay before retry number `failures` (0 for the first retry). */
export function backoffDelay(policy: BackoffPolicy, failures: number, random: Random = Math.random): number {
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** failures);
  const spread = base * policy.jitter;
  return Math.min(policy.maxMs, Math.round(base - spread + random() * 2 * spread));
}

/** One retry sequence: each `next()` is longer than the last until `reset()`. */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly random: Random = Math.random,
  ) {}

  next(): number {
    const delay = backoffDelay(this.policy, this.failures, this.random);
    this.failures += 1;
    return delay;
  }

  reset(): void {
    this.failures = 0;
  }
}

/** A retry sequence per key, like client-go's ItemExponentialFailureRateLimiter. */
export class KeyedBackoff {
  private readonly failuresByKey = new Map<string, number>();

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly random: Random = Math.random,
  ) {}

  next(key: string): number {
    const failures = this.failures(key);
    this.failuresByKey.set(key, failures + 1);
    return backoffDelay(this.policy, failures, this.random);
  }

  failures(key: string): number {
    return this.failuresByKey.get(key) ?? 0;
  }

  forget(key: string): void {
    this.failuresByKey.delete(key);
  }
}

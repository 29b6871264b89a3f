// Runs one piece of work under a deadline. JavaScript cannot stop a promise, so the deadline aborts the work's
// signal; work that honours it (every runtime helper passes it to its requests) ends at once. Work that ignores it
// is abandoned after a grace period, so that one hung call can neither hold a worker nor its key forever. Work that
// cannot be cancelled at all (a kafkajs call) takes no grace period: its caller is answered at the deadline and the
// work runs on in the background until it ends by itself.
import { systemClock, type Clock, type Timer } from './clock.js';

export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
}

export interface DeadlineOptions {
  timeoutMs: number;
  /** How long work may take to stop once its signal is aborted, before it is abandoned; 0 (the default): at once. */
  abandonAfterMs?: number;
  /** Aborts the work early too (shutdown, lost leadership). */
  parent?: AbortSignal | undefined;
  clock?: Clock;
  /** The error the deadline aborts with; a DeadlineExceededError unless given. */
  onTimeout?: () => Error;
  /** Told when the work ignored its signal and is left running in the background. */
  onAbandon?(reason: unknown): void;
}

// One controller, one timer and one listener on each signal: this runs around every reconcile and every send, so
// the steady state's profile counts what it allocates.
export function withDeadline<R>(
  work: (signal: AbortSignal) => Promise<R>,
  options: DeadlineOptions,
): Promise<R> {
  const clock = options.clock ?? systemClock;
  const { parent } = options;
  const controller = new AbortController();
  const { signal } = controller;
  const onParentAbort = () => {
    controller.abort(parent?.reason);
  };
  const deadlineTimer = clock.setTimer(() => {
    controller.abort(
      options.onTimeout?.() ?? new DeadlineExceededError(`deadline of ${options.timeoutMs} ms exceeded`),
    );
  }, options.timeoutMs);
  let abandonTimer: Timer | undefined;
  return new Promise<R>((resolve, reject) => {
    // Detaches from the parent too: a listener left on a process-long signal would keep this run alive.
    const done = () => {
      deadlineTimer.cancel();
      abandonTimer?.cancel();
      parent?.removeEventListener('abort', onParentAbort);
      signal.removeEventListener('abort', onAbort);
    };
    const abandon = () => {
      done();
      options.onAbandon?.(signal.reason);
      reject(reasonOf(signal));
    };
    function onAbort() {
      const graceMs = options.abandonAfterMs ?? 0;
      if (graceMs > 0) abandonTimer = clock.setTimer(abandon, graceMs);
      else abandon();
    }
    signal.addEventListener('abort', onAbort, { once: true });
    if (parent?.aborted === true) controller.abort(parent.reason);
    else parent?.addEventListener('abort', onParentAbort, { once: true });
    // Called at once, a synchronous throw becoming the rejection.
    const running = new Promise<R>((settle) => {
      settle(work(signal));
    });
    // Handled either way, so that a late rejection of abandoned work never becomes an unhandled one; whatever the
    // work threw on its way out after an abort, the abort's reason is the cause worth reporting.
    running.then(
      (value) => {
        done();
        resolve(value);
      },
      (error: unknown) => {
        done();
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the work's own error, as it is
        reject(signal.aborted ? reasonOf(signal) : error);
      },
    );
  });
}

function reasonOf(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('aborted');
}

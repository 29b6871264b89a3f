// Runs one piece of work under a deadline. JavaScript cannot stop a promise, so the deadline aborts the work's
// signal; work that honours it (every runtime helper passes it to its requests) ends at once. Work that ignores it
// is abandoned after a grace period, so that one hung call can neither hold a worker nor its key forever. Work that
// cannot be cancelled at all (a kafkajs call) takes no grace period: its caller is answered at the deadline and the
// work runs on in the background until it ends by itself.
import { linkSignals, whenAborted } from './abort.js';
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

export async function withDeadline<R>(
  work: (signal: AbortSignal) => Promise<R>,
  options: DeadlineOptions,
): Promise<R> {
  const clock = options.clock ?? systemClock;
  const deadline = new AbortController();
  const deadlineTimer = clock.setTimer(() => {
    deadline.abort(
      options.onTimeout?.() ?? new DeadlineExceededError(`deadline of ${options.timeoutMs} ms exceeded`),
    );
  }, options.timeoutMs);
  const { signal, dispose } = linkSignals(options.parent, deadline.signal);
  let abandonTimer: Timer | undefined;
  const abandoned = whenAborted(signal).then(
    () =>
      new Promise<never>((_resolve, reject) => {
        const abandon = () => {
          options.onAbandon?.(signal.reason);
          reject(reasonOf(signal));
        };
        const graceMs = options.abandonAfterMs ?? 0;
        if (graceMs > 0) abandonTimer = clock.setTimer(abandon, graceMs);
        else abandon();
      }),
  );
  try {
    // The race also keeps a late rejection of abandoned work from becoming an unhandled one.
    return await Promise.race([work(signal), abandoned]);
  } catch (error) {
    // Whatever the work threw on its way out, the abort's reason is the cause worth reporting.
    throw signal.aborted ? reasonOf(signal) : error;
  } finally {
    deadlineTimer.cancel();
    abandonTimer?.cancel();
    dispose();
  }
}

function reasonOf(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('aborted');
}

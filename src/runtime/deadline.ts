// Runs one piece of work under a deadline. JavaScript cannot stop a promise, so the deadline aborts the work's
// signal; work that honours it (every runtime helper passes it to its requests) ends at once. Work that ignores it
// is abandoned after a grace period, so that one hung call can neither hold a worker nor its key forever.
import { linkSignals, whenAborted } from './abort.js';
import type { Clock, Timer } from './clock.js';

export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
}

export interface DeadlineOptions {
  timeoutMs: number;
  /** How long work may take to stop once its signal is aborted, before it is abandoned. */
  abandonAfterMs: number;
  /** Aborts the work early too (shutdown, lost leadership). */
  parent: AbortSignal;
  clock: Clock;
  /** Told when the work ignored its signal and is left running in the background. */
  onAbandon(reason: unknown): void;
}

export async function withDeadline<R>(
  work: (signal: AbortSignal) => Promise<R>,
  options: DeadlineOptions,
): Promise<R> {
  const deadline = new AbortController();
  const deadlineTimer = options.clock.setTimer(() => {
    deadline.abort(new DeadlineExceededError(`deadline of ${options.timeoutMs} ms exceeded`));
  }, options.timeoutMs);
  const { signal, dispose } = linkSignals(options.parent, deadline.signal);
  let abandonTimer: Timer | undefined;
  const abandoned = whenAborted(signal).then(
    () =>
      new Promise<never>((_resolve, reject) => {
        abandonTimer = options.clock.setTimer(() => {
          options.onAbandon(signal.reason);
          reject(signal.reason as Error);
        }, options.abandonAfterMs);
      }),
  );
  try {
    return await Promise.race([work(signal), abandoned]);
  } catch (error) {
    // Whatever the work threw on its way out, the abort's reason is the cause worth reporting.
    throw signal.aborted ? (signal.reason as Error) : error;
  } finally {
    deadlineTimer.cancel();
    abandonTimer?.cancel();
    dispose();
  }
}

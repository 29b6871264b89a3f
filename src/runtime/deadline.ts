// Runs one piece of work under a deadline. JavaScript cannot stop a promise, so the deadline aborts the work's
// signal; work that honours it (every runtime helper passes it to its requests) ends at once. Work that ignores it
// is abandoned after a grace period, so that one hung call can neither hold a worker nor its key forever.
import type { Clock } from './clock.js';

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
  const controller = new AbortController();
  const abort = (reason: unknown) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const onParentAbort = () => {
    abort(options.parent.reason);
  };
  if (options.parent.aborted) onParentAbort();
  else options.parent.addEventListener('abort', onParentAbort, { once: true });
  const deadline = options.clock.setTimer(() => {
    abort(new DeadlineExceededError(`deadline of ${options.timeoutMs} ms exceeded`));
  }, options.timeoutMs);
  let abandonTimer: { cancel(): void } | undefined;
  const abandoned = new Promise<never>((_resolve, reject) => {
    controller.signal.addEventListener(
      'abort',
      () => {
        abandonTimer = options.clock.setTimer(() => {
          options.onAbandon(controller.signal.reason);
          reject(controller.signal.reason as Error);
        }, options.abandonAfterMs);
      },
      { once: true },
    );
  });
  try {
    return await Promise.race([work(controller.signal), abandoned]);
  } catch (error) {
    // Whatever the work threw on its way out, the abort's reason is the cause worth reporting.
    throw controller.signal.aborted ? (controller.signal.reason as Error) : error;
  } finally {
    deadline.cancel();
    abandonTimer?.cancel();
    options.parent.removeEventListener('abort', onParentAbort);
  }
}

// Bounds a Kafka call in time. A kafkajs call cannot be cancelled, so the caller is answered at the deadline (or
// when its signal aborts) and the call runs on in the background until kafkajs's own bounded retries end it.

export interface DeadlineOptions {
  deadlineMs: number;
  /** Aborting it answers at once with the signal's reason, as fetch() does. */
  signal?: AbortSignal | undefined;
  /** The error to answer with when the deadline passes first. */
  onTimeout: () => Error;
}

export function raceDeadline<T>(work: Promise<T>, options: DeadlineOptions): Promise<T> {
  // Whatever happens to the caller, a late rejection of the abandoned call must not become an unhandled one.
  work.catch(() => undefined);
  const { signal } = options;
  if (signal?.aborted === true) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const finish = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      finish();
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      finish();
      reject(options.onTimeout());
    }, options.deadlineMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        finish();
        resolve(value);
      },
      (error: unknown) => {
        finish();
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error('aborted');
}

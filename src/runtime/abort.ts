// Signals that combine others. AbortSignal.any() would do, but a combined signal stays attached to its sources
// for as long as they live (nodejs/node#55351): combining a process-long signal every few seconds (lease
// renewals, requests) grows memory without bound. These detach when the work is over.

export interface LinkedSignal {
  readonly signal: AbortSignal;
  /** Detaches from the sources; call it when the work the signal guards is over. */
  readonly dispose: () => void;
}

/** Aborts, with the same reason, as soon as any source does. */
export function linkSignals(...sources: readonly (AbortSignal | undefined)[]): LinkedSignal {
  const controller = new AbortController();
  const hooks: { source: AbortSignal; onAbort: () => void }[] = [];
  const dispose = () => {
    for (const { source, onAbort } of hooks.splice(0)) source.removeEventListener('abort', onAbort);
  };
  for (const source of sources) {
    if (source === undefined) continue;
    if (source.aborted) {
      controller.abort(source.reason);
      break;
    }
    const onAbort = () => {
      controller.abort(source.reason);
      dispose();
    };
    source.addEventListener('abort', onAbort, { once: true });
    hooks.push({ source, onAbort });
  }
  if (controller.signal.aborted) dispose();
  return { signal: controller.signal, dispose };
}

/**
 * Whether `signal` has aborted by now. A function, because TypeScript keeps a property check narrowed across an
 * await, after which the answer may well have changed.
 */
export function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

/** Resolves once `signal` aborts, at once if it already has (an abort listener added later would never fire). */
export function whenAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    signal.addEventListener(
      'abort',
      () => {
        resolve();
      },
      { once: true },
    );
  });
}

/** `promise`, unless `signal` aborts first: then its reason. The work behind the promise goes on regardless. */
export function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(resolve, reject).finally(() => {
      signal.removeEventListener('abort', onAbort);
    });
  });
}

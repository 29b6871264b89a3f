// Named points where a test can freeze the operator, to kill it there and prove that a restart ends the same way
// (envtest has no other way to stop a process between two exact steps). The operator is given the enabled names
// (the CLI reads them from FAILPOINTS, which production never sets); with none, every point is a no-op.
import type { Logger } from '../observability/logger.js';
import { whenAborted } from './abort.js';

/** At an enabled point: logs that it was reached, then waits for the kill; an aborted `signal` fails the step. */
export type Failpoint = (name: string, log: Logger, signal: AbortSignal) => Promise<void>;

/** The failpoints named in a comma-separated list. */
export function failpoints(list: string | undefined): Failpoint {
  const enabled = new Set(
    (list ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== ''),
  );
  return async (name, log, signal) => {
    if (!enabled.has(name)) return;
    log.warn('failpoint reached; waiting', { failpoint: name });
    await whenAborted(signal);
    throw new Error(`stopped at failpoint ${name}`);
  };
}

// Named points where a test can freeze the operator, to kill it there and prove that a restart ends the same way
// (envtest has no other way to stop a process between two exact steps). Off unless the FAILPOINTS environment
// variable names the point; production never sets it.
import type { Logger } from '../observability/logger.js';
import { whenAborted } from './abort.js';

const enabled = new Set(
  (process.env.FAILPOINTS ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== ''),
);

/** When `name` is enabled: logs that it was reached, then waits for the kill; an aborted `signal` fails the step. */
export async function failpoint(name: string, log: Logger, signal: AbortSignal): Promise<void> {
  if (!enabled.has(name)) return;
  log.warn('failpoint reached; waiting', { failpoint: name });
  await whenAborted(signal);
  throw new Error(`stopped at failpoint ${name}`);
}

// `kubectl wait --for=condition=...` on an object that may not have its conditions yet. A CustomResourceDefinition
// just created has `.status.conditions: null` until the API server writes Established, and kubectl's wait then fails
// at once (`.status.conditions accessor error: <nil> is of the type <nil>`) instead of waiting; so it is asked again.
import { setTimeout as delay } from 'node:timers/promises';
import type { ExecResult } from './exec.js';

/** Runs kubectl with these arguments (and whatever kubeconfig the caller uses). */
export type Kubectl = (args: string[]) => Promise<ExecResult>;

const CONDITIONS_NOT_WRITTEN = /\.status\.conditions accessor error: <nil> is of the type <nil>/;

/** kubectl's answer once the condition is met, or the first other failure, or the last one at the deadline. */
export async function waitForCondition(
  kubectl: Kubectl,
  resource: string,
  condition: string,
  timeoutMs = 60_000,
): Promise<ExecResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seconds = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
    const result = await kubectl([
      'wait',
      `--for=condition=${condition}`,
      `--timeout=${String(seconds)}s`,
      resource,
    ]);
    if (result.code === 0 || !CONDITIONS_NOT_WRITTEN.test(result.stderr) || Date.now() >= deadline) {
      return result;
    }
    await delay(100);
  }
}

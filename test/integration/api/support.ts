// What the API integration tests share: installing the generated CRD, applying manifests, reading objects
// back, and reading kubectl's tables. The API server is shared with other test files running at once, so
// every object gets a unique name and is deleted after its test.
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CRD_FILE } from '../../../src/api/crd.js';
import { CRD_NAME, PLURAL, GROUP } from '../../../src/api/constants.js';
import { waitForCondition } from '../../../hack/testenv/wait-condition.js';
import { kubectl } from '../../support/testenv.js';

export const repoRoot = join(import.meta.dirname, '..', '..', '..');
export const RESOURCE = `${PLURAL}.${GROUP}`;

/** Applies the committed CRD (idempotent) and waits until it is Established. */
export async function installCrd(): Promise<void> {
  const file = join(repoRoot, CRD_FILE);
  // Other files apply it at the same moment; a lost create/update race answers AlreadyExists or Conflict.
  let last = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const applied = await kubectl(['apply', '-f', file]);
    if (applied.code === 0) {
      const waited = await waitForCondition(kubectl, `crd/${CRD_NAME}`, 'Established');
      if (waited.code !== 0) throw new Error(`CRD not Established: ${waited.stderr}`);
      return;
    }
    last = applied.stderr;
    await sleep(500);
  }
  throw new Error(`kubectl apply of ${CRD_FILE} failed: ${last}`);
}

export function applyJson(manifest: unknown, extraArgs: string[] = []) {
  return kubectl(['apply', ...extraArgs, '-f', '-'], { stdin: JSON.stringify(manifest) });
}

/** Reads an object as JSON; throws with kubectl's error when it cannot. */
export async function getJson(resource: string, name: string, namespace?: string): Promise<unknown> {
  const ns = namespace === undefined ? [] : ['-n', namespace];
  const result = await kubectl(['get', resource, name, ...ns, '-o', 'json']);
  if (result.code !== 0) throw new Error(`kubectl get ${resource} ${name}: ${result.stderr}`);
  return JSON.parse(result.stdout) as unknown;
}

/** Deletes the object after the test, whatever happened to it. */
export function deleteAfter(t: TestContext, resource: string, name: string, namespace?: string): void {
  const ns = namespace === undefined ? [] : ['-n', namespace];
  t.after(async () => {
    await kubectl(['delete', resource, name, ...ns, '--ignore-not-found', '--wait=false']);
  });
}

/** The value at a path of plain JSON, or undefined. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/**
 * Splits kubectl's table output into cells by the header's column positions (cells may be empty, so
 * splitting on whitespace would shift them).
 */
export function parseTable(output: string): { headers: string[]; rows: Record<string, string>[] } {
  const [headerLine = '', ...lines] = output.split('\n').filter((line) => line.trim() !== '');
  const starts: { name: string; start: number }[] = [];
  for (const match of headerLine.matchAll(/\S+(?: \S+)*/g))
    starts.push({ name: match[0], start: match.index });
  const rows = lines.map((line) =>
    Object.fromEntries(
      starts.map(({ name, start }, i) => {
        const end = starts[i + 1]?.start ?? line.length;
        return [name, line.slice(start, end).trim()];
      }),
    ),
  );
  return { headers: starts.map((s) => s.name), rows };
}

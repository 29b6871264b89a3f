// What the end-to-end tests share: a namespace and label of their own (the API server and the broker are shared
// with other test files running at once), ClusterRegistration manifests, and waits on status read with kubectl.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { ClusterRegistrationInput, Condition } from '../../../src/api/index.js';
import { at, getJson, installCrd } from '../../integration/api/support.js';
import { kubectl, uniqueName } from '../../support/testenv.js';
import type { OperatorProcess } from './operator.js';
import { onCleanup } from '../../support/cleanup.js';

export { at, getJson, installCrd };

export const RESOURCE = 'clusterregistrations.registry.kgroot.io';
export const SELECTOR_LABEL = 'e2e.kgroot.io/run';

/** A test's own namespace (for its Secrets) and label value (for its operator's selector). */
export interface Scope {
  namespace: string;
  run: string;
  selector: string;
}

export async function newScope(t: TestContext, prefix: string): Promise<Scope> {
  await installCrd();
  const run = uniqueName(prefix);
  const created = await kubectl(['create', 'namespace', run]);
  assert.equal(created.code, 0, created.stderr);
  onCleanup(t, async () => {
    // Whatever the test left behind goes without a tombstone, so no object waits on a stopped operator.
    const listed = await kubectl(['get', RESOURCE, '-l', `${SELECTOR_LABEL}=${run}`, '-o', 'name']);
    for (const name of listed.stdout.split('\n').filter((line) => line !== '')) {
      await kubectl(['patch', name, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
      await kubectl(['delete', name, '--ignore-not-found', '--wait=false']);
    }
    await kubectl(['delete', 'namespace', run, '--wait=false']);
  });
  return { namespace: run, run, selector: `${SELECTOR_LABEL}=${run}` };
}

/** A ClusterRegistration in the scope, with a unique name and clientId unless given. */
export function registration(
  scope: Scope,
  spec: Partial<ClusterRegistrationInput['spec']> & { kafka: ClusterRegistrationInput['spec']['kafka'] },
  name = uniqueName('creg'),
): ClusterRegistrationInput & { metadata: { name: string } } {
  return {
    apiVersion: 'registry.kgroot.io/v1alpha1',
    kind: 'ClusterRegistration',
    metadata: { name, labels: { [SELECTOR_LABEL]: scope.run } },
    spec: { clientId: name, ...spec },
  };
}

export async function apply(manifest: unknown): Promise<void> {
  const applied = await kubectl(['apply', '-f', '-'], { stdin: JSON.stringify(manifest) });
  assert.equal(applied.code, 0, applied.stderr);
}

export async function secret(scope: Scope, name: string, data: Record<string, string>): Promise<void> {
  const manifest = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: scope.namespace },
    stringData: data,
  };
  await apply(manifest);
}

export interface Observed {
  exists: boolean;
  conditions: Condition[];
  status: Record<string, unknown>;
  finalizers: string[];
}

export async function observe(name: string): Promise<Observed> {
  const result = await kubectl(['get', RESOURCE, name, '-o', 'json']);
  if (result.code !== 0) return { exists: false, conditions: [], status: {}, finalizers: [] };
  const object = JSON.parse(result.stdout) as unknown;
  return {
    exists: true,
    conditions: (at(object, 'status', 'conditions') as Condition[] | undefined) ?? [],
    status: (at(object, 'status') as Record<string, unknown> | undefined) ?? {},
    finalizers: (at(object, 'metadata', 'finalizers') as string[] | undefined) ?? [],
  };
}

export function condition(observed: Observed, type: string): Condition | undefined {
  return observed.conditions.find((c) => c.type === type);
}

/** Polls the object until `check` holds; the failure names what was awaited, the last state and the logs. */
export async function until(
  what: string,
  name: string,
  check: (observed: Observed) => boolean,
  options: { timeoutMs?: number; operator?: OperatorProcess } = {},
): Promise<Observed> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const observed = await observe(name);
    if (check(observed)) return observed;
    if (Date.now() > deadline) {
      const logs =
        options.operator === undefined ? '' : `\noperator log:\n${options.operator.output().slice(-6000)}`;
      assert.fail(
        `timed out waiting for ${what} of ${name}; last seen: ${JSON.stringify(observed.status)}${logs}`,
      );
    }
    await delay(100);
  }
}

/** The Ready condition with this status (and reason, when given). */
export function ready(status: 'True' | 'False' | 'Unknown', reason?: string) {
  return (observed: Observed): boolean => {
    const found = condition(observed, 'Ready');
    return found?.status === status && (reason === undefined || found.reason === reason);
  };
}

export function hasCondition(type: string, status: 'True' | 'False' | 'Unknown', reason?: string) {
  return (observed: Observed): boolean => {
    const found = condition(observed, type);
    return found?.status === status && (reason === undefined || found.reason === reason);
  };
}

/** Events about an object, newest last, as `reason: note` lines; only those of `type` when given. */
export async function eventsOf(name: string, type?: 'Normal' | 'Warning'): Promise<string[]> {
  const selector = `regarding.name=${name}${type === undefined ? '' : `,type=${type}`}`;
  const result = await kubectl([
    'get',
    'events.events.k8s.io',
    '-n',
    'default',
    '--field-selector',
    selector,
    '-o',
    'json',
  ]);
  if (result.code !== 0) return [];
  const items = (at(JSON.parse(result.stdout) as unknown, 'items') ?? []) as {
    reason?: string;
    note?: string;
  }[];
  return items.map((item) => `${item.reason ?? ''}: ${item.note ?? ''}`);
}

/** The first event about `name` with this reason (and type, and a note matching, when given). */
export async function waitForEvent(
  name: string,
  reason: string,
  timeoutMs = 30_000,
  filter: { type?: 'Normal' | 'Warning'; note?: RegExp } = {},
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const what = [filter.type, reason, filter.note === undefined ? '' : `(note ${filter.note})`]
    .join(' ')
    .trim();
  for (;;) {
    const found = (await eventsOf(name, filter.type)).find(
      (line) =>
        line.startsWith(`${reason}:`) &&
        (filter.note === undefined || filter.note.test(line.slice(reason.length + 2))),
    );
    if (found !== undefined) return found;
    if (Date.now() > deadline) {
      const seen = (await eventsOf(name)).join('\n  ');
      assert.fail(`no ${what} event about ${name} within ${timeoutMs} ms; events:\n  ${seen}`);
    }
    await delay(200);
  }
}

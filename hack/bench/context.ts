// What every section gets: the environment's addresses, the bench's clients and the operator build.
import type { BenchKube } from './kube.js';
import type { NodeOperatorBuild, OperatorBuild } from './operator.js';
import type { BenchNode } from './pod.js';
import type { RecordWatch } from './records.js';

export interface BenchContext {
  quick: boolean;
  kubeconfig: string;
  kubectl: string;
  brokers: string;
  kafkaLibs: string;
  /** The operator's namespace (leases live there). */
  namespace: string;
  kube: BenchKube;
  watch: RecordWatch;
  /** Undefined when the operator does not start: its sections are then skipped. */
  operator?: OperatorBuild;
  /** Scratch files (profiles, log4j configuration). */
  workDir: string;
  log: (line: string) => void;
  /** The environment's server processes by name (kube-apiserver, etcd, kafka), for their CPU time. */
  serverPids: Record<string, number>;
  /** The environment's node, when it has one (the `pod` section). */
  node?: BenchNode;
  /** Deletes whatever bench objects are left (with an operator, so their finalizers go). */
  cleanup: () => Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Bench object names: sortable, and a valid clientId (letters, digits, '-'). */
export function objectName(prefix: string, i: number): string {
  return `${prefix}-${String(i).padStart(5, '0')}`;
}

/** Runs `task` over the items with at most `limit` in flight. */
export async function pool<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export function requireOperator(ctx: BenchContext): OperatorBuild {
  if (ctx.operator === undefined) throw new Error('the operator is not usable');
  return ctx.operator;
}

/** Ours, for the sections that measure Node itself (cold start, profiles). */
export function requireNodeOperator(ctx: BenchContext): NodeOperatorBuild {
  const build = requireOperator(ctx);
  if (build.kind === 'peer') throw new Error('this section measures our operator, not the peer');
  return build;
}

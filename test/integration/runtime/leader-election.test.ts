// Two operator processes against one API server.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test, type TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { requireKube, uniqueName } from '../../support/testenv.js';
import { configMap, eventually, must, testNamespace } from './fixtures/cluster.js';

const fixture = fileURLToPath(new URL('./fixtures/operator.ts', import.meta.url));
type Timing = { leaseMs: number; renewMs: number; retryMs: number };
const timing: Timing = { leaseMs: 6_000, renewMs: 4_000, retryMs: 1_000 };

type LogLine = Record<string, unknown> & { message?: string; at: number };

class OperatorProcess {
  readonly lines: LogLine[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(
    readonly identity: string,
    namespace: string,
    lease: string,
    { leaseMs, renewMs, retryMs }: Timing,
  ) {
    this.child = spawn(process.execPath, ['--import', 'tsx', fixture], {
      env: {
        ...process.env,
        KUBECONFIG: requireKube().kubeconfig,
        OPERATOR_IDENTITY: identity,
        OPERATOR_NAMESPACE: namespace,
        OPERATOR_LEASE: lease,
        OPERATOR_LEASE_MS: String(leaseMs),
        OPERATOR_RENEW_MS: String(renewMs),
        OPERATOR_RETRY_MS: String(retryMs),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let pending = '';
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (pending + chunk).split('\n');
      pending = parts.pop() ?? '';
      for (const part of parts) {
        if (part.trim() !== '')
          this.lines.push({ ...(JSON.parse(part) as Record<string, unknown>), at: Date.now() });
      }
    });
    this.exited = new Promise((resolve) => this.child.once('exit', resolve));
  }

  find(message: string): LogLine | undefined {
    return this.lines.find((line) => line.message === message);
  }

  count(message: string): number {
    return this.lines.filter((line) => line.message === message).length;
  }

  async metrics(): Promise<string> {
    const port = this.find('http server listening')?.port;
    return (await fetch(`http://127.0.0.1:${String(port)}/metrics`)).text();
  }

  async readyz(): Promise<number> {
    const port = this.find('http server listening')?.port;
    return (await fetch(`http://127.0.0.1:${String(port)}/readyz`)).status;
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

function start(
  t: TestContext,
  identity: string,
  namespace: string,
  lease: string,
  candidateTiming = timing,
): OperatorProcess {
  const operator = new OperatorProcess(identity, namespace, lease, candidateTiming);
  t.after(async () => {
    operator.kill('SIGKILL');
    await operator.exited;
  });
  return operator;
}

async function leaderOf(operators: OperatorProcess[]): Promise<OperatorProcess> {
  await eventually('a leader', () =>
    operators.some((operator) => operator.find('became leader') !== undefined),
  );
  const leaders = operators.filter((operator) => operator.find('became leader') !== undefined);
  assert.equal(leaders.length, 1, 'exactly one leader');
  return leaders[0] as OperatorProcess;
}

test('two operator processes: exactly one reconciles; SIGKILL and SIGTERM of the leader hand over', async (t) => {
  const namespace = await testNamespace(t);
  const lease = uniqueName('lease');
  const a = start(t, 'operator-a', namespace, lease);
  const b = start(t, 'operator-b', namespace, lease);
  const first = await leaderOf([a, b]);
  const standby = first === a ? b : a;

  await must(['apply', '-f', '-'], { stdin: configMap(namespace, 'cm', { v: '1' }) });
  await eventually('the leader to reconcile', () => first.count('reconciled') >= 1);
  await delay(2 * timing.retryMs);
  assert.equal(standby.count('reconciled'), 0, 'the standby does not reconcile');

  // Both caches are warm and ready; only the leader says it leads.
  await eventually('the standby to be ready', async () => (await standby.readyz()) === 200);
  assert.equal(await first.readyz(), 200);
  const leaderMetrics = await first.metrics();
  assert.match(leaderMetrics, new RegExp(`leader_election_master_status\\{name="${lease}"\\} 1`));
  assert.match(
    leaderMetrics,
    /controller_runtime_reconcile_total\{controller="configmaps",result="success"\} [1-9]/,
  );
  assert.match(
    leaderMetrics,
    /controller_runtime_reconcile_time_seconds_count\{controller="configmaps"\} [1-9]/,
  );
  assert.match(leaderMetrics, /workqueue_depth\{name="configmaps",controller="configmaps"\} 0/);
  assert.match(leaderMetrics, /workqueue_retries_total\{name="configmaps",controller="configmaps"\} 0/);
  assert.match(leaderMetrics, /workqueue_adds_total\{name="configmaps",controller="configmaps"\} [1-9]/);
  assert.match(leaderMetrics, /process_resident_memory_bytes \d+/);
  assert.match(await standby.metrics(), new RegExp(`leader_election_master_status\\{name="${lease}"\\} 0`));

  // SIGKILL: nothing releases the lease; the standby waits it out.
  const killedAt = Date.now();
  first.kill('SIGKILL');
  await first.exited;
  await eventually('the standby to take over', () => standby.find('became leader') !== undefined, 30_000);
  const takeover = (standby.find('became leader')?.at ?? Infinity) - killedAt;
  t.diagnostic(`took over ${takeover} ms after SIGKILL`);
  // Lease plus retry, plus up to one retry of lag in noticing the last renewal, plus process noise.
  assert.ok(takeover <= timing.leaseMs + 2 * timing.retryMs + 2_000, `took over after ${takeover} ms`);
  await must(['apply', '-f', '-'], { stdin: configMap(namespace, 'cm', { v: '2' }) });
  await eventually('the new leader to reconcile', () =>
    standby.lines.some((line) => line.message === 'reconciled' && line.v === '2'),
  );

  // SIGTERM: the leader finishes, releases the lease and exits 0; the next standby, watching the lease, takes it
  // at once: long before its next retry, which is 20 s after its first.
  const slow: Timing = { leaseMs: 60_000, renewMs: 40_000, retryMs: 20_000 };
  const c = start(t, 'operator-c', namespace, lease, slow);
  await eventually(
    'the new standby to be ready',
    async () => c.find('http server listening') !== undefined && (await c.readyz()) === 200,
  );
  const terminatedAt = Date.now();
  standby.kill('SIGTERM');
  assert.equal(await standby.exited, 0);
  assert.ok(standby.find('released the lease') !== undefined);
  await eventually('the third process to take over', () => c.find('became leader') !== undefined, 10_000);
  const handover = (c.find('became leader')?.at ?? Infinity) - terminatedAt;
  t.diagnostic(`took over ${handover} ms after SIGTERM`);
  assert.ok(handover <= 3_000, `took over after ${handover} ms`);
});

// The operator as a real process, as it runs in a pod: started with flags, read through its JSON log lines, and
// stopped (or killed) the way Kubernetes would. Its logs are printed when the test fails or E2E_LOGS=1.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { requireKube } from '../../support/testenv.js';
import { onCleanup } from '../../support/cleanup.js';

export const repoRoot = join(import.meta.dirname, '..', '..', '..');

/** How to start the operator: from source by default; the bundle test passes the bundled file. */
export const FROM_SOURCE = [process.execPath, '--import', 'tsx', join(repoRoot, 'src', 'cli', 'main.ts')];

export interface LogLine {
  level: string;
  message: string;
  [field: string]: unknown;
}

export interface OperatorOptions {
  namespace: string;
  /** Label selector of the ClusterRegistrations this operator manages (tests run side by side). */
  selector: string;
  kubeconfig?: string;
  args?: string[];
  env?: Record<string, string>;
  command?: readonly string[];
}

export class OperatorProcess {
  readonly logs: LogLine[] = [];
  private readonly raw: string[] = [];
  private readonly exit: Promise<number | null>;

  constructor(private readonly child: ChildProcess) {
    let pending = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) this.take(line);
    });
    child.stderr?.on('data', (chunk: Buffer) => this.raw.push(chunk.toString('utf8')));
    this.exit = new Promise((resolve) => {
      child.once('exit', (code) => {
        resolve(code);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Resolves with the exit code. */
  exited(): Promise<number | null> {
    return this.exit;
  }

  /** The first log line matching, waiting for it up to `timeoutMs`. */
  async waitForLog(what: string, match: (line: LogLine) => boolean, timeoutMs = 30_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.logs.find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`operator logged no ${what} within ${timeoutMs} ms`);
      await delay(50);
    }
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 15_000): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.exit;
    this.kill('SIGTERM');
    const timer = setTimeout(() => {
      this.kill('SIGKILL');
    }, graceMs);
    const code = await this.exit;
    clearTimeout(timer);
    return code;
  }

  output(): string {
    return this.raw.join('');
  }

  private take(line: string): void {
    this.raw.push(`${line}\n`);
    try {
      this.logs.push(JSON.parse(line) as LogLine);
    } catch {
      // A line that is not JSON (a Node warning) stays in the raw output only.
    }
  }
}

/** Starts an operator that manages the selected objects; stopped with SIGTERM when the test ends. */
export function startOperator(t: TestContext, options: OperatorOptions): OperatorProcess {
  const [command = process.execPath, ...prefix] = options.command ?? FROM_SOURCE;
  const args = [
    ...prefix,
    'run',
    '--kubeconfig',
    options.kubeconfig ?? requireKube().kubeconfig,
    '--namespace',
    options.namespace,
    '--selector',
    options.selector,
    '--http-port',
    '0',
    '--leader-elect=false',
    '--log-level',
    'debug',
    ...(options.args ?? []),
  ];
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const operator = new OperatorProcess(child);
  onCleanup(t, async () => {
    await operator.stop();
    if (process.env.E2E_LOGS === '1') process.stderr.write(operator.output());
  });
  return operator;
}

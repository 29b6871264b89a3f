// Starting and stopping an operator under measurement: ours as the single-file bundle when it can be built (what
// the image runs), else the TypeScript source through tsx; or the Go peer it races (hack/bench/peer.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { imageEnvironment, imageNodeFlags } from '../bundle.js';
import { exec } from '../testenv/exec.js';
import { freePort } from '../testenv/ports.js';
import { repoRoot } from '../testenv/paths.js';
import { ProcSampler } from './proc.js';

export const BUNDLE = join(repoRoot, 'dist', 'bundle', 'cluster-registry-operator.mjs');

/** Ours, run by Node. */
export interface NodeOperatorBuild {
  kind: 'bundle' | 'tsx';
  /** What the report says was measured, flags included. */
  label: string;
  /** Node arguments before the operator's own. */
  entry: string[];
  /** Its environment beyond the bench's: the image's ENV for the bundle. */
  env: Record<string, string>;
  note: string;
}

/** The Go controller-runtime peer (hack/tools/peer-operator), a binary. */
export interface PeerOperatorBuild {
  kind: 'peer';
  label: string;
  binary: string;
  note: string;
}

export type OperatorBuild = NodeOperatorBuild | PeerOperatorBuild;

/** Builds the bundle when the bundler exists, and checks that the operator answers `--version`. */
export async function prepareOperator(log: (line: string) => void): Promise<NodeOperatorBuild> {
  if (existsSync(join(repoRoot, 'hack', 'bundle.ts'))) {
    const built = await exec('npm', ['run', '--silent', 'bundle'], { cwd: repoRoot });
    if (built.code !== 0)
      log(`npm run bundle failed (${built.code}); falling back to tsx: ${built.stderr.slice(0, 500)}`);
  }
  const candidates: NodeOperatorBuild[] = [];
  if (existsSync(BUNDLE)) {
    // With the image's Node flags and ENV: what runs in the pod is what is measured.
    const flags = imageNodeFlags();
    const env = imageEnvironment();
    candidates.push({
      kind: 'bundle',
      label: ['bundle', ...flags].join(' '),
      entry: [...flags, BUNDLE],
      env,
      note: `bundle ${statSync(BUNDLE).size} bytes, node ${flags.join(' ') || '(no flags)'}${Object.entries(
        env,
      )
        .map(([key, value]) => `, ${key}=${value}`)
        .join('')}`,
    });
  }
  candidates.push({
    kind: 'tsx',
    label: 'tsx',
    entry: ['--import', 'tsx', join(repoRoot, 'src', 'cli', 'main.ts')],
    env: {},
    note: 'TypeScript source through tsx (no bundle)',
  });
  for (const build of candidates) {
    const version = await exec(process.execPath, [...build.entry, '--version'], {
      cwd: repoRoot,
      env: { ...process.env, ...build.env },
    });
    if (version.code === 0) return build;
    log(`operator (${build.kind}) --version failed: ${(version.stderr || version.stdout).slice(0, 500)}`);
  }
  throw new Error('the operator does not start (`--version` failed for the bundle and the source)');
}

export interface OperatorOptions {
  kubeconfig: string;
  namespace: string;
  leaderElectionId?: string;
  /** Node flags, e.g. --cpu-prof. */
  nodeArgs?: string[];
  maxConcurrentReconciles?: number;
  /** Extra environment variables (MALLOC_ARENA_MAX for the memory experiments). */
  env?: Record<string, string>;
}

export interface LogLine {
  at: number;
  line: string;
}

/** Every operator started and not yet exited: killed if the bench itself exits first (Ctrl-C, a crash). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export class OperatorProcess {
  readonly lines: LogLine[] = [];
  readonly sampler: ProcSampler;
  private exited: Promise<number>;

  private constructor(
    readonly child: ChildProcess,
    readonly startedAt: number,
    readonly httpPort: number,
  ) {
    const pid = child.pid;
    if (pid === undefined) throw new Error('the operator did not start');
    this.sampler = new ProcSampler(pid, 200).start();
    const keep = (chunk: Buffer): void => {
      const at = performance.now();
      for (const line of chunk.toString('utf8').split('\n')) {
        // Bounded: the first lines and the latest ones are what a failure report needs.
        if (line.trim() !== '') this.lines.push({ at, line });
        if (this.lines.length > 2000) this.lines.splice(200, 1000);
      }
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    running.add(child);
    child.once('exit', () => running.delete(child));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        resolve(code ?? (signal === null ? -1 : 128));
      }),
    );
  }

  static async start(build: OperatorBuild, options: OperatorOptions): Promise<OperatorProcess> {
    const httpPort = await freePort();
    const [command, args] = commandLine(build, options, httpPort);
    const startedAt = performance.now();
    const child = spawn(command, args, {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...(build.kind === 'peer' ? {} : build.env), ...options.env },
    });
    return new OperatorProcess(child, startedAt, httpPort);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Polls /readyz (bounded); the time it first answered 200. */
  async waitReady(timeoutMs = 60_000): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (this.child.exitCode !== null)
        throw new Error(`the operator exited ${this.child.exitCode}:\n${this.tail()}`);
      try {
        const response = await fetch(`http://127.0.0.1:${this.httpPort}/readyz`, {
          signal: AbortSignal.timeout(1000),
        });
        if (response.ok) return performance.now();
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`the operator was not ready within ${timeoutMs} ms:\n${this.tail()}`);
  }

  async metrics(): Promise<string> {
    const response = await fetch(`http://127.0.0.1:${this.httpPort}/metrics`, {
      signal: AbortSignal.timeout(10_000),
    });
    return response.text();
  }

  tail(count = 30): string {
    return this.lines
      .slice(-count)
      .map((l) => l.line)
      .join('\n');
  }

  /** SIGTERM, then SIGKILL after the grace period; the exit code. */
  async stop(graceMs = 20_000): Promise<number> {
    this.sampler.sample();
    this.sampler.stop();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

/**
 * Each operator's command line for the same run: no leader election unless asked, 16 concurrent reconciles, logs
 * at warnings (ours) or errors (the peer logs each registration at info), /readyz on `httpPort`.
 */
function commandLine(build: OperatorBuild, options: OperatorOptions, httpPort: number): [string, string[]] {
  const workers = String(options.maxConcurrentReconciles ?? 16);
  if (build.kind === 'peer') {
    const leader =
      options.leaderElectionId === undefined
        ? []
        : ['--leader-elect', '--leader-election-namespace', options.namespace];
    return [
      build.binary,
      [
        '--kubeconfig',
        options.kubeconfig,
        ...leader,
        '--health-probe-bind-address',
        `127.0.0.1:${String(httpPort)}`,
        '--max-concurrent-reconciles',
        workers,
        '--zap-log-level',
        'error',
      ],
    ];
  }
  const leader =
    options.leaderElectionId === undefined
      ? ['--leader-elect=false']
      : ['--leader-elect=true', '--leader-election-id', options.leaderElectionId];
  return [
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      ...build.entry,
      'run',
      '--kubeconfig',
      options.kubeconfig,
      '--namespace',
      options.namespace,
      ...leader,
      '--http-port',
      String(httpPort),
      '--log-level',
      'warn',
      '--max-concurrent-reconciles',
      workers,
    ],
  ];
}

/** Values of unlabelled (or first-labelled) samples of a Prometheus text exposition, by metric name. */
export function promValue(text: string, name: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) {
      const value = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (Number.isFinite(value)) return value;
    }
  }
  return undefined;
}

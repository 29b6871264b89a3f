import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** What we remember of a process we started, so that `down` stops exactly it and nothing else. */
export interface ProcessRecord {
  name: string;
  pid: number;
  command: string;
  args: string[];
  log: string;
  /** The process's start time (/proc/<pid>/stat field 22, clock ticks since boot): with the pid, its identity. */
  startTime?: number;
}

const PID_DIR = 'pids';
/** Folders of an environment that hold data, never nested environments: not worth walking. */
const DATA_DIRS = new Set([PID_DIR, 'etcd', 'kafka', 'pki', 'logs', 'bin', 'kube-certs', 'node']);

function recordPath(stateDir: string, name: string): string {
  return join(stateDir, PID_DIR, `${name}.json`);
}

/**
 * The processes this process started, by pid, with how each ended once it has. While we are their parent this is
 * the authority: a command line is not an identity while a process starts (between exec and the kernel's setting
 * up of its arguments /proc/<pid>/cmdline reads empty), which once made a live kube-apiserver look dead.
 */
const children = new Map<number, string | undefined>();

/**
 * When the process with this pid started (clock ticks since boot), or undefined when there is none. The field
 * count starts after the command name, which is in parentheses and may itself hold spaces or parentheses.
 */
export function processStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
    const startTime = Number(fields[19]);
    return Number.isInteger(startTime) ? startTime : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True when the pid is alive and is still the process we started. pid_max is 32768 here and a test run forks
 * thousands of processes, so a pid (even with the same command) is soon someone else's: the start time, which
 * no exec changes and no other process shares with the same pid, tells ours apart. Records written before the
 * start time was kept fall back to the command line.
 */
export function isOurs(record: ProcessRecord): boolean {
  if (record.startTime !== undefined && processStartTime(record.pid) !== record.startTime) return false;
  if (children.has(record.pid)) return children.get(record.pid) === undefined;
  if (record.startTime !== undefined) return true;
  try {
    const cmdline = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').split('\0');
    return cmdline[0] === record.command;
  } catch {
    return false;
  }
}

/** Starts a long-lived process detached from us (it outlives `testenv up`), logging to a file. */
export function startProcess(
  stateDir: string,
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): ProcessRecord {
  mkdirSync(join(stateDir, PID_DIR), { recursive: true });
  mkdirSync(join(stateDir, 'logs'), { recursive: true });
  const log = join(stateDir, 'logs', `${name}.log`);
  const fd = openSync(log, 'a');
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], env });
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start ${name} (${command})`);
    children.set(pid, undefined);
    child.once('exit', (code, signal) => {
      children.set(pid, signal === null ? `exit code ${String(code)}` : `killed by ${signal}`);
    });
    child.unref();
    const record: ProcessRecord = { name, pid, command, args, log, startTime: processStartTime(pid) };
    writeFileSync(recordPath(stateDir, name), JSON.stringify(record, null, 2));
    return record;
  } finally {
    closeSync(fd);
  }
}

export function readRecord(stateDir: string, name: string): ProcessRecord | undefined {
  const path = recordPath(stateDir, name);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as ProcessRecord;
}

/** Every process record under a state directory, including nested (private) environments. */
export function allRecords(stateDir: string): { stateDir: string; record: ProcessRecord }[] {
  if (!existsSync(stateDir)) return [];
  const found: { stateDir: string; record: ProcessRecord }[] = [];
  const pidDir = join(stateDir, PID_DIR);
  if (existsSync(pidDir)) {
    for (const file of readdirSync(pidDir)) {
      if (file.endsWith('.json')) {
        found.push({
          stateDir,
          record: JSON.parse(readFileSync(join(pidDir, file), 'utf8')) as ProcessRecord,
        });
      }
    }
  }
  for (const entry of readdirSync(stateDir, { withFileTypes: true })) {
    if (entry.isDirectory() && !DATA_DIRS.has(entry.name))
      found.push(...allRecords(join(stateDir, entry.name)));
  }
  return found;
}

/** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. */
export async function stopProcess(stateDir: string, name: string, graceMs = 15_000): Promise<void> {
  const record = readRecord(stateDir, name);
  if (record === undefined) return;
  if (isOurs(record)) {
    process.kill(record.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isOurs(record) && Date.now() < deadline) await sleep(100);
    if (isOurs(record)) {
      process.kill(record.pid, 'SIGKILL');
      while (isOurs(record)) await sleep(50);
    }
  }
  rmSync(recordPath(stateDir, name), { force: true });
}

/** A process that ended before it became ready: often transient on a loaded machine, so worth one more start. */
export class ExitedDuringStartup extends Error {}

/** Polls a readiness check until it passes, the process dies, or the timeout ends, each with a clear error. */
export async function waitReady(
  record: ProcessRecord,
  ready: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isOurs(record)) {
      const ending = children.get(record.pid);
      throw new ExitedDuringStartup(
        `${record.name} exited during start-up${ending === undefined ? '' : ` (${ending})`}; last lines of ${record.log}:\n${tail(record.log)}`,
      );
    }
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${record.name} not ready after ${timeoutMs / 1000}s; last lines of ${record.log}:\n${tail(record.log)}`,
      );
    }
    await sleep(200);
  }
}

function tail(path: string, lines = 20): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// Spawning measured processes: wall time on the bench's clock, CPU and peak RSS from GNU time when it is there.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GNU_TIME = '/usr/bin/time';

export interface Measured {
  code: number;
  startedAt: number;
  exitedAt: number;
  wallMs: number;
  /** From GNU time; undefined when it is not installed. */
  userSeconds?: number;
  systemSeconds?: number;
  maxRssBytes?: number;
  stderr: string;
}

export function hasGnuTime(): boolean {
  return existsSync(GNU_TIME);
}

/** Runs a command with `input` on its stdin, measuring the whole process (start-up, send, shutdown). */
export function measure(
  command: string,
  args: readonly string[],
  input: string,
  timeoutMs: number,
): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-time-'));
  const timeFile = join(dir, 'time');
  const timed = hasGnuTime();
  const [file, argv] = timed
    ? [GNU_TIME, ['-f', '%e %U %S %M', '-o', timeFile, command, ...args]]
    : [command, [...args]];
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const child = spawn(file, argv, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 20_000) stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      reject(error);
    });
    child.once('close', (code) => {
      const exitedAt = performance.now();
      clearTimeout(timer);
      const result: Measured = {
        code: code ?? -1,
        startedAt,
        exitedAt,
        wallMs: exitedAt - startedAt,
        stderr,
      };
      if (timed && existsSync(timeFile)) {
        // `-f '%e %U %S %M'`: elapsed, user, system seconds, max RSS in KiB; the last line (earlier ones may be
        // the command's own exit status message).
        const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
        const [, user, system, rssKb] = last.split(' ').map(Number);
        if (user !== undefined && system !== undefined && rssKb !== undefined) {
          Object.assign(result, { userSeconds: user, systemSeconds: system, maxRssBytes: rssKb * 1024 });
        }
      }
      rmSync(dir, { recursive: true, force: true });
      resolve(result);
    });
    child.stdin.end(input);
  });
}

/** The first path among candidates and $PATH that exists. */
export function findExecutable(name: string, extra: readonly string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/bin', '/usr/local/bin'];
  return [...extra, ...dirs.map((d) => join(d, name))].find((p) => p !== '' && existsSync(p));
}

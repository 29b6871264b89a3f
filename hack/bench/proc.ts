// CPU time and memory of a process from /proc, sampled while it runs: the operator's RSS and CPU in every section.
import { readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks (100 on every mainstream architecture). */
const TICKS_PER_SECOND = 100;

export interface ProcSample {
  /** Milliseconds on the bench's clock (performance.now()). */
  at: number;
  /** User + system CPU seconds since the process started. */
  cpuSeconds: number;
  rssBytes: number;
  /** Peak RSS so far (VmHWM). */
  peakRssBytes: number;
}

export function readProc(pid: number, at: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: fields are counted after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string): number => {
      const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
      return match === null ? 0 : Number(match[1]) * 1024;
    };
    return {
      at,
      cpuSeconds: (utime + stime) / TICKS_PER_SECOND,
      rssBytes: kb('VmRSS'),
      peakRssBytes: kb('VmHWM'),
    };
  } catch {
    return undefined; // the process has exited
  }
}

/** Samples one process at a fixed interval until stopped. */
export class ProcSampler {
  readonly samples: ProcSample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly pid: number,
    private readonly intervalMs = 250,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  sample(): ProcSample | undefined {
    const s = readProc(this.pid, performance.now());
    if (s !== undefined) this.samples.push(s);
    return s;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Samples taken within [from, to] on the bench's clock. */
  between(from: number, to: number): ProcSample[] {
    return this.samples.filter((s) => s.at >= from && s.at <= to);
  }
}

export const MiB = 1024 * 1024;

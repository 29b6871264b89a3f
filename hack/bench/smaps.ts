// Where a process's resident memory is, from /proc/PID/smaps: each mapping's Rss summed by what it maps, so that an
// RSS miss shows how much of it is the executable's own pages, anonymous memory (V8's heap and code, malloc's large
// chunks, stacks), malloc's brk heap and the shared libraries.
import { readFileSync, readlinkSync } from 'node:fs';

export interface Residency {
  totalBytes: number;
  /** File pages of the executable itself: its text and read-only data, as far as they have been touched. */
  executableBytes: number;
  /** Mappings of no file: V8's heap pages and code space, malloc's mmap'd chunks, threads' stacks. */
  anonymousBytes: number;
  /** The brk heap, malloc's main arena. */
  brkHeapBytes: number;
  /** Shared libraries' pages (libc, libstdc++, ...). */
  librariesBytes: number;
  /** The rest: the main stack, vdso, other files. */
  otherBytes: number;
}

// "7f1c2a000000-7f1c2a021000 rw-p 00000000 00:00 0      [heap]": the sixth field, the path, may be empty.
const MAPPING = /^[0-9a-f]+-[0-9a-f]+\s+\S+\s+\S+\s+\S+\s+\d+\s*(.*)$/;
const RSS = /^Rss:\s+(\d+) kB$/;

type Kind = keyof Omit<Residency, 'totalBytes'>;

function kindOf(path: string, executable: string): Kind {
  if (path === executable) return 'executableBytes';
  if (path === '') return 'anonymousBytes';
  if (path === '[heap]') return 'brkHeapBytes';
  if (/\.so(\.\d+)*$/.test(path)) return 'librariesBytes';
  return 'otherBytes';
}

/** Sums an smaps text's Rss lines by the kind of each mapping; `executable` is the path the binary is mapped from. */
export function summarizeSmaps(text: string, executable: string): Residency {
  const out: Residency = {
    totalBytes: 0,
    executableBytes: 0,
    anonymousBytes: 0,
    brkHeapBytes: 0,
    librariesBytes: 0,
    otherBytes: 0,
  };
  let kind: Kind = 'otherBytes';
  for (const line of text.split('\n')) {
    const mapping = MAPPING.exec(line);
    if (mapping !== null) {
      kind = kindOf((mapping[1] ?? '').trim(), executable);
      continue;
    }
    const rss = RSS.exec(line);
    if (rss === null) continue;
    const bytes = Number(rss[1]) * 1024;
    out[kind] += bytes;
    out.totalBytes += bytes;
  }
  return out;
}

/** A live process's residency, now. */
export function residencyOf(pid: number): Residency {
  return summarizeSmaps(
    readFileSync(`/proc/${String(pid)}/smaps`, 'utf8'),
    readlinkSync(`/proc/${String(pid)}/exe`),
  );
}

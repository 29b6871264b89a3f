import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { residencyOf, summarizeSmaps } from '../../../hack/bench/smaps.js';

const mapping = (path: string, rssKb: number): string =>
  [
    `55d0c0000000-55d0c0400000 r-xp 00000000 08:01 1234                       ${path}`.trimEnd(),
    `Size:               4096 kB`,
    `Rss:                ${String(rssKb)} kB`,
    `Pss:                ${String(rssKb)} kB`,
    `Private_Dirty:         0 kB`,
    `VmFlags: rd ex mr mw me dw`,
  ].join('\n');

describe('resident memory by what it maps (/proc/PID/smaps)', () => {
  it('sums each mapping into its kind', () => {
    const text = [
      mapping('/opt/node/bin/node', 30_000),
      mapping('/opt/node/bin/node', 2_000),
      mapping('', 15_000),
      mapping('[heap]', 3_000),
      mapping('/usr/lib/x86_64-linux-gnu/libc.so.6', 1_500),
      mapping('/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30', 1_000),
      mapping('[stack]', 100),
      mapping('/usr/lib/locale/C.utf8/LC_CTYPE', 50),
    ].join('\n');
    const r = summarizeSmaps(text, '/opt/node/bin/node');
    assert.deepEqual(r, {
      totalBytes: 52_650 * 1024,
      executableBytes: 32_000 * 1024,
      anonymousBytes: 15_000 * 1024,
      brkHeapBytes: 3_000 * 1024,
      librariesBytes: 2_500 * 1024,
      otherBytes: 150 * 1024,
    });
  });

  it('reads a live process: its parts add up to its VmRSS', () => {
    const r = residencyOf(process.pid);
    const parts = r.executableBytes + r.anonymousBytes + r.brkHeapBytes + r.librariesBytes + r.otherBytes;
    assert.equal(parts, r.totalBytes);
    assert.ok(r.executableBytes > 0, 'node runs from its own binary');
    const status = /VmRSS:\s+(\d+) kB/.exec(readStatus())?.[1];
    // VmRSS moves between the two reads by what the process touched in between: close, not equal.
    assert.ok(Math.abs(Number(status) * 1024 - r.totalBytes) < 8 * 1024 * 1024);
  });
});

function readStatus(): string {
  return readFileSync('/proc/self/status', 'utf8');
}

// The report is generated, but its findings are written by people: a new report keeps them as they were.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { keptFindings, writeReport } from '../../../hack/bench/report.js';
import type { Results } from '../../../hack/bench/results.js';

const results: Results = {
  generatedAt: '2026-12-02T10:00:00.000Z',
  quick: false,
  machine: {
    cores: 2,
    cpuModel: 'test',
    memoryBytes: 0,
    kernel: '',
    node: '',
    java: '',
    kafka: '',
    kcat: '',
    commit: '',
    loadAverage: 0,
  },
  ranAt: {},
  skipped: {},
  profiles: {},
};

describe("the report's findings", () => {
  it('are taken from an earlier report verbatim, markers and all', () => {
    const first = keptFindings(undefined);
    const written = first.replace(
      'None written yet.',
      '- The API server is the largest consumer.\n- And more.',
    );
    assert.equal(keptFindings(`# Benchmarks\n\n${written}\n\n## Machine\n`), written);
  });

  it('survive a new report', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
    t.after(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    const plots = join(dir, 'benchmarks');
    writeReport(results, {}, dir, plots, 'benchmarks.md', []);
    const file = join(dir, 'benchmarks.md');
    const edited = readFileSync(file, 'utf8').replace(
      'None written yet.',
      'Written by hand from the profiles.',
    );
    writeFileSync(file, edited);
    writeReport({ ...results, generatedAt: '2026-12-03T10:00:00.000Z' }, {}, dir, plots, 'benchmarks.md', []);
    const again = readFileSync(file, 'utf8');
    assert.match(again, /Written by hand from the profiles\./);
    assert.match(again, /2026-12-03T10:00:00.000Z/);
  });
});

// The machine a run was made on, as the report quotes it.
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { exec } from '../testenv/exec.js';
import { repoRoot } from '../testenv/paths.js';
import { findExecutable } from './exec.js';

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryBytes: number;
  kernel: string;
  node: string;
  java: string;
  kafka: string;
  kcat: string;
  commit: string;
  /** 1-minute load average when the run started: other work on the machine shows here. */
  loadAverage: number;
}

export async function machine(kafkaLibs: string): Promise<Machine> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const java = await exec('java', ['-version']).catch(() => undefined);
  const kafkaJar = readdirSync(kafkaLibs).find((f) => /^kafka-clients-.+\.jar$/.test(f));
  const kcatPath = findExecutable('kcat');
  const kcat = kcatPath === undefined ? undefined : await exec(kcatPath, ['-V']);
  const commit = await exec('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot });
  return {
    cores: cpus().length,
    cpuModel: model.trim(),
    memoryBytes: totalmem(),
    kernel: release(),
    node: process.version,
    java: java?.stderr.split('\n')[0]?.trim() ?? 'not installed',
    kafka: kafkaJar?.replace(/^kafka-clients-|\.jar$/g, '') ?? 'unknown',
    kcat:
      kcat === undefined
        ? 'not installed'
        : (/^Version (\S+).*?(librdkafka \S+)/m.exec(kcat.stdout)?.slice(1, 3).join(', ') ?? 'installed'),
    commit: commit.stdout.trim(),
    loadAverage: loadavg()[0] ?? 0,
  };
}

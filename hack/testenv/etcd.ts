import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvConfig } from './config.js';
import { startProcess, waitReady, type ProcessRecord } from './processes.js';

export const ETCD = 'etcd';

export function etcdUrl(config: EnvConfig): string {
  return `http://127.0.0.1:${config.ports.etcdClient}`;
}

export async function startEtcd(
  stateDir: string,
  etcdBin: string,
  config: EnvConfig,
): Promise<ProcessRecord> {
  const dataDir = join(stateDir, 'etcd');
  mkdirSync(dataDir, { recursive: true });
  const peer = `http://127.0.0.1:${config.ports.etcdPeer}`;
  const record = startProcess(stateDir, ETCD, etcdBin, [
    '--name=testenv',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${etcdUrl(config)}`,
    `--advertise-client-urls=${etcdUrl(config)}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=testenv=${peer}`,
    // A throwaway test store: durability buys nothing here and fsync costs seconds on a busy disk.
    '--unsafe-no-fsync',
    '--log-level=warn',
  ]);
  await waitReady(
    record,
    async () => {
      const response = await fetch(`${etcdUrl(config)}/health`);
      const body = (await response.json()) as { health?: string };
      return body.health === 'true';
    },
    30_000,
  );
  return record;
}

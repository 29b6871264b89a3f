// The bench's side of the API server: creating and deleting ClusterRegistrations, watching deletions, and the API
// server's own request counters. Every request the bench makes is counted, so the operator's share is exact.
import { execFile } from 'node:child_process';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from '../../src/api/constants.js';
import { KubeClient } from '../../src/runtime/kube/client.js';

const COLLECTION = `/apis/${GROUP}/${VERSION}/${PLURAL}`;

export interface RegistrationObject {
  metadata: { name: string; resourceVersion?: string; deletionTimestamp?: string; finalizers?: string[] };
  status?: { conditions?: { type: string; status: string }[] };
}

export class BenchKube {
  readonly client: KubeClient;
  /** Resource requests this process made, by "VERB resource", to subtract from the API server's counters. */
  readonly ownRequests = new Map<string, number>();

  constructor(
    private readonly kubeconfig: string,
    private readonly kubectl: string,
  ) {
    this.client = KubeClient.fromFile(kubeconfig);
  }

  /** A copy of the bench's own counts, to subtract the requests made between two scrapes. */
  ownSnapshot(): Map<string, number> {
    return new Map(this.ownRequests);
  }

  private count(verb: string, resource: string): void {
    const key = `${verb} ${resource}`;
    this.ownRequests.set(key, (this.ownRequests.get(key) ?? 0) + 1);
  }

  async createRegistration(name: string, brokers: string, heartbeatInterval: string): Promise<void> {
    this.count('POST', PLURAL);
    await this.client.request({
      method: 'POST',
      path: COLLECTION,
      body: {
        apiVersion: API_VERSION,
        kind: KIND,
        metadata: { name, labels: { 'bench.kgroot.io/run': 'bench' } },
        spec: { clientId: name, kafka: { brokers: [brokers] }, heartbeat: { interval: heartbeatInterval } },
      },
    });
  }

  async deleteRegistration(name: string): Promise<void> {
    this.count('DELETE', PLURAL);
    await this.client.request({ method: 'DELETE', path: `${COLLECTION}/${name}` });
  }

  /**
   * Deletes the named objects, `concurrency` requests in flight (the finalizer keeps each until the operator has
   * sent its tombstone). One delete-collection request would do, but for thousands of objects it outlasts the API
   * server's 60 s request timeout.
   */
  async deleteRegistrations(names: readonly string[], concurrency = 32): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < names.length) {
        const name = names[next++] ?? '';
        try {
          await this.deleteRegistration(name);
        } catch (error) {
          if (!String(error).includes('404')) throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, names.length) }, worker));
  }

  /** Deletes every ClusterRegistration there is. */
  async deleteAllRegistrations(): Promise<void> {
    const { items } = await this.listRegistrations();
    await this.deleteRegistrations(items.map((o) => o.metadata.name));
  }

  async listRegistrations(): Promise<{ items: RegistrationObject[]; resourceVersion: string }> {
    this.count('LIST', PLURAL);
    const list = await this.client.request<{
      items: RegistrationObject[];
      metadata: { resourceVersion: string };
    }>({
      path: COLLECTION,
      timeoutMs: 120_000,
    });
    return { items: list.items, resourceVersion: list.metadata.resourceVersion };
  }

  /** Polls (once a second, bounded) until `done` holds for the list. Each poll is one counted LIST. */
  async waitList(done: (items: RegistrationObject[]) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (done((await this.listRegistrations()).items)) return true;
      await new Promise((r) => setTimeout(r, 1000));
    }
    return false;
  }

  /** Calls `onEvent` for each watch event on ClusterRegistrations from `resourceVersion` until aborted. */
  async watchRegistrations(
    resourceVersion: string,
    signal: AbortSignal,
    onEvent: (type: string, object: RegistrationObject, at: number) => void,
  ): Promise<void> {
    this.count('WATCH', PLURAL);
    const response: Readable = await this.client.stream({
      path: COLLECTION,
      query: { watch: true, resourceVersion, allowWatchBookmarks: false },
      signal,
      connectTimeoutMs: 10_000,
    });
    let buffer = '';
    response.on('data', (chunk: Buffer) => {
      const at = performance.now();
      buffer += chunk.toString('utf8');
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.trim() !== '') {
          const event = JSON.parse(line) as { type: string; object: RegistrationObject };
          onEvent(event.type, event.object, at);
        }
        newline = buffer.indexOf('\n');
      }
    });
    response.on('error', () => undefined);
  }

  async ensureNamespace(name: string): Promise<void> {
    try {
      await this.client.request({
        method: 'POST',
        path: '/api/v1/namespaces',
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
      });
    } catch (error) {
      if (!String(error).includes('409')) throw error;
    }
  }

  /** Whether a lease in the namespace has a holder; undefined while it does not exist. */
  async leaseHolder(namespace: string, name: string): Promise<string | undefined> {
    try {
      const lease = await this.client.request<{ spec?: { holderIdentity?: string } }>({
        path: `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${name}`,
        timeoutMs: 5_000,
      });
      const holder = lease.spec?.holderIdentity;
      return holder === undefined || holder === '' ? undefined : holder;
    } catch {
      return undefined;
    }
  }

  /** The API server's request counters (apiserver_request_total), summed by "VERB resource". */
  async requestCounters(): Promise<Map<string, number>> {
    const { stdout } = await promisify(execFile)(
      this.kubectl,
      ['--kubeconfig', this.kubeconfig, 'get', '--raw', '/metrics'],
      {
        maxBuffer: 256 * 1024 * 1024,
      },
    );
    return parseRequestCounters(stdout);
  }
}

const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY']);

/**
 * Writes the environment makes by itself whatever runs: the node's kubelet patches its status every 10 s (when the
 * environment has a node), and neither operator writes nodes. Counted, one more of them in one operator's window
 * read as a write of its own.
 */
const ENVIRONMENT_WRITES = new Set(['nodes/status']);

/** Writes (create, update, patch, delete) among `verb resource` counters, the environment's own left out. */
export function writeCount(counters: Iterable<[string, number]>): number {
  let writes = 0;
  for (const [key, value] of counters) {
    const [verb = '', resource = ''] = key.split(' ');
    if (WRITE_VERBS.has(verb) && !ENVIRONMENT_WRITES.has(resource)) writes += value;
  }
  return writes;
}

/** Sums `apiserver_request_total` samples by verb and resource. */
export function parseRequestCounters(metrics: string): Map<string, number> {
  const counters = new Map<string, number>();
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = line.slice(line.indexOf('{') + 1, line.lastIndexOf('}'));
    const value = Number(line.slice(line.lastIndexOf('}') + 1).trim());
    const label = (name: string): string => new RegExp(`(?:^|,)${name}="([^"]*)"`).exec(labels)?.[1] ?? '';
    const resource = label('resource');
    // Requests without a resource (/metrics, /healthz) are nobody's work here; leases are the API server renewing
    // its own identity lease every 10 s (the operator runs with leader election off while requests are counted).
    if (resource === '' || resource === 'leases') continue;
    const subresource = label('subresource');
    const key = `${label('verb')} ${resource}${subresource === '' ? '' : `/${subresource}`}`;
    counters.set(key, (counters.get(key) ?? 0) + value);
  }
  return counters;
}

/** (after - before) less the bench's own requests between the two (ownAfter - ownBefore), per key. */
export function requestDelta(
  before: Map<string, number>,
  after: Map<string, number>,
  ownBefore: Map<string, number>,
  ownAfter: Map<string, number>,
): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [key, value] of after) {
    const own = (ownAfter.get(key) ?? 0) - (ownBefore.get(key) ?? 0);
    const d = value - (before.get(key) ?? 0) - own;
    if (d > 0) delta[key] = d;
  }
  return delta;
}

// What the registration record says about the cluster itself: its identity (the kube-system namespace's UID), its
// Kubernetes version, its node count and region. Shared by every object and cached, so that a thousand
// registrations cost one read of each, not a thousand.
import { CLUSTER_ID_NAMESPACE, REGION_NODE_LABEL } from '../api/index.js';
import { listPages, withDeadline, type KubeClient } from '../runtime/index.js';

const READ_TIMEOUT_MS = 30_000;

export interface ClusterFacts {
  /** UID of the kube-system namespace: stable for the cluster's lifetime. */
  clusterUid: string;
  kubernetesVersion: string;
  nodeCount: number;
  /** The most common `topology.kubernetes.io/region` among the nodes; undefined when none has it. */
  region: string | undefined;
}

/** Where the facts come from; the API server in production. */
export interface ClusterFactsSource {
  read(signal: AbortSignal): Promise<ClusterFacts>;
}

interface Node {
  metadata?: { labels?: Record<string, string> };
}

export function apiClusterFacts(client: KubeClient): ClusterFactsSource {
  return {
    async read(signal) {
      const namespace = await client.request<{ metadata?: { uid?: string } }>({
        path: `/api/v1/namespaces/${CLUSTER_ID_NAMESPACE}`,
        signal,
      });
      const clusterUid = namespace.metadata?.uid;
      if (clusterUid === undefined) throw new Error(`namespace ${CLUSTER_ID_NAMESPACE} has no uid`);
      const version = await client.request<{ gitVersion?: string }>({ path: '/version', signal });
      let nodeCount = 0;
      const regions = new Map<string, number>();
      // Page by page, so that a large cluster's node list is never held in memory at once.
      for await (const page of listPages<Node>(client, { path: '/api/v1/nodes', signal })) {
        for (const node of page.items) {
          nodeCount += 1;
          const region = node.metadata?.labels?.[REGION_NODE_LABEL];
          if (region !== undefined && region !== '') regions.set(region, (regions.get(region) ?? 0) + 1);
        }
      }
      const region = [...regions].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
      return { clusterUid, kubernetesVersion: version.gitVersion ?? 'unknown', nodeCount, region };
    },
  };
}

/** One read at a time, reused for `maxAgeMs`: node count and region may change, but not by the second. */
export class CachedClusterFacts implements ClusterFactsSource {
  private cached: { facts: ClusterFacts; at: number } | undefined;
  private inFlight: Promise<ClusterFacts> | undefined;

  constructor(
    private readonly source: ClusterFactsSource,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  read(signal: AbortSignal): Promise<ClusterFacts> {
    if (this.cached !== undefined && this.now() - this.cached.at < this.maxAgeMs) {
      return Promise.resolve(this.cached.facts);
    }
    // The read is shared, so one caller's abort must not fail the others: it runs on its own deadline.
    this.inFlight ??= this.source
      .read(AbortSignal.timeout(READ_TIMEOUT_MS))
      .then((facts) => {
        this.cached = { facts, at: this.now() };
        return facts;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    const shared = this.inFlight;
    return withDeadline(() => shared, {
      timeoutMs: READ_TIMEOUT_MS,
      parent: signal,
      onTimeout: () => new Error(`reading the cluster's facts took over ${READ_TIMEOUT_MS} ms`),
    });
  }
}

// The operator as users run it: the chart's pod on the environment's node (hack/testenv/node), from the image
// built without Docker. How long from the pod's creation to Ready, and its memory working set as the kubelet
// reports it (what `kubectl top`, the memory limit and the OOM killer go by), idle and with N ClusterRegistrations.
import { join } from 'node:path';
import { importOperatorImage } from '../image/operator.js';
import { exec } from '../testenv/exec.js';
import { nodeChartValues } from '../testenv/node/chart-values.js';
import { repoRoot } from '../testenv/paths.js';
import { objectName, pool, sleep, type BenchContext } from './context.js';

export interface BenchNode {
  name: string;
  containerdAddress: string;
  /** The broker's plaintext listener as pods reach it. */
  podBrokers: string;
  /** `key=value:Effect`. */
  taint: string;
}

export interface PodResult {
  image: { reference: string; compressedBytes: number; unpackedBytes: number };
  /** The bench first saw the pod (polling every 100 ms) to its Ready condition True, ms. */
  podToReadyMs: number;
  /** `helm install` started to the pod Ready, ms (the Deployment, ReplicaSet and scheduling included). */
  installToReadyMs: number;
  idleWorkingSetBytes: number;
  count: number;
  /** First create to the last register record, ms. */
  allRegisteredMs: number;
  /** The highest working set the kubelet reported from the first create until 30 s after the last record. */
  peakWorkingSetBytes: number;
}

const RELEASE = 'bench-node';
const NAMESPACE = 'bench-node';

interface PodList {
  items: { status?: { conditions?: { type: string; status: string }[] } }[];
}

interface StatsSummary {
  pods?: { podRef: { namespace: string }; memory?: { workingSetBytes?: number } }[];
}

export async function benchPod(ctx: BenchContext, node: BenchNode): Promise<PodResult> {
  const image = await importOperatorImage(node.containerdAddress);
  const helm = (args: string[]) =>
    exec(join(ctx.kubectl, '..', 'helm'), ['--kubeconfig', ctx.kubeconfig, ...args], { cwd: repoRoot });
  const podsPath = `/api/v1/namespaces/${NAMESPACE}/pods?labelSelector=app.kubernetes.io%2Fcomponent%3Doperator`;
  const workingSet = async (): Promise<number | undefined> => {
    const summary = await ctx.kube.client.request<StatsSummary>({
      path: `/api/v1/nodes/${node.name}/proxy/stats/summary`,
      timeoutMs: 10_000,
    });
    return summary.pods?.find((p) => p.podRef.namespace === NAMESPACE)?.memory?.workingSetBytes;
  };
  const t0 = performance.now();
  const installing = helm([
    'install',
    RELEASE,
    join(repoRoot, 'charts', 'cluster-registry-operator'),
    '-n',
    NAMESPACE,
    '--create-namespace',
    ...[...nodeChartValues(image.reference, node.taint), 'operator.logLevel=warn'].flatMap((value) => [
      '--set',
      value,
    ]),
  ]);
  try {
    let seen: number | undefined;
    let ready: number | undefined;
    while (ready === undefined) {
      if (performance.now() - t0 > 300_000) throw new Error('the operator pod was not Ready within 300 s');
      const pods = await ctx.kube.client.request<PodList>({ path: podsPath, timeoutMs: 10_000 });
      const pod = pods.items[0];
      if (pod !== undefined) seen ??= performance.now();
      if (pod?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
        ready = performance.now();
      else await sleep(100);
    }
    const installed = await installing;
    if (installed.code !== 0) throw new Error(`helm install: ${installed.stderr}`);
    // The kubelet's stats come from its periodic housekeeping: the idle figure waits for a fresh one.
    await sleep(20_000);
    const idle = (await workingSet()) ?? 0;
    const count = ctx.quick ? 100 : 1000;
    const names = Array.from({ length: count }, (_, i) => objectName('bench-pod', i));
    let peak = idle;
    const sampling = new AbortController();
    const sampler = (async () => {
      while (!sampling.signal.aborted) {
        peak = Math.max(peak, (await workingSet()) ?? 0);
        await sleep(2_000);
      }
    })();
    const c0 = performance.now();
    await pool(names, 32, (name) => ctx.kube.createRegistration(name, node.podBrokers, '30s'));
    const arrivals = await ctx.watch.waitAll(names, 'register', c0, 60_000 + count * 40);
    const allRegisteredMs = Math.max(...arrivals.values(), c0) - c0;
    await sleep(30_000);
    sampling.abort();
    await sampler;
    const d0 = performance.now();
    await ctx.kube.deleteRegistrations(names);
    await ctx.watch.waitAll(names, 'tombstone', d0, 60_000 + count * 40);
    await ctx.kube.waitList((items) => items.length === 0, 120_000);
    const result: PodResult = {
      image: {
        reference: image.reference,
        compressedBytes: image.layers.reduce((sum, layer) => sum + layer.compressedBytes, 0),
        unpackedBytes: image.unpackedBytes,
      },
      podToReadyMs: ready - (seen ?? ready),
      installToReadyMs: ready - t0,
      idleWorkingSetBytes: idle,
      count,
      allRegisteredMs,
      peakWorkingSetBytes: peak,
    };
    ctx.log(
      `pod: Ready ${result.podToReadyMs.toFixed(0)} ms after it appeared; working set idle ` +
        `${(idle / 2 ** 20).toFixed(1)} MiB, peak ${(peak / 2 ** 20).toFixed(1)} MiB with ${String(count)}`,
    );
    return result;
  } finally {
    await installing;
    await helm(['uninstall', RELEASE, '-n', NAMESPACE, '--wait', '--timeout=180s']);
    await exec(ctx.kubectl, [
      '--kubeconfig',
      ctx.kubeconfig,
      'delete',
      'namespace',
      NAMESPACE,
      '--wait=false',
    ]);
  }
}

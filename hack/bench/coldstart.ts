// Cold start: a new operator process with leader election on, timed from spawn to the lease held, to /readyz, and
// to the first registration record in the topic (for an object that exists before the process starts).
import { randomBytes } from 'node:crypto';
import { exec } from '../testenv/exec.js';
import { repoRoot } from '../testenv/paths.js';
import { objectName, requireNodeOperator, sleep, type BenchContext } from './context.js';
import { measure } from './exec.js';
import { OperatorProcess } from './operator.js';
import { summarize, type Summary } from './stats.js';

export interface ColdStartRun {
  leaderMs?: number;
  readyMs: number;
  firstRecordMs: number;
  shutdownMs: number;
}

export interface ColdStartResult {
  operator: string;
  runs: ColdStartRun[];
  leader?: Summary;
  ready: Summary;
  firstRecord: Summary;
  shutdown: Summary;
  /** `--version`: the process start and the module graph's load, then exit. */
  versionMs: Summary;
  /** Peak RSS (GNU time) of a bare `node -e` that waits 200 ms, and of the operator's `--version`. */
  nodeBareRssBytes?: number;
  versionRssBytes?: number;
}

export async function benchColdStart(
  ctx: BenchContext,
  nodeArgs: string[] = [],
  runsOverride?: number,
): Promise<ColdStartResult> {
  const build = requireNodeOperator(ctx);
  const runsCount = runsOverride ?? (ctx.quick ? 2 : 7);
  const versionMs: number[] = [];
  for (let i = 0; i < runsCount; i++) {
    const t0 = performance.now();
    await exec(process.execPath, [...build.entry, '--version'], { cwd: repoRoot });
    versionMs.push(performance.now() - t0);
  }
  const runs: ColdStartRun[] = [];
  for (let i = 0; i < runsCount; i++) {
    const name = objectName('bench-cold', i);
    // Created while no operator runs: the first thing the new process has to do is register it.
    await ctx.kube.createRegistration(name, ctx.brokers, '30s');
    const leaseName = `bench-cold-${randomBytes(4).toString('hex')}`;
    const operator = await OperatorProcess.start(build, {
      kubeconfig: ctx.kubeconfig,
      namespace: ctx.namespace,
      leaderElectionId: leaseName,
      nodeArgs,
    });
    const t0 = operator.startedAt;
    try {
      let leaderAt: number | undefined;
      const leaderPoll = (async () => {
        const deadline = t0 + 30_000;
        while (leaderAt === undefined && performance.now() < deadline) {
          const asked = performance.now();
          if ((await ctx.kube.leaseHolder(ctx.namespace, leaseName)) !== undefined) leaderAt = asked;
          else await sleep(5);
        }
      })();
      const [readyAt, recordAt] = await Promise.all([
        operator.waitReady(30_000),
        ctx.watch.waitFor(name, 'register', t0, 30_000),
        leaderPoll,
      ]);
      const t2 = performance.now();
      await ctx.kube.deleteRegistration(name);
      await ctx.watch.waitFor(name, 'tombstone', t2, 30_000);
      await ctx.kube.waitList((items) => !items.some((o) => o.metadata.name === name), 30_000);
      const t3 = performance.now();
      await operator.stop();
      runs.push({
        ...(leaderAt !== undefined ? { leaderMs: leaderAt - t0 } : {}),
        readyMs: readyAt - t0,
        firstRecordMs: recordAt - t0,
        shutdownMs: performance.now() - t3,
      });
    } finally {
      await operator.stop();
    }
  }
  const leader = runs.flatMap((r) => (r.leaderMs === undefined ? [] : [r.leaderMs]));
  const result: ColdStartResult = {
    operator: build.label,
    runs,
    ready: summarize(runs.map((r) => r.readyMs)),
    firstRecord: summarize(runs.map((r) => r.firstRecordMs)),
    shutdown: summarize(runs.map((r) => r.shutdownMs)),
    versionMs: summarize(versionMs),
  };
  if (leader.length > 0) result.leader = summarize(leader);
  // What memory Node itself and loading the operator's code account for, before any work.
  const bare = await measure(process.execPath, ['-e', 'setTimeout(() => {}, 200)'], '', 30_000);
  const loaded = await measure(process.execPath, [...build.entry, '--version'], '', 30_000);
  if (bare.maxRssBytes !== undefined) result.nodeBareRssBytes = bare.maxRssBytes;
  if (loaded.maxRssBytes !== undefined) result.versionRssBytes = loaded.maxRssBytes;
  ctx.log(
    `coldstart: first record p50 ${result.firstRecord.p50.toFixed(0)} ms, leader p50 ${result.leader?.p50.toFixed(0) ?? '?'} ms`,
  );
  return result;
}

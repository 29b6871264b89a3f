// `npm run bench [-- --quick] [sections...]`: brings up its own environment, runs the benchmark sections against it,
// writes results.json, the plots and docs/benchmarks.md, and always tears the environment down.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { CRD_NAME } from '../../src/api/constants.js';
import { CRD_FILE } from '../../src/api/crd.js';
import { Environment, inFreshState, readEnvFile, type EnvVars } from '../testenv/environment.js';
import { ETCD } from '../testenv/etcd.js';
import { KAFKA } from '../testenv/kafka.js';
import { KUBE_APISERVER } from '../testenv/kube.js';
import { exec } from '../testenv/exec.js';
import { readRecord } from '../testenv/processes.js';
import { defaultStateDir, repoRoot } from '../testenv/paths.js';
import { kafkaReleases, kafkaVersion } from '../testenv/versions.js';
import { waitForCondition } from '../testenv/wait-condition.js';
import { benchApiClient } from './apiclient.js';
import { benchColdStart } from './coldstart.js';
import { formatFiles } from './format.js';
import { requireNodeOperator, type BenchContext } from './context.js';
import { BenchKube } from './kube.js';
import { benchLatency } from './latency.js';
import { machine } from './machine.js';
import { benchOldWay } from './oldway.js';
import { benchPod, type BenchNode } from './pod.js';
import { prepareOperator } from './operator.js';
import { profiledPhase, profilePhase, type ProfiledPhase } from './profile.js';
import { RecordWatch } from './records.js';
import { writeReport } from './report.js';
import { judgeTargets, SECTIONS, type Results, type Section } from './results.js';
import { benchScale } from './scale.js';
import { benchSize } from './size.js';
import { preparePeer } from './peer.js';
import { benchSteady } from './steady.js';
import { summarizeSections, type SampledSections } from './summary.js';
import { benchVersus, judgeVersus } from './versus.js';

interface Args {
  quick: boolean;
  sections: Section[];
  /** An env file of a running environment to use instead of starting one (development). */
  useEnv?: string;
  profile: boolean;
  /** Profile every phase whose section ran, missed or not. */
  profileAll: boolean;
  /** Only rewrite the report (and the plots whose samples the run's folder holds) from results.json: nothing measured. */
  reportOnly: boolean;
  /** Only take this phase's profile: no section measured. */
  profileOnly?: ProfiledPhase;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, sections: [], profile: true, profileAll: false, reportOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--quick') args.quick = true;
    else if (arg === '--no-profile') args.profile = false;
    else if (arg === '--profile-all') args.profileAll = true;
    else if (arg === '--report-only') args.reportOnly = true;
    else if (arg === '--use-env') args.useEnv = argv[++i];
    else if (arg === '--profile-only') args.profileOnly = profiledPhase(argv[++i]);
    else if ((SECTIONS as readonly string[]).includes(arg)) args.sections.push(arg as Section);
    else
      throw new Error(
        `unknown argument ${arg}: use --quick, --no-profile, --profile-all, --profile-only PHASE, --report-only, --use-env FILE, or sections ${SECTIONS.join(' ')}`,
      );
  }
  if (args.sections.length === 0 && args.profileOnly === undefined) args.sections = [...SECTIONS];
  return args;
}

const log = (line: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

function required(vars: EnvVars, name: string): string {
  const value = vars[name];
  if (value === undefined || value === '') throw new Error(`${name} is missing from the environment`);
  return value;
}

async function installCrd(kubectl: string, kubeconfig: string): Promise<void> {
  const crd = join(repoRoot, CRD_FILE);
  const run = (args: string[]) => exec(kubectl, ['--kubeconfig', kubeconfig, ...args]);
  const applied = await run(['apply', '--server-side', '-f', crd]);
  if (applied.code !== 0) throw new Error(`kubectl apply: ${applied.stderr}`);
  const established = await waitForCondition(run, `crd/${CRD_NAME}`, 'Established');
  if (established.code !== 0) throw new Error(`kubectl wait: ${established.stderr}`);
}

/** The section whose figures a phase's profile explains. */
function sectionOf(phase: ProfiledPhase): Section {
  if (phase === 'scale-1000') return 'scale';
  // The idle RSS is judged in the race only.
  if (phase === 'idle') return 'versus';
  return phase;
}

/** Phases to profile for the targets missed by sections that ran now. */
function phasesToProfile(results: Results, ran: Section[], all: boolean): ProfiledPhase[] {
  const phases = new Set<ProfiledPhase>();
  for (const target of judgeTargets(results)) {
    if (target.met !== false && !all) continue;
    const section = sectionOf(target.profile);
    if (ran.includes(section) || (target.id === 'rss-1000' && ran.includes('steady')))
      phases.add(target.profile);
  }
  if (results.versus !== undefined && ran.includes('versus')) {
    for (const row of judgeVersus(results.versus))
      if (row.profile !== undefined && (row.met === false || all)) phases.add(row.profile);
  }
  return [...phases];
}

/** The raw samples of a run, in its folder outside the repository: what results.json summarises. */
interface SamplesFile {
  /** When each section in it ran, to match it with results.json's. */
  ranAt: Partial<Record<Section, string>>;
  sections: SampledSections;
}

/** The samples of the sections whose results in results.json are from the same run; none when there are none. */
function readSamples(file: string, results: Results): SampledSections {
  if (!existsSync(file)) return {};
  const { ranAt, sections } = JSON.parse(readFileSync(file, 'utf8')) as SamplesFile;
  const same: SampledSections = {};
  for (const key of Object.keys(sections) as (keyof SampledSections)[]) {
    if (ranAt[key] !== undefined && ranAt[key] === results.ranAt[key])
      Object.assign(same, { [key]: sections[key] });
  }
  return same;
}

async function run(
  args: Args,
  vars: EnvVars,
  outDir: string,
  samplesFile: string,
  reportPath: { dir: string; name: string },
): Promise<void> {
  const kubeconfig = required(vars, 'KUBECONFIG');
  const kubectl = join(required(vars, 'TESTENV_BIN'), 'kubectl');
  const brokers = required(vars, 'KAFKA_BROKERS');
  const kafkaLibs = required(vars, 'KAFKA_LIBS');
  const workDir = join(outDir, '.work');
  mkdirSync(workDir, { recursive: true });
  mkdirSync(dirname(samplesFile), { recursive: true });
  const resultsFile = join(outDir, 'results.json');
  const previous: Partial<Results> =
    !args.quick && existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as Results) : {};
  const now = new Date().toISOString();
  const results: Results = {
    ...previous,
    generatedAt: now,
    quick: args.quick,
    machine: await machine(kafkaLibs),
    ranAt: { ...previous.ranAt },
    loadAt: { ...previous.loadAt },
    skipped: {},
    profiles: { ...previous.profiles },
  };
  // This run's sections as measured, raw samples included; results.json gets their summaries.
  const sections: SampledSections = {};
  const save = (): void => {
    Object.assign(results, summarizeSections(sections));
    writeFileSync(resultsFile, `${JSON.stringify(results, null, 1)}\n`);
    const samples: SamplesFile = { ranAt: results.ranAt, sections };
    writeFileSync(samplesFile, `${JSON.stringify(samples)}\n`);
  };

  await installCrd(kubectl, kubeconfig);
  const kube = new BenchKube(kubeconfig, kubectl);
  const namespace = 'bench-system';
  await kube.ensureNamespace(namespace);
  const watch = new RecordWatch(brokers);
  await watch.start();
  const ctx: BenchContext = {
    cleanup: () => cleanup(ctx),
    ...nodeOf(vars),
    serverPids: serverPids(required(vars, 'TESTENV_DIR')),
    quick: args.quick,
    kubeconfig,
    kubectl,
    brokers,
    kafkaLibs,
    namespace,
    kube,
    watch,
    workDir,
    log,
  };
  try {
    const needsOperator =
      args.profileOnly !== undefined ||
      args.sections.some((s) => s !== 'oldway' && s !== 'size' && s !== 'apiclient');
    if (needsOperator) {
      try {
        ctx.operator = await prepareOperator(log);
        log(`operator: ${ctx.operator.note}`);
      } catch (error) {
        log(`operator not usable: ${String(error)}`);
      }
    }
    for (const section of args.sections) {
      log(`section ${section}`);
      const startedAt = new Date().toISOString();
      (results.loadAt ??= {})[section] = loadavg()[0] ?? 0;
      try {
        switch (section) {
          case 'oldway':
            sections.oldway = await benchOldWay({
              kafkaLibs,
              tool: kafkaReleases[kafkaVersion(vars.TESTENV_KAFKA_VERSION)],
              brokers,
              workDir,
              runs: args.quick ? 5 : 20,
              watch,
              log,
            });
            break;
          case 'latency':
            sections.latency = await benchLatency(ctx);
            break;
          case 'scale':
            sections.scale = await benchScale(ctx);
            break;
          case 'steady':
            sections.steady = await benchSteady(ctx);
            break;
          case 'coldstart':
            sections.coldstart = await benchColdStart(ctx);
            break;
          case 'size':
            results.size = await benchSize(kafkaLibs);
            break;
          case 'apiclient':
            results.apiclient = await benchApiClient(
              kubeconfig,
              args.quick,
              ctx.serverPids['kube-apiserver'],
            );
            break;
          case 'pod':
            if (ctx.node === undefined) throw new Error('the environment has no node (TESTENV_NODE=0?)');
            results.pod = await benchPod(ctx, ctx.node);
            break;
          case 'versus':
            sections.versus = await benchVersus(ctx, requireNodeOperator(ctx), await preparePeer(log));
            break;
        }
        results.ranAt[section] = startedAt;
      } catch (error) {
        const reason =
          ctx.operator === undefined && section !== 'oldway' && section !== 'size' && section !== 'apiclient'
            ? 'pending: the operator does not start yet'
            : `failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 600);
        results.skipped[section] = reason;
        log(`section ${section} ${reason}`);
        // A half-finished section leaves objects behind; the next one starts from none.
        await cleanup(ctx);
      }
      save();
    }
    if (args.profile && ctx.operator !== undefined) {
      const phases =
        args.profileOnly === undefined
          ? phasesToProfile(results, args.sections, args.profileAll)
          : [args.profileOnly];
      for (const phase of phases) {
        log(`profiling ${phase}`);
        try {
          const profile = await profilePhase(ctx, phase);
          if (profile !== undefined) results.profiles[phase] = profile;
        } catch (error) {
          log(`profile ${phase} failed: ${String(error)}`);
          await cleanup(ctx);
        }
        save();
      }
    }
  } finally {
    await watch.stop();
  }
  save();
  const notes = args.quick
    ? ['Quick run: small counts; the targets are judged only where the sizes match.']
    : [];
  writeReport(results, sections, reportPath.dir, join(outDir), reportPath.name, notes);
  await formatFiles([resultsFile, join(reportPath.dir, reportPath.name)]);
  rmSync(workDir, { recursive: true, force: true });
  log(`wrote ${resultsFile}, ${samplesFile} and ${join(reportPath.dir, reportPath.name)}`);
}

/** The environment's node, from its variables, when it has one. */
function nodeOf(vars: EnvVars): { node?: BenchNode } {
  const [name, containerdAddress, podBrokers] = [
    vars.TESTENV_NODE_NAME,
    vars.TESTENV_CONTAINERD_ADDRESS,
    vars.KAFKA_POD_BROKERS,
  ];
  if (name === undefined || containerdAddress === undefined || podBrokers === undefined) return {};
  return { node: { name, containerdAddress, podBrokers, taint: vars.TESTENV_NODE_TAINT ?? '' } };
}

/** The environment's server processes that are running, by name, for the scale section's CPU figures. */
function serverPids(stateDir: string): Record<string, number> {
  const pids: Record<string, number> = {};
  for (const name of [KUBE_APISERVER, ETCD, KAFKA]) {
    const pid = readRecord(stateDir, name)?.pid;
    if (pid !== undefined) pids[name] = pid;
  }
  return pids;
}

/** Deletes leftover bench objects with a short-lived operator, so their finalizers go. */
async function cleanup(ctx: BenchContext): Promise<void> {
  try {
    const { items } = await ctx.kube.listRegistrations();
    if (items.length === 0 || ctx.operator === undefined) return;
    const { OperatorProcess } = await import('./operator.js');
    const operator = await OperatorProcess.start(ctx.operator, {
      kubeconfig: ctx.kubeconfig,
      namespace: ctx.namespace,
    });
    try {
      await operator.waitReady();
      await ctx.kube.deleteAllRegistrations();
      if (!(await ctx.kube.waitList((list) => list.length === 0, 300_000))) {
        throw new Error(
          'objects are still there after 300 s: the sections after this one would not start from none',
        );
      }
    } finally {
      await operator.stop();
    }
  } catch (error) {
    log(`cleanup: ${String(error)}`);
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const outDir = args.quick
    ? join(defaultStateDir(), 'bench-quick', 'benchmarks')
    : join(repoRoot, 'docs', 'benchmarks');
  const reportPath = args.quick
    ? { dir: join(defaultStateDir(), 'bench-quick'), name: 'benchmarks.md' }
    : { dir: join(repoRoot, 'docs'), name: 'benchmarks.md' };
  const stateDir = join(defaultStateDir(), 'bench');
  // The run's folder, outside the repository: the environment's own for a full run, the quick run's for a quick one.
  const samplesFile = join(args.quick ? join(defaultStateDir(), 'bench-quick') : stateDir, 'samples.json');
  mkdirSync(outDir, { recursive: true });
  if (args.reportOnly) {
    const results = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as Results;
    writeReport(results, readSamples(samplesFile, results), reportPath.dir, outDir, reportPath.name, []);
    await formatFiles([join(reportPath.dir, reportPath.name)]);
    log(`rewrote ${join(reportPath.dir, reportPath.name)} from ${join(outDir, 'results.json')}`);
    return 0;
  }
  if (args.useEnv !== undefined) {
    await run(args, readEnvFile(args.useEnv), outDir, samplesFile, reportPath);
    return 0;
  }
  return inFreshState(stateDir, async () => {
    log(`starting the environment in ${stateDir}`);
    // The node only when a section runs pods: it takes a minute to start and cores while it runs.
    const env = await Environment.up(stateDir, { node: args.sections.includes('pod') });
    await run(args, env.vars(), outDir, samplesFile, reportPath);
    return 0;
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);

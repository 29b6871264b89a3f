// docs/benchmarks.md and its plots, generated from results.json, so the report is always the last run's: measured
// facts only (tables, profile tops). What they mean is written by people, in the findings block, which a new
// report keeps as it was. The plots of raw samples are redrawn when the run's samples are at hand.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { STAGE_NAMES } from './latency.js';
import type { HeapSummary } from './heapsnapshot.js';
import type { PhaseProfile, ProfiledPhase } from './profile.js';
import type { Residency } from './smaps.js';
import { judgeTargets, type Results, type Target } from './results.js';
import { growth, total, type Summary } from './stats.js';
import type { SampledSections, ScalePointSummary, VersusSummary } from './summary.js';
import { barChart, cdfChart, lineChart } from './svg.js';
import { judgeVersus, type VersusRow } from './versus.js';

const MiB = 1024 * 1024;
const n1 = (v: number | undefined, digits = 1): string =>
  v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits);
const mib = (v: number | undefined): string => (v === undefined ? 'n/a' : `${(v / MiB).toFixed(1)} MiB`);
const bytes = (v: number | undefined): string =>
  v === undefined ? 'n/a' : v >= MiB ? `${(v / MiB).toFixed(1)} MiB` : `${(v / 1024).toFixed(0)} KiB`;
const int = (v: number): string => Math.round(v).toLocaleString('en-US');

function summaryRow(label: string, s: Summary | undefined, scale = 1, digits = 1): string {
  if (s === undefined) return `| ${label} | n/a | | | | | |`;
  const f = (v: number): string => n1(v * scale, digits);
  return `| ${label} | ${s.n} | ${f(s.p50)} | ${f(s.p95)} | ${f(s.p99)} | ${f(s.min)} | ${f(s.max)} |`;
}

const SUMMARY_HEADER = ['| what | n | p50 | p95 | p99 | min | max |', '|---|---:|---:|---:|---:|---:|---:|'];

class Report {
  readonly lines: string[] = [];
  constructor(
    private readonly docsDir: string,
    private readonly plotDir: string,
  ) {}

  add(...lines: string[]): void {
    this.lines.push(...lines);
  }

  /** Without `svg` (its samples are not at hand) the plot drawn last is kept, if there is one. */
  plot(name: string, svg: string | undefined, alt: string): void {
    const path = join(this.plotDir, name);
    if (svg !== undefined) writeFileSync(path, svg);
    if (existsSync(path)) this.add('', `![${alt}](${relative(this.docsDir, path)})`, '');
  }
}

function machineSection(r: Results, report: Report): void {
  const m = r.machine;
  report.add(
    '## Machine',
    '',
    '| | |',
    '|---|---|',
    `| CPU | ${m.cpuModel}, ${m.cores} cores (\`nproc\`) |`,
    `| memory | ${(m.memoryBytes / 1024 ** 3).toFixed(1)} GiB |`,
    `| kernel | ${m.kernel} |`,
    `| Node.js | ${m.node} |`,
    `| Java | ${m.java} |`,
    `| Kafka (broker and console producer jars) | ${m.kafka} |`,
    `| kcat | ${m.kcat} |`,
    `| commit | ${m.commit} |`,
    `| load average (1 min) at the start | ${n1(m.loadAverage, 2)} |`,
    `| run | ${r.generatedAt}${r.quick ? " (**quick run**: small counts, not the targets' sizes)" : ''} |`,
    '',
    'Everything ran on this one machine at once: etcd, kube-apiserver, the Kafka broker (one KRaft node), the operator ' +
      'and the bench itself share the two cores, so every figure includes that contention.',
    '',
  );
}

function targetsSection(targets: Target[], report: Report): void {
  report.add('## Targets', '', '| target | goal | measured | |', '|---|---|---|---|');
  for (const t of targets) {
    const verdict = t.met === undefined ? 'not measured' : t.met ? 'met' : '**missed**';
    report.add(`| ${t.what} | ${t.goal} | ${t.measured} | ${verdict} |`);
  }
  report.add('');
}

function oldwaySection(r: Results, report: Report): void {
  const o = r.oldway;
  if (o === undefined) return;
  report.add(
    '## The old way: one process per record',
    '',
    'What the hook Jobs and the heartbeat CronJob ran, without the image pull (which only adds to it): a fresh process ' +
      'per record, timed from spawn to exit (`whole process`) and from spawn to the record arriving at a consumer ' +
      '(`to record`). CPU time and peak RSS come from GNU time (`/usr/bin/time -f "%e %U %S %M"`). The message is the ' +
      "registration value the operator sends, keyed by client id, through the old Job's options " +
      '(`--property parse.key=true --property key.separator=::`); one unmeasured run first warms the page cache.',
    '',
    `- kafka-console-producer: \`java ... ConsoleProducer\` (the Kafka line's class: org.apache.kafka.tools from 4.0, kafka.tools before) with kafka-run-class.sh's JVM options and ` +
      "the console tools' 512 MiB heap.",
    `- kcat: \`kcat -P -b BROKER -t cluster.registry -K ::\`${o.kcat.skipped !== undefined ? ` (${o.kcat.skipped})` : ''}.`,
    '',
    '| tool | runs | whole process p50 (ms) | p95 | p99 | to record p50 (ms) | CPU p50 (ms) | peak RSS p50 |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const t of [o.consoleProducer, o.kcat]) {
    if (t.skipped !== undefined) {
      report.add(`| ${t.tool} | skipped | ${t.skipped} | | | | | |`);
      continue;
    }
    report.add(
      `| ${t.tool} | ${t.wallMs?.n ?? 0} | ${n1(t.wallMs?.p50, 0)} | ${n1(t.wallMs?.p95, 0)} | ${n1(t.wallMs?.p99, 0)} | ${n1(t.recordMs?.p50, 0)} | ${n1(t.cpuSeconds === undefined ? undefined : t.cpuSeconds.p50 * 1000, 0)} | ${mib(t.maxRssBytes?.p50)} |`,
    );
  }
  report.add('');
  const lat = r.latency;
  if (lat !== undefined) {
    const op = lat.registerSummary;
    const rows: [string, number | undefined][] = [
      ['kafka-console-producer', o.consoleProducer.wallMs?.p50],
      ['kcat -P', o.kcat.wallMs?.p50],
    ];
    report.add(
      '### The operator beside them',
      '',
      "Ratio of the old way's median whole-process time per record to the operator's registration latency (create " +
        'request to record in the topic), both from this run. Above 1, the operator is faster.',
      '',
      '| old way | its median (ms) | / operator p50 | / operator p99 |',
      '|---|---:|---:|---:|',
    );
    for (const [name, value] of rows) {
      report.add(
        value === undefined
          ? `| ${name} | skipped | | |`
          : `| ${name} | ${n1(value, 0)} | ${n1(value / op.p50, 1)}x | ${n1(value / op.p99, 1)}x |`,
      );
    }
    const scaled =
      r.scale?.points.find((p) => p.count === 1000) ?? r.scale?.points[r.scale.points.length - 1];
    const cpCpu = o.consoleProducer.cpuSeconds?.p50;
    const kcCpu = o.kcat.cpuSeconds?.p50;
    if (scaled !== undefined) {
      report.add(
        '',
        `CPU per record: the operator spent ${n1(scaled.cpuMsPerRegistration, 1)} ms per registration (scale run, ` +
          `N = ${int(scaled.count)}, everything it does for one: record, finalizer, status, event), the console producer ` +
          `${n1(cpCpu === undefined ? undefined : cpCpu * 1000, 0)} ms and kcat ${n1(kcCpu === undefined ? undefined : kcCpu * 1000, 0)} ms per run ` +
          '(GNU time counts in 10 ms ticks).',
      );
    }
    report.plot(
      'per-record.svg',
      barChart({
        title: 'Time per record (median)',
        unit: 'ms',
        logX: true,
        bars: [
          { label: 'operator: create to record', value: op.p50 },
          ...(o.kcat.wallMs !== undefined
            ? [{ label: 'kcat -P (whole process)', value: o.kcat.wallMs.p50 }]
            : []),
          ...(o.consoleProducer.wallMs !== undefined
            ? [{ label: 'console producer (whole process)', value: o.consoleProducer.wallMs.p50 }]
            : []),
        ],
      }),
      'Time per record: operator vs kcat vs console producer',
    );
  }
}

function latencySection(r: Results, samples: SampledSections, report: Report): void {
  const l = r.latency;
  if (l === undefined) return;
  report.add(
    '## Registration and deregistration latency (operator warm)',
    '',
    `${l.count} ClusterRegistrations, one at a time, after 10 unmeasured ones (operator: ${l.operator}, ` +
      '`--max-concurrent-reconciles 16`); each request waits until the operator has finished with the previous ' +
      'object (its status written, or the object gone), so no registration queues behind another. ' +
      'Registration: from sending the create request to the register record ' +
      'arriving at a kafkajs consumer with a 10 ms fetch wait (the broker answers a fetch as soon as a record is there). ' +
      'Deregistration: from sending the delete request to the tombstone arriving, and to the watch event saying the ' +
      'object is gone (the operator has removed its finalizer).',
    '',
    ...SUMMARY_HEADER,
    summaryRow('create to register record (ms)', l.registerSummary),
    summaryRow('delete to tombstone (ms)', l.tombstoneSummary),
    summaryRow('delete to object gone (ms)', l.goneSummary),
    '',
  );
  if (l.stageSummaries !== undefined) {
    const stages = l.stageSummaries;
    const row = (key: keyof typeof STAGE_NAMES): string => summaryRow(STAGE_NAMES[key], stages[key]);
    report.add(
      "Where a registration's time goes: each stage in ms from the create request, as the bench's own watch and " +
        'consumer see it.',
      '',
      ...SUMMARY_HEADER,
      row('created'),
      row('seen'),
      row('finalized'),
      summaryRow('register record in the topic', l.registerSummary),
      row('statusWritten'),
      '',
    );
  }
  const raw = samples.latency;
  report.plot(
    'latency-cdf.svg',
    raw === undefined
      ? undefined
      : cdfChart('Latency, operator warm', 'ms', [
          { name: 'create to record', values: raw.register },
          { name: 'delete to tombstone', values: raw.tombstone },
          { name: 'delete to gone', values: raw.gone },
        ]),
    'Latency CDFs',
  );
}

function scaleSection(r: Results, report: Report): void {
  const s = r.scale;
  if (s === undefined || s.points.length === 0) return;
  report.add(
    '## Scale: N created at once',
    '',
    `A freshly started operator (${s.operator}, 16 concurrent reconciles) for each N; the bench creates N objects ` +
      '(32 requests in flight) and waits for every register record, then every Ready condition (one LIST a second), ' +
      'then deletes them all (32 requests in flight) and waits for every tombstone and for the objects ' +
      "to be gone. API requests are the API server's own `apiserver_request_total`, before and after, less the " +
      "bench's own requests: the operator's requests, all resources, divided by N. CPU is the operator's " +
      'user+system time from the first create to the last record; RSS is its peak (VmHWM).',
    '',
    '| N | creates done (s) | all registered (s) | records/s | per-object p50 / p99 (s) | all Ready (s) | API requests per registration | CPU (s) | CPU per registration (ms) | peak RSS | all tombstoned (s) | all gone (s) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const p of s.points) {
    report.add(
      `| ${int(p.count)} | ${n1(p.createMs / 1000, 2)} | ${n1(p.allRegisteredMs / 1000, 2)}${p.registered < p.count ? ` (${p.registered} only)` : ''} | ${n1(p.recordsPerSecond, 0)} | ${n1(p.perObject.p50 / 1000, 2)} / ${n1(p.perObject.p99 / 1000, 2)} | ${p.allReadyMs === undefined ? `${p.ready} Ready` : n1(p.allReadyMs / 1000, 2)} | ${n1(p.apiRequestsPerRegistration, 2)} | ${n1(p.cpuSeconds, 2)} | ${n1(p.cpuMsPerRegistration, 2)} | ${mib(p.peakRssBytes)} | ${n1(p.allTombstonedMs / 1000, 2)} | ${p.allGoneMs === undefined ? 'n/a' : n1(p.allGoneMs / 1000, 2)} |`,
    );
  }
  for (const f of s.failed ?? []) report.add('', `N = ${int(f.count)} failed: ${f.error}`);
  const withCpu = s.points.filter((p) => p.cpuByProcess !== undefined && p.count >= 100);
  if (withCpu.length > 0) {
    const names = [...new Set(withCpu.flatMap((p) => Object.keys(p.cpuByProcess ?? {})))];
    const cores = r.machine.cores;
    report.add(
      '',
      `Where the machine's CPU went from the first create to the last register record (CPU seconds per process; ` +
        `${cores} cores offer ${cores} CPU seconds per second):`,
      '',
      `| N | ${names.join(' | ')} | all | offered |`,
      `|---:|${names.map(() => '---:|').join('')}---:|---:|`,
    );
    for (const p of withCpu) {
      const cpu = p.cpuByProcess ?? {};
      report.add(
        `| ${int(p.count)} | ${names.map((name) => n1(cpu[name], 1)).join(' | ')} | ${n1(total(cpu), 1)} | ${n1((p.allRegisteredMs / 1000) * cores, 1)} |`,
      );
    }
  }
  const big = s.points.filter((p) => p.count >= 50);
  const g = (pick: (p: ScalePointSummary) => number): string => {
    const { exponent, words } = growth(big.map((p) => [p.count, pick(p)] as const));
    return `${words} (exponent ${n1(exponent, 2)})`;
  };
  const largest = s.points[s.points.length - 1];
  const first = s.points[0];
  report.add(
    '',
    `How each grows with N, from ${int(big[0]?.count ?? 0)} to ${int(big[big.length - 1]?.count ?? 0)} (the exponent ` +
      'of a power law through the end points; 1 is linear):',
    '',
    `- time until all registered: ${g((p) => p.allRegisteredMs)}`,
    `- CPU: ${g((p) => p.cpuSeconds)}`,
    `- peak RSS: ${g((p) => p.peakRssBytes)}: a large fixed base (the operator with one object) plus ` +
      (largest !== undefined && first !== undefined && largest.count > first.count
        ? `${n1((largest.peakRssBytes - first.peakRssBytes) / 1024 / (largest.count - first.count), 0)} KiB per further object`
        : 'an unmeasured share per object'),
    `- API requests: ${g((p) => p.apiRequestsPerRegistration * p.count)}`,
    '',
  );
  if (largest !== undefined) {
    report.add(
      `API requests by the operator at N = ${int(largest.count)}, by verb and resource: ` +
        Object.entries(largest.apiRequests)
          .sort((a, b) => b[1] - a[1])
          .map(([k, v]) => `\`${k}\` ${int(v)}`)
          .join(', ') +
        '.',
      '',
    );
  }
  const xs = s.points.map((p) => p.count);
  report.plot(
    'scale-time.svg',
    lineChart({
      title: 'Time until all are registered / deregistered',
      xLabel: 'ClusterRegistrations created at once',
      yLabel: 'seconds',
      logX: true,
      series: [
        { name: 'all registered', points: s.points.map((p) => [p.count, p.allRegisteredMs / 1000]) },
        { name: 'all tombstoned', points: s.points.map((p) => [p.count, p.allTombstonedMs / 1000]) },
        { name: 'creates done', points: s.points.map((p) => [p.count, p.createMs / 1000]) },
      ],
      ...(xs.includes(1000) ? { target: { y: 10, label: 'target: 1,000 in 10 s' } } : {}),
    }),
    'Scale: time until all registered',
  );
  report.plot(
    'scale-resources.svg',
    lineChart({
      title: 'Operator peak RSS and CPU by N',
      xLabel: 'ClusterRegistrations',
      yLabel: 'MiB / CPU seconds',
      logX: true,
      series: [
        { name: 'peak RSS (MiB)', points: s.points.map((p) => [p.count, p.peakRssBytes / MiB]) },
        { name: 'CPU (s)', points: s.points.map((p) => [p.count, p.cpuSeconds]) },
      ],
      target: { y: 100, label: 'RSS target 100 MiB' },
    }),
    'Scale: RSS and CPU',
  );
}

function steadySection(r: Results, samples: SampledSections, report: Report): void {
  const st = r.steady;
  if (st === undefined) return;
  const cp = r.oldway?.consoleProducer;
  const cpCpu = cp?.cpuSeconds?.p50;
  const cpRss = cp?.maxRssBytes?.p50;
  const cpWall = cp?.wallMs?.p50;
  const cronCpuPerMinute = cpCpu === undefined ? undefined : cpCpu * st.count;
  // Pods alive at once on average: each runs for its whole-process time, one per cluster per minute.
  const cronConcurrent = cpWall === undefined ? undefined : (st.count * cpWall) / 60_000;
  report.add(
    '## Steady state',
    '',
    `${int(st.count)} ClusterRegistrations heart-beating every ${st.intervalSeconds} s, measured over ` +
      `${st.windowSeconds} s after the first round settled (operator: ${st.operator}). The old CronJob's cost is ` +
      "computed from this run's console producer measurements: one pod and one JVM per cluster per minute, each " +
      'costing the median CPU time and peak RSS of one run (the pod, image pull and kubelet work are left out, so ' +
      'this is its least cost).',
    '',
    '| | operator | old CronJob (console producer) |',
    '|---|---:|---:|',
    `| heartbeats sent | ${int(st.heartbeats)} of ${int(st.expectedHeartbeats)} expected (every ${st.intervalSeconds} s) | ${int((st.count * st.windowSeconds) / 60)} (every 60 s) |`,
    `| CPU seconds per minute | ${n1(st.cpuSecondsPerMinute, 2)} (${n1(st.cpuPercentOfCore, 1)}% of one core) | ${n1(cronCpuPerMinute, 0)} (${n1(cronCpuPerMinute === undefined ? undefined : (cronCpuPerMinute / 60) * 100, 0)}% of one core) |`,
    `| CPU per heartbeat | ${n1((st.cpuSeconds * 1000) / Math.max(st.heartbeats, 1), 2)} ms | ${n1(cpCpu === undefined ? undefined : cpCpu * 1000, 0)} ms |`,
    `| memory | RSS p50 ${mib(st.rss.p50)}, max ${mib(st.rss.max)} (one process) | ${mib(cpRss)} per pod, about ${n1(cronConcurrent, 1)} pods at once: ${mib(cpRss === undefined || cronConcurrent === undefined ? undefined : cpRss * cronConcurrent)} |`,
    `| API requests per minute | ${n1(st.apiRequestsPerMinute, 0)} | not measured (a Job and a pod per cluster per minute) |`,
    '',
  );
  if (cronCpuPerMinute !== undefined) {
    report.add(
      `The operator spends ${n1(cronCpuPerMinute / st.cpuSecondsPerMinute, 0)}x less CPU than the CronJob would, ` +
        'while sending twice as many heartbeats.',
      '',
    );
  }
  const perSecondCron = cronCpuPerMinute === undefined ? undefined : cronCpuPerMinute / 60;
  const series = samples.steady?.samples;
  report.plot(
    'steady-cpu.svg',
    series === undefined
      ? undefined
      : lineChart({
          title: `Cumulative CPU, ${int(st.count)} clusters`,
          xLabel: 'seconds into the window',
          yLabel: 'CPU seconds',
          logY: true,
          series: [
            {
              name: 'operator',
              points: series.filter((s) => s.t > 0).map((s) => [s.t, Math.max(s.cpuSeconds, 0.01)]),
            },
            ...(perSecondCron === undefined
              ? []
              : [
                  {
                    name: 'old CronJob (computed)',
                    points: series.filter((s) => s.t > 0).map((s) => [s.t, s.t * perSecondCron] as const),
                  },
                ]),
          ],
        }),
    'Steady state cumulative CPU',
  );
  report.plot(
    'steady-rss.svg',
    series === undefined
      ? undefined
      : lineChart({
          title: `Operator RSS, ${int(st.count)} clusters heart-beating`,
          xLabel: 'seconds into the window',
          yLabel: 'MiB',
          series: [{ name: 'RSS', points: series.map((s) => [s.t, s.rssBytes / MiB]) }],
          target: { y: 100, label: 'target 100 MiB' },
        }),
    'Steady state RSS',
  );
}

function coldstartSection(r: Results, report: Report): void {
  const c = r.coldstart;
  if (c === undefined) return;
  const cp = r.oldway?.consoleProducer.recordMs;
  const kc = r.oldway?.kcat.recordMs;
  report.add(
    '## Cold start',
    '',
    `A new operator process (${c.operator}) with leader election on (a new lease each run), one ClusterRegistration ` +
      'created before it starts. Timed from spawn to: the lease naming a holder (polled every 5 ms), `/readyz` ' +
      'answering 200, and the register record arriving at the consumer. `--version` is the process start and module ' +
      'load alone. Beside it, the old way from spawn to its record.',
    '',
    ...SUMMARY_HEADER,
    summaryRow('operator `--version` (ms)', c.versionMs, 1, 0),
    summaryRow('operator: spawn to leader (ms)', c.leader, 1, 0),
    summaryRow('operator: spawn to ready (ms)', c.ready, 1, 0),
    summaryRow('operator: spawn to first record (ms)', c.firstRecord, 1, 0),
    summaryRow('operator: SIGTERM to exit (ms)', c.shutdown, 1, 0),
    summaryRow('console producer: spawn to record (ms)', cp, 1, 0),
    summaryRow('kcat: spawn to record (ms)', kc, 1, 0),
    '',
  );
  report.plot(
    'coldstart.svg',
    barChart({
      title: 'Cold start, medians',
      unit: 'ms',
      bars: [
        ...(c.leader !== undefined ? [{ label: 'operator: leader', value: c.leader.p50 }] : []),
        { label: 'operator: first record', value: c.firstRecord.p50 },
        ...(cp !== undefined ? [{ label: 'console producer: record', value: cp.p50 }] : []),
        ...(kc !== undefined ? [{ label: 'kcat: record', value: kc.p50 }] : []),
      ],
    }),
    'Cold start',
  );
}

function sizeSection(r: Results, report: Report): void {
  const s = r.size;
  if (s === undefined) return;
  report.add(
    '## Size',
    '',
    '| what | bytes |',
    '|---|---:|',
    `| operator bundle (\`dist/bundle/cluster-registry-operator.mjs\`) | ${s.bundleBytes === undefined ? 'not built' : `${bytes(s.bundleBytes)} (${bytes(s.bundleGzipBytes)} gzipped)`} |`,
    `| the node_modules it replaces: runtime dependencies (${s.productionPackages} packages, \`npm ls --omit=dev\`) | ${bytes(s.productionNodeModulesBytes)} |`,
    `| all of node_modules (with dev tools) | ${bytes(s.allNodeModulesBytes)} |`,
    `| node binary (the runtime either way) | ${bytes(s.nodeBinaryBytes)} |`,
    `| old way: Java runtime (\`java.home\`) | ${bytes(s.jreBytes)} |`,
    `| old way: Kafka jars (the broker's libs dir, which holds the console producer) | ${bytes(s.kafkaLibsBytes)} |`,
    `| old way: kcat and its shared libraries | ${bytes(s.kcatBytes)} |`,
    '',
    "The old chart's image was `confluentinc/cp-kafka:7.5.0` (500-700 MB), later a 50-80 MB minimal one.",
    '',
  );
  report.plot(
    'size.svg',
    barChart({
      title: 'What ships',
      unit: 'MiB',
      bars: [
        ...(s.bundleBytes !== undefined ? [{ label: 'operator bundle', value: s.bundleBytes / MiB }] : []),
        { label: 'runtime node_modules', value: s.productionNodeModulesBytes / MiB },
        ...(s.jreBytes !== undefined
          ? [{ label: 'JRE + Kafka jars', value: (s.jreBytes + s.kafkaLibsBytes) / MiB }]
          : []),
        ...(s.kcatBytes !== undefined ? [{ label: 'kcat + libraries', value: s.kcatBytes / MiB }] : []),
      ],
    }),
    'Sizes',
  );
}

function apiClientSection(r: Results, report: Report): void {
  const a = r.apiclient;
  if (a === undefined) return;
  report.add(
    "## API client: the operator's client over HTTP/2 and HTTP/1.1, beside a bare keep-alive agent and HTTP/2",
    '',
    `${a.requests} \`GET /api/v1/namespaces/default\`, one at a time from the bench's process, through the operator's own ` +
      "API client (`src/runtime/kube/client.ts`: the kubeconfig's credentials applied afresh every 10 s and after a 401, so " +
      'that a rotated token is picked up), over HTTP/2 as it runs and with HTTP/2 off as it speaks to a server without it, ' +
      'and through one bare keep-alive `https.Agent` holding the same CA, certificate and key, loaded once, and over one ' +
      "bare `node:http2` connection with the same settings. CPU is the bench process's (`process.cpuUsage`), per request.",
    '',
    '| client | p50 (ms) | p95 | p99 | CPU per request (ms) |',
    '|---|---:|---:|---:|---:|',
    ...[
      a.operatorClient,
      ...(a.operatorHttp1 === undefined ? [] : [a.operatorHttp1]),
      a.keepAlive,
      ...(a.http2 === undefined ? [] : [a.http2]),
    ].map(
      (c) =>
        `| ${c.client} | ${n1(c.wallMs.p50, 2)} | ${n1(c.wallMs.p95, 2)} | ${n1(c.wallMs.p99, 2)} | ${n1(c.cpuMsPerRequest, 2)} |`,
    ),
    '',
    ...(a.inFlight16 === undefined
      ? []
      : [
          `With 16 requests in flight (${int(a.inFlight16.requests)} requests, two runs of each, alternating), the bench's CPU per request: ` +
            `${n1(a.inFlight16.keepAliveCpuMs, 2)} ms through the keep-alive agent (up to 16 connections), ` +
            `${n1(a.inFlight16.http2CpuMs, 2)} ms over the one HTTP/2 connection` +
            (a.inFlight16.operatorHttp2CpuMs === undefined || a.inFlight16.operatorHttp1CpuMs === undefined
              ? '.'
              : `; the operator's client ${n1(a.inFlight16.operatorHttp2CpuMs, 2)} ms over HTTP/2, ` +
                `${n1(a.inFlight16.operatorHttp1CpuMs, 2)} ms over HTTP/1.1.`) +
            (a.inFlight16.apiServer === undefined
              ? ''
              : " The API server's in the same runs (its idle work included): " +
                `${a.inFlight16.apiServer.keepAliveCpuMs.map((x) => n1(x, 2)).join(', ')} ms over ` +
                `keep-alive HTTP/1.1, ${a.inFlight16.apiServer.http2CpuMs.map((x) => n1(x, 2)).join(', ')} ms over ` +
                'HTTP/2.'),
          '',
        ]),
  );
}

function podSection(r: Results, report: Report): void {
  const p = r.pod;
  if (p === undefined) return;
  report.add(
    "## The chart's pod on the node",
    '',
    `The chart installed on the environment's node (kubelet, containerd, runc) from the image built without Docker ` +
      `(${p.image.reference}), one replica, leader election on. Memory is the pod's working set as the kubelet's ` +
      'stats summary reports it (what `kubectl top`, the memory limit and the OOM killer go by), sampled every 2 s; ' +
      `the peak is the highest sample from the first create until 30 s after the last of ${int(p.count)} register ` +
      "records. It is not the RSS the other sections measure: the working set is the pod cgroup's memory less its " +
      "inactive file pages, RSS the process's resident pages, file-backed ones included. The old images' sizes " +
      'are the published ones the Jobs pulled, for comparison.',
    '',
    '| | figure |',
    '|---|---:|',
    `| image, compressed (what a node pulls) | ${mib(p.image.compressedBytes)} |`,
    `| image, unpacked | ${mib(p.image.unpackedBytes)} |`,
    '| old Job images, as published: cp-kafka / a minimal producer / kcat | 500-700 MB / 50-80 MB / 20-30 MB |',
    `| \`helm install\` to the operator pod Ready | ${n1(p.installToReadyMs / 1000, 2)} s |`,
    `| pod first seen to Ready | ${n1(p.podToReadyMs / 1000, 2)} s |`,
    `| working set, idle | ${mib(p.idleWorkingSetBytes)} |`,
    `| working set, peak with ${int(p.count)} ClusterRegistrations | ${mib(p.peakWorkingSetBytes)} |`,
    `| ${int(p.count)} created at once to the last register record | ${n1(p.allRegisteredMs / 1000, 2)} s |`,
    '',
  );
}

/** How the race's latency ran: in rounds, each operator's pooled. */
function versusLatencyRuns(v: VersusSummary): string {
  const order = v.latencyOrder;
  const rounds = order.length / 2;
  return (
    `latency one at a time in ${String(rounds)} rounds of ${String(v.latency.ours.count / rounds)} each, in the ` +
    `order ${order.join(', ')} (each operator's rounds pooled)`
  );
}

function versusSection(r: Results, report: Report): void {
  const v = r.versus;
  if (v === undefined) return;
  const rows = judgeVersus(v);
  report.add(
    '## Beside a Go controller-runtime operator',
    '',
    `Ours (${v.labels.ours}) and the ${v.labels.peer} of hack/tools/peer-operator, which does the same hot path ` +
      '(finalizer, registration record with acks=all and idempotence, status through the subresource, a Normal ' +
      'Event, heartbeats, tombstone before the finalizer goes) and leaves out SASL, TLS, re-assertion, failure ' +
      'conditions, duplicates and cluster facts. Both in the same environment, one after the other, with 16 ' +
      `concurrent reconciles and no leader election: ${versusLatencyRuns(v)}, ${int(v.count)} created ` +
      `at once in ${String(v.scale.length / 2)} rounds each, in the order ${v.scale.map((run) => run.operator).join(', ')} ` +
      '(values in that order), then ' +
      `${int(v.steady.ours.count)} heart-beating over ${String(v.steady.ours.windowSeconds)} s each. The ratio is ` +
      'ours / peer, of the means.',
    '',
    '| | ours | Go peer | ours / peer | target | |',
    '|---|---:|---:|---:|---|---|',
    ...rows.map(
      (row) =>
        `| ${row.what} | ${row.ours} | ${row.peer} | ${row.ratio === undefined ? 'n/a' : `${row.ratio.toFixed(2)}x`} | ${row.goal} | ${row.met === undefined ? '' : row.met ? 'met' : '**missed**'} |`,
    ),
    '',
  );
}

function profileTable(p: PhaseProfile, report: Report): void {
  const s = p.summary;
  report.add(
    `Profile of ${p.run} (\`node --cpu-prof\`, 1 ms sampling): ${n1(s.busyMs, 0)} ms on CPU of ${n1(s.totalMs, 0)} ms ` +
      'profiled. Self time by package, then the top functions:',
    '',
    '| package | self ms | % of busy |',
    '|---|---:|---:|',
    ...s.byPackage.slice(0, 8).map((e) => `| ${e.name} | ${n1(e.ms, 0)} | ${n1(e.percent, 1)} |`),
    '',
    '| function | self ms | % of busy |',
    '|---|---:|---:|',
    ...s.topFunctions
      .slice(0, 12)
      .map((e) => `| \`${e.name.replace(/\|/g, '\\|')}\` | ${n1(e.ms, 0)} | ${n1(e.percent, 1)} |`),
    '',
  );
}

/** A heap snapshot's summary: by constructor, then the strings held most. */
function heapTables(subject: string, run: string, h: HeapSummary, report: Report): void {
  report.add(
    `Heap snapshot ${subject} (${run}; V8 collects garbage before writing it, so this is what is live): ${mib(h.totalBytes)} ` +
      `in ${int(h.nodes)} heap objects. Self size by constructor:`,
    '',
    '| constructor or kind | objects | self size | % |',
    '|---|---:|---:|---:|',
    ...h.top
      .slice(0, 12)
      .map(
        (e) =>
          `| \`${e.name.replace(/\|/g, '\\|')}\` | ${int(e.count)} | ${mib(e.bytes)} | ${n1(e.percent, 1)} |`,
      ),
    '',
    ...(h.strings === undefined
      ? []
      : [
          'The strings held most, by value (its first 60 characters; % of all string bytes):',
          '',
          '| string | copies | bytes | % |',
          '|---|---:|---:|---:|',
          ...h.strings
            .slice(0, 12)
            .map(
              (e) =>
                `| \`${JSON.stringify(e.name).slice(1, -1).replace(/\|/g, '\\|').replace(/`/g, "'")}\` | ${int(e.count)} | ${mib(e.bytes)} | ${n1(e.percent, 1)} |`,
            ),
          '',
        ]),
  );
}

/** Where the idle operator's resident pages are, beside a bare node's with the same flags. */
function residencyTable(
  run: string,
  residency: NonNullable<PhaseProfile['residency']>,
  report: Report,
): void {
  const { operator: o, bareNode: b } = residency;
  const line = (what: string, pick: (r: Residency) => number): string =>
    `| ${what} | ${mib(pick(o))} | ${mib(pick(b))} | ${mib(pick(o) - pick(b))} |`;
  report.add(
    `Where the idle operator's resident memory is (${run}; \`/proc/PID/smaps\`, each mapping's Rss by what it ` +
      "maps), beside a bare `node` with the image's flags 1 s after its start:",
    '',
    "| resident | operator | bare node | the operator's own |",
    '|---|---:|---:|---:|',
    line(
      "the node binary's pages (its code and read-only data, as far as touched)",
      (r) => r.executableBytes,
    ),
    line(
      "anonymous memory (V8's heap and code, malloc's large chunks, threads' stacks)",
      (r) => r.anonymousBytes,
    ),
    line("malloc's brk heap", (r) => r.brkHeapBytes),
    line('shared libraries', (r) => r.librariesBytes),
    line('the rest (the main stack, other files)', (r) => r.otherBytes),
    line('all of it', (r) => r.totalBytes),
    '',
  );
}

function missesSection(r: Results, targets: Target[], report: Report): void {
  const missed = targets.filter((t) => t.met === false);
  // The race's misses that a profile of ours explains (its peak rows point to none: the heap at 1,000 objects is
  // under the peak RSS target).
  const versusMissed = (r.versus === undefined ? [] : judgeVersus(r.versus)).filter(
    (row): row is VersusRow & { profile: ProfiledPhase } => row.met === false && row.profile !== undefined,
  );
  if (missed.length === 0 && versusMissed.length === 0) return;
  report.add('## Missed targets: profiles', '');
  const shown = new Set<string>();
  for (const t of missed) {
    report.add(`### ${t.what}: ${t.measured} (goal ${t.goal})`, '');
    if (t.id === 'rss-1000') {
      const p = r.scale?.points.find((x) => x.count === 1000);
      report.add(
        `Memory at 1,000 objects, from the operator's own \`/metrics\`: V8 heap used ${mib(p?.heapUsedBytes)} of ` +
          `${mib(p?.heapTotalBytes)} committed, external (buffers) ${mib(p?.externalBytes)}, of ${mib(p?.peakRssBytes)} peak ` +
          `RSS. For scale: a bare \`node -e\` peaks at ${mib(r.coldstart?.nodeBareRssBytes)}, the operator's \`--version\` ` +
          `(its code loaded, nothing run) at ${mib(r.coldstart?.versionRssBytes)}, the operator with one object at ` +
          `${mib(r.scale?.points.find((x) => x.count === 1)?.peakRssBytes)}.`,
        '',
      );
    }
    const profile = r.profiles[t.profile];
    if (t.id === 'rss-1000' && profile?.memoryVariants !== undefined) {
      const base = r.scale?.points.find((x) => x.count === 1000);
      report.add(
        `The same run (${profile.run}) under settings that bound memory, beside the scale run's defaults:`,
        '',
        '| setting | peak RSS | all registered (s) | CPU (s) |',
        '|---|---:|---:|---:|',
        ...(base === undefined
          ? []
          : [
              `| defaults (scale run) | ${mib(base.peakRssBytes)} | ${n1(base.allRegisteredMs / 1000, 2)} | ${n1(base.cpuSeconds, 2)} |`,
            ]),
        ...profile.memoryVariants.map(
          (v) =>
            `| \`${v.variant}\` | ${mib(v.peakRssBytes)} | ${n1(v.allRegisteredMs / 1000, 2)} | ${n1(v.cpuSeconds, 2)} |`,
        ),
        '',
      );
    }
    if (t.id === 'rss-1000' && profile?.heap !== undefined)
      heapTables('with every object registered', profile.run, profile.heap, report);
    showProfile(r, t.profile, shown, report);
  }
  for (const row of versusMissed) {
    report.add(`### Beside the Go peer, ${row.what}: ${n1(row.ratio, 2)}x (goal ${row.goal})`, '');
    showProfile(r, row.profile, shown, report);
  }
}

/** A phase's profile, once: later misses it explains point back to it. */
function showProfile(r: Results, phase: ProfiledPhase, shown: Set<string>, report: Report): void {
  const profile = r.profiles[phase];
  if (profile === undefined) report.add('No profile was taken for this phase in the last run.', '');
  else if (shown.has(phase)) report.add(`Profile: see above (${profile.run}).`, '');
  else {
    shown.add(phase);
    // The idle phase's memory: its resident pages, then its heap (the peak's heap is under its own target).
    if (profile.residency !== undefined) {
      residencyTable(profile.run, profile.residency, report);
      if (profile.heap !== undefined) heapTables('of the idle operator', profile.run, profile.heap, report);
    }
    profileTable(profile, report);
  }
}

const FINDINGS_START =
  '<!-- findings: written by people from the tables and profiles; the report keeps it as it is -->';
const FINDINGS_END = '<!-- /findings -->';

/** The hand-written findings of an earlier report, markers included; a placeholder when it has none. */
export function keptFindings(previous: string | undefined): string {
  const start = previous?.indexOf(FINDINGS_START) ?? -1;
  const end = start < 0 ? -1 : (previous?.indexOf(FINDINGS_END, start) ?? -1);
  if (previous === undefined || start < 0 || end < 0) {
    return [FINDINGS_START, '', 'None written yet.', '', FINDINGS_END].join('\n');
  }
  return previous.slice(start, end + FINDINGS_END.length);
}

export function writeReport(
  r: Results,
  samples: SampledSections,
  docsDir: string,
  plotDir: string,
  reportName: string,
  notes: string[],
): void {
  mkdirSync(plotDir, { recursive: true });
  const reportFile = join(docsDir, reportName);
  const findings = keptFindings(existsSync(reportFile) ? readFileSync(reportFile, 'utf8') : undefined);
  const report = new Report(docsDir, plotDir);
  const targets = judgeTargets(r);
  report.add(
    '# Benchmarks: the operator beside the Jobs it replaces',
    '',
    '<!-- Generated by `npm run bench` (hack/bench) from docs/benchmarks/results.json; edit hack/bench/report.ts, not this file, except the findings, which are kept. -->',
    '',
    '`npm run bench` brings up its own local control plane (etcd, kube-apiserver, a one-node Kafka broker) in ' +
      '`.testenv/bench`, runs every section against it, tears it down, and writes what it measured, summarised ' +
      '(statistics and counts), to [`benchmarks/results.json`](benchmarks/results.json), the raw samples to ' +
      '`.testenv/bench/samples.json`, the plots to `benchmarks/*.svg` and this page, keeping its findings as they ' +
      'are. ' +
      '`npm run bench -- --quick` is a short smoke run (small counts, written to `.testenv/bench-quick/`); ' +
      '`npm run bench -- latency oldway` runs only the named sections (`oldway`, `latency`, `scale`, `steady`, ' +
      "`coldstart`, `size`, `apiclient`, `versus`: ours beside the Go peer, `pod`: the operator as the chart's pod on a node) and keeps the others from the previous run; after the sections, the phase behind each missed " +
      'target is run again under `node --cpu-prof` (and, for memory, with a heap snapshot; for the idle RSS, with ' +
      'where its resident pages are) and summarised below (`--profile-all` profiles every phase, `--no-profile` ' +
      'none, `--profile-only PHASE` only that one: `latency`, `scale-1000`, `steady`, `coldstart`, `idle`). Needs ' +
      'what `npm test` needs (Node, Go, Java, ' +
      'Maven, OpenSSL; see the README) plus, for the kcat comparison, `kcat` (`apt-get install kcat`: it is skipped ' +
      "when missing) and GNU time (`apt-get install time`) for the old way's CPU and memory. About 30 minutes on 2 cores, the race and the pod section included.",
    '',
  );
  if (notes.length > 0) report.add(...notes.map((n) => `> ${n}`), '');
  machineSection(r, report);
  targetsSection(targets, report);
  const skipped = Object.entries(r.skipped);
  if (skipped.length > 0) {
    report.add('Sections not run: ', '', ...skipped.map(([s, why]) => `- \`${s}\`: ${why}`), '');
  }
  const ran = Object.entries(r.ranAt);
  report.add(
    'When each section ran, and the 1-minute load average as it started (above 2, other work shared the two cores):',
    '',
    ...ran.map(([s, at]) => {
      const load = r.loadAt?.[s as keyof typeof r.ranAt];
      return `- \`${s}\`: ${at}${load === undefined ? '' : `, load ${n1(load, 2)}`}`;
    }),
    '',
    '## Findings',
    '',
    findings,
    '',
  );
  latencySection(r, samples, report);
  oldwaySection(r, report);
  scaleSection(r, report);
  steadySection(r, samples, report);
  coldstartSection(r, report);
  sizeSection(r, report);
  apiClientSection(r, report);
  versusSection(r, report);
  podSection(r, report);
  missesSection(r, targets, report);
  writeFileSync(
    reportFile,
    `${report.lines
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim()}\n`,
  );
}

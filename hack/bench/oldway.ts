// The old way: one process per record, as the chart's hook Jobs and heartbeat CronJob did it (no image pull,
// which would only add to it): kafka-console-producer (a JVM) with the old Job's options, and kcat -P.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registrationValue } from '../../src/registration/records.js';
import type { kafkaReleases, KafkaVersion } from '../testenv/versions.js';
import { findExecutable, hasGnuTime, measure, type Measured } from './exec.js';
import { REGISTRY_TOPIC, type RecordWatch } from './records.js';
import { summarize, type Summary } from './stats.js';

export interface OldWayRun {
  wallMs: number;
  /** Process start to the record's arrival at the consumer. */
  recordMs: number;
  cpuSeconds?: number;
  maxRssBytes?: number;
}

export interface OldWayTool {
  tool: string;
  command: string;
  skipped?: string;
  runs: OldWayRun[];
  wallMs?: Summary;
  recordMs?: Summary;
  cpuSeconds?: Summary;
  maxRssBytes?: Summary;
}

export interface OldWayResult {
  consoleProducer: OldWayTool;
  kcat: OldWayTool;
  gnuTime: boolean;
}

/** The value the old registration Job sent, with the operator's superset of fields: the same bytes either way. */
function message(clientId: string): string {
  const now = new Date();
  const value = registrationValue({
    clientId,
    clusterUid: '6f1c2b1e-3f4a-4d7e-9a51-0c2f1e8b7d10',
    objectName: clientId,
    objectUid: 'a3b0c6f2-1d2e-4f5a-8b9c-0d1e2f3a4b5c',
    generation: 1,
    now,
    topic: REGISTRY_TOPIC,
    clusterName: clientId,
    labels: {},
    kubernetesVersion: 'v1.34.4',
    nodeCount: 1,
    operatorVersion: '0.1.0',
    namespace: 'observability',
  });
  return `${clientId}::${JSON.stringify(value)}\n`;
}

/** How one Kafka line runs its console producer: its main class and its logging, as versions.ts pins them. */
export type ConsoleProducerTool = Pick<(typeof kafkaReleases)[KafkaVersion], 'consoleProducer' | 'logging'>;

/**
 * kafka-console-producer is kafka-run-class.sh running the ConsoleProducer class of its Kafka line with these JVM
 * options (KAFKA_HEAP_OPTS=-Xmx512M for the console tools, KAFKA_JVM_PERFORMANCE_OPTS' defaults) and the tools' log
 * configuration (log4j 1 for 3.x, log4j2 from 4.0); the arguments are the old Job's.
 */
export function consoleProducerArgs(
  kafkaLibs: string,
  tool: ConsoleProducerTool,
  logConfig: string,
  brokers: string,
  topic = REGISTRY_TOPIC,
): string[] {
  return [
    '-Xmx512M',
    '-server',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-XX:MaxInlineLevel=15',
    '-Djava.awt.headless=true',
    tool.logging === 'log4j2'
      ? `-Dlog4j2.configurationFile=${logConfig}`
      : `-Dlog4j.configuration=file:${logConfig}`,
    '-cp',
    `${kafkaLibs}/*`,
    tool.consoleProducer,
    '--bootstrap-server',
    brokers,
    '--topic',
    topic,
    '--property',
    'parse.key=true',
    '--property',
    'key.separator=::',
  ];
}

/** The tools' logging as Kafka ships it: warnings and errors to stderr, in each line's format. */
export const TOOLS_LOGGING: Record<ConsoleProducerTool['logging'], { file: string; text: string }> = {
  log4j: {
    file: 'tools-log4j.properties',
    text: [
      'log4j.rootLogger=WARN, stderr',
      'log4j.appender.stderr=org.apache.log4j.ConsoleAppender',
      'log4j.appender.stderr.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n',
      'log4j.appender.stderr.Target=System.err',
      '',
    ].join('\n'),
  },
  log4j2: {
    file: 'tools-log4j2.properties',
    text: [
      'rootLogger.level=WARN',
      'rootLogger.appenderRef.stderr.ref=STDERR',
      'appender.stderr.type=Console',
      'appender.stderr.name=STDERR',
      'appender.stderr.target=SYSTEM_ERR',
      'appender.stderr.layout.type=PatternLayout',
      'appender.stderr.layout.pattern=[%d] %p %m (%c)%n',
      '',
    ].join('\n'),
  },
};

async function runTool(
  tool: string,
  command: string,
  args: readonly string[],
  prefix: string,
  runs: number,
  watch: RecordWatch,
  log: (line: string) => void,
): Promise<OldWayTool> {
  const results: OldWayRun[] = [];
  // One unmeasured run first: it fills the page cache with the jars or the binary, as an image pull would.
  for (let i = 0; i <= runs; i++) {
    const key = `${prefix}-${String(i).padStart(4, '0')}`;
    const m: Measured = await measure(command, args, message(key), 60_000);
    if (m.code !== 0) throw new Error(`${tool} exited ${m.code}: ${m.stderr.slice(0, 2000)}`);
    const arrived = await watch.waitFor(key, 'register', m.startedAt, 30_000);
    if (i === 0) continue;
    results.push({
      wallMs: m.wallMs,
      recordMs: arrived - m.startedAt,
      ...(m.userSeconds !== undefined && m.systemSeconds !== undefined
        ? { cpuSeconds: m.userSeconds + m.systemSeconds }
        : {}),
      ...(m.maxRssBytes !== undefined ? { maxRssBytes: m.maxRssBytes } : {}),
    });
  }
  const out: OldWayTool = {
    tool,
    command: [command, ...args].join(' '),
    runs: results,
    wallMs: summarize(results.map((r) => r.wallMs)),
    recordMs: summarize(results.map((r) => r.recordMs)),
  };
  const cpu = results.flatMap((r) => (r.cpuSeconds === undefined ? [] : [r.cpuSeconds]));
  const rss = results.flatMap((r) => (r.maxRssBytes === undefined ? [] : [r.maxRssBytes]));
  if (cpu.length > 0) out.cpuSeconds = summarize(cpu);
  if (rss.length > 0) out.maxRssBytes = summarize(rss);
  log(`${tool}: median ${out.wallMs?.p50.toFixed(0)} ms per record over ${runs} runs`);
  return out;
}

export async function benchOldWay(options: {
  kafkaLibs: string;
  tool: ConsoleProducerTool;
  brokers: string;
  workDir: string;
  runs: number;
  watch: RecordWatch;
  log: (line: string) => void;
}): Promise<OldWayResult> {
  const { kafkaLibs, tool, brokers, workDir, runs, watch, log } = options;
  mkdirSync(workDir, { recursive: true });
  const logging = TOOLS_LOGGING[tool.logging];
  const logConfig = join(workDir, logging.file);
  writeFileSync(logConfig, logging.text);
  const java = findExecutable('java') ?? 'java';
  const consoleProducer = await runTool(
    'kafka-console-producer',
    java,
    consoleProducerArgs(kafkaLibs, tool, logConfig, brokers),
    'bench-old-cp',
    runs,
    watch,
    log,
  );
  const kcatPath = findExecutable('kcat') ?? findExecutable('kafkacat');
  const kcat: OldWayTool =
    kcatPath === undefined
      ? {
          tool: 'kcat -P',
          command: 'kcat',
          skipped: 'kcat not installed: skipped (apt-get install kcat)',
          runs: [],
        }
      : await runTool(
          'kcat -P',
          kcatPath,
          ['-P', '-b', brokers, '-t', REGISTRY_TOPIC, '-K', '::'],
          'bench-old-kcat',
          runs,
          watch,
          log,
        );
  if (kcat.skipped !== undefined) log(kcat.skipped);
  return { consoleProducer, kcat, gnuTime: hasGnuTime() };
}

// `npm test`: one local environment for the whole run, every test file through node's test runner, always torn down.
// The tests whose outcome depends on the broker run again on the other Kafka line, against a broker of its own
// beside the same API server.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  downAll,
  Environment,
  externalEnvironment,
  inFreshState,
  type EnvVars,
} from './testenv/environment.js';
import { defaultStateDir, repoRoot } from './testenv/paths.js';
import { KAFKA } from './testenv/kafka.js';
import { defaultKafkaVersion, kafkaVersion, kafkaVersions, type KafkaVersion } from './testenv/versions.js';

/** The Kafka integration tests and the end-to-end tests: what runs on every broker version. */
const BROKER_TESTS = ['test/integration/kafka/', 'test/integration/testenv/kafka.test.ts', 'test/e2e/'];

/** Tests that run pods on the node. */
const CLUSTER_TIER = join('test', 'cluster') + '/';

/** Integration tests mostly wait on the API server and the broker, so more files than cores run at once. */
const INTEGRATION_CONCURRENCY = 4;

/**
 * The cluster tier's files run one at a time: every release's operator watches every ClusterRegistration, so two
 * releases at once would each register (and deregister) the other's, and a file stops the environment's broker.
 */
const CLUSTER_CONCURRENCY = 1;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : testFiles(path);
    return entry.name.endsWith('.test.ts') ? [relative(repoRoot, path)] : [];
  });
}

/** `npm test -- test/unit` runs only the files under the given prefixes. */
function selectFiles(prefixes: string[]): string[] {
  const all = testFiles(join(repoRoot, 'test')).sort();
  return prefixes.length === 0
    ? all
    : all.filter((file) => prefixes.some((prefix) => file.startsWith(prefix)));
}

/** The test files run on `node`: the pinned Node the image ships (TESTENV_NODE), not necessarily the machine's. */
function runNodeTests(
  node: string,
  files: string[],
  vars: EnvVars,
  concurrency = INTEGRATION_CONCURRENCY,
): Promise<number> {
  return new Promise((resolveCode) => {
    const child = spawn(
      node,
      [
        '--import',
        'tsx',
        '--test',
        `--test-concurrency=${String(concurrency)}`,
        '--test-timeout=900000',
        ...files,
      ],
      { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, ...vars } },
    );
    child.once('close', (code) => {
      resolveCode(code ?? 1);
    });
  });
}

/**
 * Which files run on which broker: all on the default, the broker tests again on each other version.
 * `TESTENV_KAFKA_VERSION=3.9.1 npm test` runs everything on that one only.
 */
function tiers(files: string[]): { version: KafkaVersion; files: string[] }[] {
  if ((process.env.TESTENV_KAFKA_VERSION ?? '') !== '') return [{ version: kafkaVersion(), files }];
  const again = files.filter((file) => BROKER_TESTS.some((prefix) => file.startsWith(prefix)));
  const others = again.length === 0 ? [] : kafkaVersions.filter((v) => v !== defaultKafkaVersion);
  return [{ version: defaultKafkaVersion, files }, ...others.map((version) => ({ version, files: again }))];
}

async function main(): Promise<number> {
  const files = selectFiles(process.argv.slice(2));
  if (files.length === 0) {
    process.stderr.write('no test files matched\n');
    return 1;
  }
  const external = externalEnvironment();
  if (external !== undefined) return runNodeTests(external.TESTENV_NODE ?? process.execPath, files, external);
  // A run of its own, from empty data, inside .testenv so that `testenv down` also finds it.
  const stateDir = join(defaultStateDir(), 'test-run');
  return inFreshState(stateDir, async () => {
    // test/cluster runs pods, on an environment of its own with a node (hack/testenv/node), after the others:
    // their shared API server stays as envtest has it (no nodes, no controllers adding objects to namespaces).
    // TESTENV_NODE=0 leaves the node out, and those tests skip.
    const cluster = files.filter((file) => file.startsWith(CLUSTER_TIER));
    const withNode = cluster.length > 0 && process.env.TESTENV_NODE !== '0';
    const rest = withNode ? files.filter((file) => !file.startsWith(CLUSTER_TIER)) : files;
    const results: string[] = [];
    let code = 0;
    const runTier = async (
      label: string,
      tierFiles: string[],
      env: Environment,
      vars: EnvVars,
      concurrency?: number,
    ) => {
      const started = Date.now();
      process.stdout.write(`test: ${String(tierFiles.length)} files ${label}\n`);
      const tierCode = await runNodeTests(env.tools.node, tierFiles, vars, concurrency);
      code ||= tierCode;
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      results.push(
        `${String(tierFiles.length)} files ${label}: ${tierCode === 0 ? 'passed' : 'FAILED'} (${seconds} s)`,
      );
    };
    let kube: EnvVars | undefined;
    for (const tier of rest.length > 0 ? tiers(rest) : []) {
      // The first tier's environment is whole; each later one is only a broker, nested in the first.
      const env =
        kube === undefined
          ? await Environment.up(stateDir, { kafkaVersion: tier.version })
          : await Environment.up(join(stateDir, `kafka-${tier.version}`), {
              kube: false,
              kafkaVersion: tier.version,
            });
      kube ??= env.vars();
      await runTier(`on Kafka ${tier.version}`, tier.files, env, { ...kube, ...env.vars() });
      await env.stop(KAFKA); // the API server stays for the next tier
    }
    if (withNode) {
      await downAll(stateDir);
      const env = await Environment.up(join(stateDir, 'cluster'), { node: true });
      await runTier(`on the node, Kafka ${kafkaVersion()}`, cluster, env, env.vars(), CLUSTER_CONCURRENCY);
    }
    process.stdout.write(`\ntest: ${results.join('; ')}\n`);
    return code;
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`test: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);

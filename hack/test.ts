// `npm test`: one local environment for the whole run, every test file through node's test runner, always torn down.
import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { downAll, Environment, externalEnvironment, type EnvVars } from './testenv/environment.js';
import { defaultStateDir, repoRoot } from './testenv/paths.js';

/** Tests that run pods on the node. */
const CLUSTER_TIER = join('test', 'cluster') + '/';

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
function runNodeTests(node: string, files: string[], vars: EnvVars): Promise<number> {
  return new Promise((resolveCode) => {
    const child = spawn(
      node,
      // Integration tests mostly wait on the API server and the broker, so more files than cores run at once.
      ['--import', 'tsx', '--test', '--test-concurrency=4', '--test-timeout=900000', ...files],
      { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, ...vars } },
    );
    child.once('close', (code) => {
      resolveCode(code ?? 1);
    });
  });
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
  const teardown = async () => {
    await downAll(stateDir);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void teardown().finally(() => process.exit(130));
    });
  }
  try {
    await downAll(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
    // test/cluster runs pods, on an environment of its own with a node (hack/testenv/node), after the others:
    // their shared API server stays as envtest has it (no nodes, no controllers adding objects to namespaces).
    // TESTENV_NODE=0 leaves the node out, and those tests skip.
    const cluster = files.filter((file) => file.startsWith(CLUSTER_TIER));
    const others = files.filter((file) => !file.startsWith(CLUSTER_TIER));
    const withNode = cluster.length > 0 && process.env.TESTENV_NODE !== '0';
    let code = 0;
    const rest = withNode ? others : files;
    if (rest.length > 0) {
      const env = await Environment.up(stateDir);
      code = await runNodeTests(env.tools.node, rest, env.vars());
      await downAll(stateDir);
    }
    if (withNode) {
      const env = await Environment.up(join(stateDir, 'cluster'), { node: true });
      code = Math.max(code, await runNodeTests(env.tools.node, cluster, env.vars()));
    }
    return code;
  } finally {
    await teardown();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`test: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);

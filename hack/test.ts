// `npm test`: one local environment for the whole run, every test file through node's test runner, always torn down.
import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { downAll, Environment, externalEnvironment, type EnvVars } from './testenv/environment.js';
import { defaultStateDir, repoRoot } from './testenv/paths.js';

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
    const env = await Environment.up(stateDir);
    return await runNodeTests(env.tools.node, files, env.vars());
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

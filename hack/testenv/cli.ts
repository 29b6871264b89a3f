// `npm run testenv -- up | down | status`: the local control plane, by hand, for the tests and for the demo.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { downAll, Environment, externalEnvironment, readEnvFile } from './environment.js';
import { defaultStateDir } from './paths.js';
import { allRecords, isOurs } from './processes.js';
import { cachedComponents } from './provision.js';
import { defaultKafkaVersion, kafkaVersions } from './versions.js';

/** A node comes up with the rest unless `--no-node` or TESTENV_NODE=0 asks for the quicker environment. */
function wantNode(args: string[]): boolean {
  return !args.includes('--no-node') && process.env.TESTENV_NODE !== '0';
}

async function up(stateDir: string, node: boolean): Promise<void> {
  const started = Date.now();
  const external = externalEnvironment();
  const envFile = join(stateDir, 'env');
  if (external !== undefined) {
    mkdirSync(stateDir, { recursive: true });
    const lines = Object.entries(external).map(([key, value]) => `${key}=${value}`);
    writeFileSync(envFile, `${lines.join('\n')}\n`, { mode: 0o600 });
    process.stderr.write(
      'KUBECONFIG and KAFKA_BROKERS are set: using that cluster and broker, provisioning nothing.\n',
    );
  } else {
    await Environment.up(stateDir, { node });
  }
  process.stderr.write(`ready in ${((Date.now() - started) / 1000).toFixed(1)}s; variables in ${envFile}:\n`);
  process.stdout.write(
    `${Object.entries(readEnvFile(envFile))
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')}\n`,
  );
}

function status(stateDir: string): void {
  const cached = cachedComponents();
  process.stdout.write(`cached builds: ${cached.length > 0 ? cached.join(', ') : 'none'}\n`);
  const records = allRecords(stateDir);
  if (records.length === 0) process.stdout.write(`nothing running from ${stateDir}\n`);
  for (const { stateDir: dir, record } of records) {
    const state = isOurs(record) ? `running, pid ${record.pid}` : 'stopped';
    process.stdout.write(`${record.name.padEnd(23)} ${state.padEnd(22)} ${dir}  log: ${record.log}\n`);
  }
  const envFile = join(stateDir, 'env');
  if (existsSync(envFile)) process.stdout.write(`env file: ${envFile}\n`);
}

async function main(argv: string[]): Promise<number> {
  const stateDir = defaultStateDir();
  switch (argv[0]) {
    case 'up':
      await up(stateDir, wantNode(argv.slice(1)));
      return 0;
    case 'down': {
      const stopped = await downAll(stateDir);
      process.stdout.write(stopped.length > 0 ? `stopped ${stopped.join(', ')}\n` : 'nothing was running\n');
      return 0;
    }
    case 'status':
      status(stateDir);
      return 0;
    default:
      process.stderr.write(
        'usage: npm run testenv -- up [--no-node] | down | status   (state in $TESTENV_DIR, default .testenv/;\n' +
          '  TESTENV_NODE=0 also leaves the node out;\n' +
          `  the broker: TESTENV_KAFKA_VERSION=${kafkaVersions.join(' or ')}, default ${defaultKafkaVersion})\n`,
      );
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`testenv: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);

#!/usr/bin/env node
// The one entry point: `run` (the operator), `crd` (print the CRD), `uninstall-hook` (Helm's pre-delete hook),
// `--version`, `--help`. A usage error prints its message and exits 2; the operator's own failures exit 1.
import { renderCrdYaml } from '../api/index.js';
import { parseRunConfig, runHelp, UsageError } from '../operator/config.js';
import { createOperator } from '../operator/operator.js';
import { failpoints, LeadershipLostError } from '../runtime/index.js';
import { version } from '../version.js';

const HELP = `cluster-registry-operator ${version}: keeps this cluster registered with a central registry over Kafka.

Usage:
  cluster-registry-operator run [flags]        run the operator
  cluster-registry-operator crd                print the ClusterRegistration CRD (YAML)
  cluster-registry-operator uninstall-hook --selector SELECTOR [--timeout 5m] [--kubeconfig PATH]
                                               delete the ClusterRegistrations matching SELECTOR (a release's)
                                               and wait until the running operator deregistered them; exits
                                               non-zero at the timeout, naming what is stuck (Helm pre-delete hook)
  cluster-registry-operator --version | --help

Flags of run (each also read from the environment variable in brackets; a flag wins):
${runHelp()}
`;

async function run(argv: readonly string[]): Promise<number> {
  // FAILPOINTS is for the crash tests only; production never sets it.
  const operator = createOperator(parseRunConfig(argv, process.env), version, {
    failpoint: failpoints(process.env.FAILPOINTS),
  });
  try {
    await operator.run();
    return 0;
  } catch (error) {
    if (error instanceof LeadershipLostError) {
      operator.logger.error('lost leadership; exiting so that this replica restarts as a standby');
    } else {
      operator.logger.error('operator stopped', { error });
    }
    return 1;
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      return run(rest);
    case 'crd':
      process.stdout.write(renderCrdYaml());
      return 0;
    case 'uninstall-hook': {
      // Loaded only here: the operator itself never needs it.
      const { parseUninstallArgs, runUninstallHook } = await import('./uninstall.js');
      return runUninstallHook(parseUninstallArgs([...rest], process.env), {
        info: (line) => process.stdout.write(`${line}\n`),
        error: (line) => process.stderr.write(`${line}\n`),
      });
    }
    case '--version':
    case 'version':
      process.stdout.write(`${version}\n`);
      return 0;
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(HELP);
      return 0;
    default:
      throw new UsageError(command === undefined ? 'no command given' : `unknown command '${command}'`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(
        `cluster-registry-operator: ${error.message}\nSee 'cluster-registry-operator --help'.\n`,
      );
      process.exitCode = 2;
      return;
    }
    process.stderr.write(
      `cluster-registry-operator: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);

// `npm run demo`: bring up the local control plane and show it working, then keep it until Ctrl-C.
import { Kafka, logLevel } from 'kafkajs';
import { exec } from './testenv/exec.js';
import { downAll, Environment, externalEnvironment, type EnvVars } from './testenv/environment.js';
import { defaultStateDir } from './testenv/paths.js';

function say(line: string): void {
  process.stdout.write(`\n== ${line}\n`);
}

async function showKubernetes(vars: EnvVars): Promise<void> {
  const kubectl = vars.TESTENV_BIN ? `${vars.TESTENV_BIN}/kubectl` : 'kubectl';
  const kubeconfig = vars.KUBECONFIG ?? '';
  say('kubectl get --raw /readyz');
  process.stdout.write(
    (await exec(kubectl, ['--kubeconfig', kubeconfig, 'get', '--raw', '/readyz'])).stdout + '\n',
  );
  say('kubectl version');
  process.stdout.write((await exec(kubectl, ['--kubeconfig', kubeconfig, 'version'])).stdout);
}

async function showKafka(vars: EnvVars): Promise<void> {
  const kafka = new Kafka({
    clientId: 'demo',
    brokers: [vars.KAFKA_BROKERS ?? ''],
    logLevel: logLevel.NOTHING,
  });
  const topic = 'cluster.registry';
  say(`Kafka round trip on ${topic} at ${vars.KAFKA_BROKERS ?? ''}`);
  const producer = kafka.producer();
  await producer.connect();
  const [meta] = await producer.send({
    topic,
    messages: [{ key: 'demo-cluster', value: JSON.stringify({ client_id: 'demo-cluster', demo: true }) }],
  });
  await producer.disconnect();
  process.stdout.write(
    `produced key demo-cluster at partition ${meta?.partition ?? '?'} offset ${meta?.baseOffset ?? '?'}\n`,
  );
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  process.stdout.write(`topic ${topic} offsets: ${JSON.stringify(offsets)}\n`);
}

async function main(): Promise<void> {
  const stateDir = defaultStateDir();
  const external = externalEnvironment();
  const vars = external ?? (await Environment.up(stateDir)).vars();
  const teardown = async () => {
    if (external === undefined) await downAll(stateDir);
  };
  try {
    await showKubernetes(vars);
    await showKafka(vars);
  } catch (error) {
    await teardown();
    throw error;
  }
  if (process.env.CI === 'true' || !process.stdin.isTTY) {
    await teardown();
    return;
  }
  say(
    `running; variables in ${stateDir}/env (\`set -a; . ${stateDir}/env; set +a\`). Ctrl-C tears everything down.`,
  );
  await new Promise<void>((resolve) => process.once('SIGINT', resolve));
  await teardown();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);

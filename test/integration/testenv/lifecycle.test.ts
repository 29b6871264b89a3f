import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { exec } from '../../../hack/testenv/exec.js';
import { Environment, readEnvFile } from '../../../hack/testenv/environment.js';
import { repoRoot } from '../../../hack/testenv/paths.js';
import { kubectl, processesMentioning } from '../../support/testenv.js';

/** Runs `npm run testenv -- <command>` as a user would, against a state directory of this test's own. */
function testenvCli(stateDir: string, command: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, TESTENV_DIR: stateDir };
  // The runner's own environment must not make the CLI think the user brought an external cluster.
  delete env.KUBECONFIG;
  delete env.KAFKA_BROKERS;
  return exec(process.execPath, ['--import', 'tsx', join(repoRoot, 'hack/testenv/cli.ts'), command], {
    cwd: repoRoot,
    env,
  });
}

async function topics(brokers: string): Promise<string[]> {
  const admin = new Kafka({ clientId: 'lifecycle', brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
}

test('up, restarts that keep data, and a down that leaves no process behind', async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'testenv-lifecycle-'));
  t.after(async () => {
    await testenvCli(stateDir, 'down');
    rmSync(stateDir, { recursive: true, force: true });
  });

  const up = await testenvCli(stateDir, 'up');
  assert.equal(up.code, 0, up.stderr);
  const vars = readEnvFile(join(stateDir, 'env'));
  const kubeconfig = vars.KUBECONFIG ?? '';
  const brokers = vars.KAFKA_BROKERS ?? '';
  assert.ok(kubeconfig && brokers, `env file lists KUBECONFIG and KAFKA_BROKERS:\n${up.stdout}`);

  const status = await testenvCli(stateDir, 'status');
  for (const name of ['etcd', 'kube-apiserver', 'kafka'])
    assert.match(status.stdout, new RegExp(`${name}\\s+running`));

  await t.test('stopping and starting kube-apiserver keeps the data', async () => {
    const created = await kubectl(
      ['create', 'configmap', 'survivor', '-n', 'default', '--from-literal=k=v'],
      {
        kubeconfig,
      },
    );
    assert.equal(created.code, 0, created.stderr);
    const env = await Environment.attach(stateDir);
    await env.stop('kube-apiserver');
    assert.notEqual(
      (await kubectl(['get', 'configmap', 'survivor', '-n', 'default'], { kubeconfig })).code,
      0,
    );
    await env.start('kube-apiserver');
    const read = await kubectl(
      ['get', 'configmap', 'survivor', '-n', 'default', '-o', 'jsonpath={.data.k}'],
      {
        kubeconfig,
      },
    );
    assert.equal(read.code, 0, read.stderr);
    assert.equal(read.stdout, 'v');
  });

  await t.test('stopping and starting Kafka keeps the topics', async () => {
    const admin = new Kafka({
      clientId: 'lifecycle',
      brokers: [brokers],
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'survivor' }], waitForLeaders: true });
    await admin.disconnect();
    const env = await Environment.attach(stateDir);
    await env.stop('kafka');
    await env.start('kafka');
    assert.ok((await topics(brokers)).includes('survivor'));
  });

  await t.test('down stops every process it started and nothing else', async () => {
    assert.ok(
      processesMentioning(stateDir).length >= 3,
      'etcd, kube-apiserver and kafka run from the state dir',
    );
    const down = await testenvCli(stateDir, 'down');
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /stopped .*kube-apiserver.*kafka.*etcd/);
    assert.deepEqual(processesMentioning(stateDir), []);
    const after = await testenvCli(stateDir, 'status');
    assert.match(after.stdout, /nothing running/);
  });
});

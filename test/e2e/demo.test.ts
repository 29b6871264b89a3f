// `npm run demo`, the README's first command, run as a user would (CI=true, no terminal) and held to what it
// claims: the object becomes Ready, the registration and then the tombstone reach the topic, and the demo exits 0
// leaving neither the object nor an operator behind. On an API server of its own: the demo's operator manages
// every ClusterRegistration, and must not touch those of tests running meanwhile. The broker is the shared one, so
// records are told apart by the object's uid (other runs may have used the example's key before).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { parse } from 'yaml';
import { repoRoot } from '../../hack/testenv/paths.js';
import { parseTable } from '../integration/api/support.js';
import { plainKafka, RecordTail } from '../support/kafka-records.js';
import { kubectl, requireKafkaBrokers, startPrivateKube } from '../support/testenv.js';

const REGISTRY = 'cluster.registry';
const DEMO_TIMEOUT_MS = 5 * 60_000;

/** The text of the demo's `== title...` section, up to the next one. */
function section(output: string, title: string): string {
  const start = output.indexOf(`\n== ${title}`);
  assert.ok(start >= 0, `the demo printed no section "${title}":\n${output}`);
  const body = output.slice(output.indexOf('\n', start + 1) + 1);
  const end = body.indexOf('\n== ');
  return end < 0 ? body : body.slice(0, end);
}

/** True while some process is left in the process group (the demo's, with npm, tsx and the operator in it). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True while `pid` runs the operator against this kubeconfig (a pid reused by another process does not count). */
function runsOperator(pid: number, kubeconfig: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8');
    return cmdline.includes(join('src', 'cli', 'main.ts')) && cmdline.includes(kubeconfig);
  } catch {
    return false;
  }
}

test('npm run demo: Ready, registration, tombstone, exit 0, nothing left behind', async (t) => {
  const { kubeconfig } = await startPrivateKube(t);
  const brokers = requireKafkaBrokers();
  const example = parse(readFileSync(join(repoRoot, 'examples', 'minimal.yaml'), 'utf8')) as {
    metadata: { name: string };
    spec: { clientId: string };
  };
  const { name } = example.metadata;
  const { clientId } = example.spec;
  // The demo's state (its operator's log) in a folder of the test's own, not the shared environment's.
  const stateDir = mkdtempSync(join(tmpdir(), 'demo-test-'));
  const logFile = join(stateDir, 'demo-operator.log');
  t.after(() => {
    rmSync(stateDir, { recursive: true, force: true });
  });

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KUBECONFIG: kubeconfig,
    KAFKA_BROKERS: brokers,
    CI: 'true',
    TESTENV_DIR: stateDir,
  };
  delete env.NODE_TEST_CONTEXT; // the demo is not a test file
  // A process group of its own, so that whatever it started can be found (and, on failure, stopped) as one.
  const demo = spawn('npm', ['run', 'demo'], {
    cwd: repoRoot,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pgid = demo.pid;
  assert.ok(pgid !== undefined, 'npm run demo did not start');
  t.after(() => {
    if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  demo.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  demo.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => demo.once('close', resolve));
  const diagnostics = () => {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-6000) : '(no log)';
    return `\nstdout:\n${stdout}\nstderr:\n${stderr}\noperator log:\n${log}`;
  };

  // Within a functional deadline; past it, SIGTERM (the demo tears down on it) and fail.
  const deadline = new AbortController();
  const code = await Promise.race([
    exited,
    // Aborted once the demo exits, so that the timer does not hold the test process.
    delay(DEMO_TIMEOUT_MS, 'timeout' as const, { signal: deadline.signal }).catch(() => undefined),
  ]);
  deadline.abort();
  if (code === 'timeout') {
    process.kill(-pgid, 'SIGTERM');
    await Promise.race([exited, delay(30_000)]);
    assert.fail(`the demo did not finish within ${String(DEMO_TIMEOUT_MS / 1000)} s${diagnostics()}`);
  }
  if (process.env.E2E_LOGS === '1') process.stderr.write(diagnostics());
  assert.equal(code, 0, `the demo failed${diagnostics()}`);

  // The table: the example's row, Ready.
  const table = parseTable(section(stdout, 'kubectl get clusterregistrations -o wide'));
  assert.deepEqual(table.headers.slice(0, 3), ['NAME', 'CLIENT ID', 'READY'], stdout);
  const row = table.rows.find((r) => r.NAME === name);
  assert.ok(row !== undefined, `no row for ${name}:\n${stdout}`);
  assert.equal(row['CLIENT ID'], clientId);
  assert.equal(row.READY, 'True');

  // The registration, as the demo read it from the topic: the record of this object, with the contract's JSON.
  const uid = /^uid: (\S+)$/m.exec(stdout)?.[1];
  assert.ok(uid !== undefined, `the demo printed no uid:\n${stdout}`);
  const registration = section(stdout, `the registration in ${REGISTRY}`);
  assert.match(registration, new RegExp(`^key: ${clientId}$`, 'm'));
  assert.match(registration, new RegExp(`^  registry_object_uid: ${uid}$`, 'm'));
  assert.match(registration, /^ {2}registry_event: register$/m);
  const json = registration.slice(registration.indexOf('value:') + 'value:'.length);
  const value = JSON.parse(json) as { client_id?: unknown; status?: unknown };
  assert.equal(value.client_id, clientId);
  assert.equal(value.status, 'active');

  // The tombstone, of the same object.
  const tombstone = section(stdout, `the tombstone in ${REGISTRY}`);
  assert.match(tombstone, new RegExp(`^key: ${clientId}$`, 'm'));
  assert.match(tombstone, new RegExp(`^  registry_object_uid: ${uid}$`, 'm'));
  assert.match(tombstone, /^ {2}registry_event: deregister$/m);
  assert.match(tombstone, /^value: null/m);

  // Nothing left running: the operator whose pid the demo printed, nor anything else the demo started.
  const pid = Number(/operator started \(pid (\d+)\)/.exec(stdout)?.[1]);
  assert.ok(pid > 0, `the demo printed no operator pid:\n${stdout}`);
  for (let waited = 0; (groupAlive(pgid) || runsOperator(pid, kubeconfig)) && waited < 5_000; waited += 100) {
    await delay(100); // a child reaped a moment after its parent exited
  }
  assert.equal(runsOperator(pid, kubeconfig), false, `the demo's operator (pid ${String(pid)}) still runs`);
  assert.equal(groupAlive(pgid), false, 'a process the demo started is still running');

  // The object is gone from the API server.
  const gone = await kubectl(['get', 'clusterregistration', name], { kubeconfig });
  assert.notEqual(gone.code, 0, `the object is still there:\n${gone.stdout}`);
  assert.match(gone.stderr, /NotFound/);

  // Read back independently, up to the topic's end as of now: the object's last record is the tombstone.
  const admin = plainKafka(brokers).admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(REGISTRY).finally(() => admin.disconnect());
  const tail = await RecordTail.start(t, brokers, [REGISTRY]);
  const ofObject = (r: { key: string | null; headers: Record<string, string> }) =>
    r.key === clientId && r.headers.registry_object_uid === uid;
  const read = await tail.waitFor('the tombstone of the demo object', (r) => ofObject(r) && r.value === null);
  const end = ends.find((offset) => offset.partition === read.partition);
  assert.ok(end !== undefined && BigInt(read.offset) < BigInt(end.offset), 'the tombstone was in the topic');
  await tail.waitFor(
    `the end of ${REGISTRY} partition ${String(read.partition)}`,
    (r) => r.partition === read.partition && BigInt(r.offset) >= BigInt(end.offset) - 1n,
  );
  const records = tail.of(REGISTRY, clientId).filter(ofObject);
  assert.ok(
    records.some((r) => r.value !== null && r.headers.registry_event === 'register'),
    'the object registered',
  );
  const last = records.at(-1);
  assert.equal(last?.value, null, 'the last record of the object is the tombstone');
  assert.equal(last.headers.registry_event, 'deregister');
});

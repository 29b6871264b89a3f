import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { after, test } from 'node:test';
import {
  isOurs,
  processStartTime,
  readRecord,
  startProcess,
  stopProcess,
  waitReady,
  type ProcessRecord,
} from '../../../hack/testenv/processes.js';

const stateDir = mkdtempSync(join(tmpdir(), 'testenv-processes-'));
after(() => {
  rmSync(stateDir, { recursive: true, force: true });
});

test('a process that dies during start-up is reported with its exit status and its last log lines', async () => {
  const record = startProcess(stateDir, 'dies', '/bin/sh', [
    '-c',
    'echo bind: address already in use; exit 3',
  ]);
  await assert.rejects(
    waitReady(record, () => Promise.resolve(false), 10_000),
    (error: Error) => {
      assert.match(error.message, /dies exited during start-up \(exit code 3\)/);
      assert.match(error.message, /address already in use/);
      return true;
    },
  );
});

// A process's command line is not its identity while it starts: between exec and the kernel's setting up of the
// new arguments /proc/<pid>/cmdline reads empty, and a wrapper may exec something else. Either made a live
// kube-apiserver look dead to the start-up check, with an empty log.
test('a process we started counts as alive until it exits, whatever its command line says', async () => {
  const record = startProcess(stateDir, 'execs', '/bin/sh', ['-c', 'exec sleep 30']);
  let polls = 0;
  await waitReady(record, () => Promise.resolve(++polls >= 3), 10_000);
  await stopProcess(stateDir, 'execs');
});

/** A `sleep` that this test starts itself (not through startProcess), so only the record speaks for it. */
function stranger(): { pid: number; kill: () => void } {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start sleep');
  return { pid, kill: () => child.kill('SIGKILL') };
}

// pid_max is 32768 here: a stopped broker's pid was taken by another `java` within a minute, so `up` thought the
// broker was running and did not start it, and `down` would have signalled a stranger.
test('a record whose pid now belongs to another process with the same command is not ours', (t) => {
  const other = stranger();
  t.after(other.kill);
  const startTime = processStartTime(other.pid);
  assert.ok(startTime !== undefined, 'the stranger has a start time');
  const record: ProcessRecord = {
    name: 'broker',
    pid: other.pid,
    command: 'sleep',
    args: ['30'],
    log: '/dev/null',
    startTime: startTime - 1,
  };
  assert.equal(isOurs(record), false, 'same pid and argv[0], started at another time');
  assert.equal(isOurs({ ...record, startTime }), true, 'the same pid and start time is the process');
});

test('a record keeps the start time of the process it names, and a gone process is not ours', async () => {
  const record = startProcess(stateDir, 'kept', 'sleep', ['30']);
  const stored = readRecord(stateDir, 'kept');
  assert.equal(stored?.startTime, processStartTime(record.pid));
  assert.equal(isOurs(record), true);
  await stopProcess(stateDir, 'kept');
  assert.equal(isOurs(record), false);
  assert.equal(processStartTime(record.pid) === record.startTime, false);
});

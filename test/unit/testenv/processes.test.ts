import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startProcess, stopProcess, waitReady } from '../../../hack/testenv/processes.js';

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

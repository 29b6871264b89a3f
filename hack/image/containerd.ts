// A private containerd for checking images: its own socket, root and state in a folder of its own (never the
// system's /run/containerd), its CRI plugin off, held as our child and stopped by its pid. `ctr()` runs ctr
// against it. Used by the image tests and `npm run image`'s smoke test.
import { spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { containerdConfigToml } from '../testenv/containerd-config.js';
import { exec, run } from '../testenv/exec.js';

export interface PrivateContainerd {
  dir: string;
  address: string;
  /** Runs `ctr --address ... -n NAMESPACE ARGS`; throws with its output on a non-zero exit. */
  ctr: (args: readonly string[], namespace?: string) => Promise<string>;
  /** Stops containerd (its pid), unmounts what it left under its folder, removes the folder. */
  stop: () => Promise<void>;
}

const SHIM_SOCKETS = '/run/containerd/s';

function config(dir: string): string {
  return containerdConfigToml({
    root: join(dir, 'root'),
    state: join(dir, 'state'),
    address: join(dir, 'containerd.sock'),
    debugAddress: join(dir, 'debug.sock'),
    disabledPlugins: ['io.containerd.grpc.v1.cri'],
  });
}

async function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return Promise.race([
    new Promise<boolean>((resolveExit) => {
      child.once('exit', () => {
        resolveExit(true);
      });
    }),
    sleep(ms, false, { ref: false }),
  ]);
}

/** Starts containerd in `dir` (created; keep its path short: sockets have a 108-byte limit). */
export async function startPrivateContainerd(dir: string): Promise<PrivateContainerd> {
  mkdirSync(dir, { recursive: true });
  // containerd 1.6's shims put their sockets in /run/containerd/s whatever the config says.
  const shimSockets = existsSync(SHIM_SOCKETS) ? undefined : SHIM_SOCKETS;
  const configFile = join(dir, 'config.toml');
  writeFileSync(configFile, config(dir));
  const address = join(dir, 'containerd.sock');
  const logFile = join(dir, 'containerd.log');
  const log = openSync(logFile, 'a');
  const child = spawn('containerd', ['--config', configFile], { stdio: ['ignore', log, log] });
  closeSync(log);
  const spawnError = new Promise<Error>((resolveError) => child.once('error', resolveError));
  const ctr = (args: readonly string[], namespace = 'default') =>
    run('ctr', ['--address', address, '-n', namespace, ...args]);
  const stop = async () => {
    if (child.pid !== undefined && !(await exited(child, 0))) {
      process.kill(child.pid, 'SIGTERM');
      if (!(await exited(child, 10_000))) process.kill(child.pid, 'SIGKILL');
      await exited(child, 5_000);
    }
    // Snapshots of containers that ran stay mounted under its root; deepest first.
    const mounts = readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[1] ?? '')
      .filter((point) => point.startsWith(`${dir}/`))
      .sort((a, b) => b.length - a.length);
    for (const point of mounts) await exec('umount', ['-l', point]);
    rmSync(dir, { recursive: true, force: true });
    // What our shims made there, if it is empty (another containerd may have started using it since).
    if (shimSockets !== undefined) {
      for (const empty of [shimSockets, dirname(shimSockets)]) {
        try {
          rmdirSync(empty);
        } catch {
          break;
        }
      }
    }
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const failed = await Promise.race([spawnError, sleep(200).then(() => undefined)]);
    if (failed !== undefined) throw new Error(`containerd did not start: ${failed.message}`);
    if (child.exitCode !== null) {
      throw new Error(
        `containerd exited with ${String(child.exitCode)}:\n${readFileSync(logFile, 'utf8').slice(-2000)}`,
      );
    }
    if (existsSync(address) && (await exec('ctr', ['--address', address, 'version'])).code === 0) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`containerd did not answer on ${address} within 30 s`);
    }
  }
  return { dir, address, ctr, stop };
}

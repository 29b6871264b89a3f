// Runs a built image for real: imported into a private containerd and started by runc with a read-only root, as the
// image's USER, through its ENTRYPOINT with other arguments (ctr 1.6 replaces the whole command line, so the
// entrypoint is given again, as the image config holds it).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { startPrivateContainerd, type PrivateContainerd } from './containerd.js';

export interface RunningImage {
  /** Runs one container of the image to its end with `args` as its command line; returns its stdout. */
  run: (args: readonly string[]) => Promise<string>;
  stop: () => Promise<void>;
}

/** What a process in the image sees of itself: the chart's restricted security context depends on these. */
const IDENTITY_SCRIPT = [
  "const fs = require('node:fs');",
  'let rootWritable = true;',
  "try { fs.writeFileSync('/probe', 'x'); } catch { rootWritable = false; }",
  'console.log(JSON.stringify({',
  '  uid: process.getuid(), gid: process.getgid(), user: require("node:os").userInfo().username,',
  "  rootWritable, shell: fs.existsSync('/bin/sh'), caBundle: fs.existsSync('/etc/ssl/certs/ca-certificates.crt'),",
  '  node: process.version, zone: new Date(Date.UTC(2026, 0, 1)).toLocaleString("en-GB", { timeZone: "Europe/Berlin" }),',
  '  env: process.env,',
  '}));',
].join('\n');

const identitySchema = z.object({
  uid: z.number(),
  gid: z.number(),
  user: z.string(),
  rootWritable: z.boolean(),
  shell: z.boolean(),
  caBundle: z.boolean(),
  node: z.string(),
  zone: z.string(),
  env: z.record(z.string(), z.string()),
});

export type Identity = z.infer<typeof identitySchema>;

export async function startImage(archive: string, reference: string): Promise<RunningImage> {
  const containerd: PrivateContainerd = await startPrivateContainerd(mkdtempSync(join(tmpdir(), 'cro-ctr-')));
  let count = 0;
  try {
    await containerd.ctr(['images', 'import', archive], 'k8s.io');
  } catch (error) {
    await containerd.stop();
    throw error;
  }
  return {
    run: (args) => {
      count += 1;
      const id = `smoke-${String(process.pid)}-${String(count)}`;
      // runc's state and the stdio fifos in containerd's folder too, not under /run/containerd.
      const own = ['--runc-root', join(containerd.dir, 'runc'), '--fifo-dir', join(containerd.dir, 'fifo')];
      return containerd.ctr(['run', '--rm', '--read-only', ...own, reference, id, ...args], 'k8s.io');
    },
    stop: () => containerd.stop(),
  };
}

export interface SmokeResult {
  /** What `ENTRYPOINT --version` and `ENTRYPOINT crd` printed. */
  version: string;
  crd: string;
  identity: Identity;
}

/** Imports the image, runs `--version`, `crd` and the identity script in it, and stops containerd again. */
export async function smokeTest(
  archive: string,
  reference: string,
  entrypoint: readonly string[],
): Promise<SmokeResult> {
  const running = await startImage(archive, reference);
  try {
    const version = (await running.run([...entrypoint, '--version'])).trim();
    const crd = await running.run([...entrypoint, 'crd']);
    const identity = identitySchema.parse(
      JSON.parse(await running.run([entrypoint[0] ?? '', '-e', IDENTITY_SCRIPT])),
    );
    return { version, crd, identity };
  } finally {
    await running.stop();
  }
}

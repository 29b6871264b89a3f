// The images the node itself needs, built here and imported into its containerd, never pulled: the pause image
// (the sandbox every pod's containers join), from pause.c compiled static.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImage } from '../../image/oci.js';
import { run } from '../exec.js';
import { importImage } from './containerd.js';
import type { NodeLayout } from './layout.js';

/** The sandbox image's reference, as containerd's CRI is configured with it. */
export const PAUSE_IMAGE = 'localhost/testenv/pause:local';

const pauseSource = join(dirname(fileURLToPath(import.meta.url)), 'pause.c');

/** Compiles pause.c, builds its one-layer image and imports it into the node's containerd. */
export async function importPauseImage(layout: NodeLayout): Promise<void> {
  const dir = join(layout.dir, 'images');
  mkdirSync(dir, { recursive: true });
  const binary = join(dir, 'pause');
  await run('gcc', ['-static', '-Os', '-s', '-o', binary, pauseSource]);
  const [name, tag = 'local'] = PAUSE_IMAGE.split(/:(?=[^:]+$)/);
  const built = await buildImage(
    {
      name: name ?? PAUSE_IMAGE,
      tag,
      layers: [
        {
          entries: [{ path: '/pause', type: 'file', source: binary, mode: 0o755 }],
          comment: 'pause.c, static',
        },
      ],
      config: { entrypoint: ['/pause'], user: '65535:65535' },
    },
    join(dir, 'pause.tar'),
  );
  if (built.reference !== PAUSE_IMAGE)
    throw new Error(`pause image built as ${built.reference}, not ${PAUSE_IMAGE}`);
  await importImage(layout.containerdSocket, built.archive);
}

// `tsx hack/on-node.ts SCRIPT [ARGS...]`: runs a TypeScript entry point on the pinned Node (versions.node, fetched
// into the cache on first use), so that `npm run bench` and `npm run demo` run on the Node the image ships,
// whatever Node the machine has. Signals go to the script; its exit code is ours.
import { spawn } from 'node:child_process';
import { provisionNode } from './testenv/node.js';

const [script, ...args] = process.argv.slice(2);
if (script === undefined) {
  process.stderr.write('usage: tsx hack/on-node.ts SCRIPT [ARGS...]\n');
  process.exit(2);
}
const node = await provisionNode();
const child = spawn(node, ['--import', 'tsx', script, ...args], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    child.kill(signal);
  });
}
child.once('close', (code, signal) => {
  process.exit(code ?? (signal === null ? 1 : 128));
});

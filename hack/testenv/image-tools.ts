// What running the operator as it ships, and building and checking its image, need beyond the control plane: the
// pinned Node (hack/testenv/node.ts), and containerd and runc (Debian's packages) to import and run the image in a
// private containerd.
import { ensureDebianPackages } from './apt.js';
import { provisionNode } from './node.js';

export async function provisionImageTools(): Promise<{ node: string }> {
  await ensureDebianPackages(['containerd', 'runc']);
  return { node: await provisionNode() };
}

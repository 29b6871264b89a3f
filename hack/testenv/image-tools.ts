// What building and checking the operator's image needs beyond the control plane: containerd and runc (Debian's
// packages) to import and run the image in a private containerd.
import { ensureDebianPackages } from './apt.js';

export async function provisionImageTools(): Promise<void> {
  await ensureDebianPackages(['containerd', 'runc']);
}

// Debian packages the environment needs (containerd, runc, CNI plugins...), installed when missing: the README's
// two commands do all the set-up on a fresh machine of this kind. One helper for every caller, so that
// `apt-get update` runs at most once per process and concurrent installs wait for dpkg's lock, not fail on it.
import { exec, run } from './exec.js';
import { progress } from './progress.js';

let updated = false;

/** Packages of the list that dpkg does not know as installed. */
export async function missingDebianPackages(packages: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const name of packages) {
    const query = await exec('dpkg-query', ['-W', '-f=${db:Status-Status}', name]);
    if (query.code !== 0 || query.stdout.trim() !== 'installed') missing.push(name);
  }
  return missing;
}

/** Installs what is missing of `packages` with apt-get (needs root); a no-op when all are there. */
export async function ensureDebianPackages(packages: readonly string[]): Promise<void> {
  const missing = await missingDebianPackages(packages);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `missing Debian packages ${missing.join(', ')}: run \`apt-get install -y ${missing.join(' ')}\` as root`,
    );
  }
  progress(`installing Debian packages: ${missing.join(', ')}`);
  // Another process (a second test environment, the node's provisioning) may hold dpkg's lock for a while.
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!updated) {
    await run('apt-get', [...lock, 'update', '-q'], { env });
    updated = true;
  }
  await run('apt-get', [...lock, 'install', '-y', '-q', '--no-install-recommends', ...missing], { env });
}

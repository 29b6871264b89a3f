// `npm run gen:crd`: writes the ClusterRegistration CRD generated from the zod schemas in src/api.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRD_FILE, renderCrdYaml } from '../src/api/crd.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(repoRoot, CRD_FILE);
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, renderCrdYaml());
process.stdout.write(`wrote ${CRD_FILE}\n`);

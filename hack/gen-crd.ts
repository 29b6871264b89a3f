// `npm run gen:crd`: writes the ClusterRegistration CRD generated from the zod schemas in src/api, and the chart's
// copy (Helm installs CRDs only from the chart's own crds/ folder).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRD_FILE, renderCrdYaml } from '../src/api/crd.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const yaml = renderCrdYaml();
for (const file of [CRD_FILE, join('charts', 'cluster-registry-operator', CRD_FILE)]) {
  const target = join(repoRoot, file);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, yaml);
  process.stdout.write(`wrote ${file}\n`);
}

// What the chart tests share, and what the end-to-end and cluster tests reuse: the chart's location, rendering
// it, a kubeconfig that authenticates as a ServiceAccount, and asking with it what the chart's rights allow.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { bundle } from '../../../hack/bundle.js';
import { exec, type ExecResult } from '../../../hack/testenv/exec.js';
import { onCleanup } from '../../support/cleanup.js';
import { helm, kubectl } from '../../support/testenv.js';

export const repoRoot = join(import.meta.dirname, '..', '..', '..');
export const chartDir = join(repoRoot, 'charts', 'cluster-registry-operator');
export const allOnValues = join(chartDir, 'ci', 'all-on-values.yaml');

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

/** `helm template` of the chart; throws with helm's message when it fails. */
export async function renderChart(
  release: string,
  namespace: string,
  args: string[] = [],
): Promise<Manifest[]> {
  const result = await helm(['template', release, chartDir, '--namespace', namespace, ...args]);
  if (result.code !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((document) => document.toJS() as Manifest | null)
    .filter((manifest): manifest is Manifest => manifest !== null);
}

/** The one manifest of a kind (and name, when given); throws when there is none. */
export function findManifest(manifests: readonly Manifest[], kind: string, name?: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  if (found === undefined) throw new Error(`no ${kind}${name === undefined ? '' : ` ${name}`} rendered`);
  return found;
}

interface KubeconfigCluster {
  server: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
}

/**
 * Writes a kubeconfig for ServiceAccount `namespace/name`: a fresh token from the TokenRequest API
 * (`kubectl create token`), with the server and CA of the environment's admin kubeconfig. Returns the file's path.
 */
export async function serviceAccountKubeconfig(
  namespace: string,
  name: string,
  options: { duration?: string; dir?: string } = {},
): Promise<string> {
  const token = await kubectl([
    'create',
    'token',
    name,
    '-n',
    namespace,
    `--duration=${options.duration ?? '1h'}`,
  ]);
  if (token.code !== 0) throw new Error(`kubectl create token ${namespace}/${name}: ${token.stderr}`);
  const view = await kubectl(['config', 'view', '--minify', '--raw', '-o', 'json']);
  if (view.code !== 0) throw new Error(`kubectl config view: ${view.stderr}`);
  const { clusters } = JSON.parse(view.stdout) as { clusters: { cluster: KubeconfigCluster }[] };
  const cluster = clusters[0]?.cluster;
  if (cluster === undefined) throw new Error('the admin kubeconfig has no cluster');
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'cluster', cluster }],
    users: [{ name, user: { token: token.stdout.trim() } }],
    contexts: [{ name, context: { cluster: 'cluster', user: name, namespace } }],
    'current-context': name,
  };
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'sa-kubeconfig-')));
  const path = join(dir, `${namespace}-${name}.kubeconfig`);
  // JSON is YAML: kubectl, helm and client-node all read it.
  await writeFile(path, JSON.stringify(kubeconfig, null, 2), { mode: 0o600 });
  return path;
}

/** [verb, resource, namespace?, extra flags]: what `kubectl auth can-i` is asked. */
export type Question = [string, string, string?, ...string[]];

async function canI(kubeconfig: string, [verb, resource, namespace, ...flags]: Question): Promise<boolean> {
  const scope = namespace === undefined ? [] : ['-n', namespace];
  const result = await kubectl(['auth', 'can-i', verb, resource, ...scope, ...flags], { kubeconfig });
  // 0 is yes, 1 is no; anything else (or a message on stderr) is a failure to ask.
  if (result.code > 1 || result.stderr.includes('error'))
    throw new Error(`can-i ${verb} ${resource}: ${result.stderr}`);
  return result.code === 0;
}

/** Asks every question with `kubeconfig`'s identity; fails listing each answer that differs. */
export async function assertRights(
  kubeconfig: string,
  allowed: Question[],
  denied: Question[],
): Promise<void> {
  const answers = await Promise.all([...allowed, ...denied].map((q) => canI(kubeconfig, q)));
  const wrong = [...allowed, ...denied]
    .map((question, i) => ({ question, answer: answers[i], expected: i < allowed.length }))
    .filter(({ answer, expected }) => answer !== expected)
    .map(({ question, expected }) => `${expected ? 'cannot' : 'CAN'} ${question.filter(Boolean).join(' ')}`);
  assert.deepEqual(wrong, [], 'rights differ from what the chart intends');
}

/**
 * Runs `cluster-registry-operator <args>` from the sources (`tsx src/cli/main.ts`) with the environment
 * given (merged over this process's).
 */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ExecResult> {
  return exec(process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'cli', 'main.ts'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
  });
}

/** The image's one file, bundled alone into a temporary folder (removed after the test). */
export async function buildBundle(t: TestContext): Promise<{ file: string; bytes: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'cro-bundle-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'cluster-registry-operator.mjs');
  const { bytes } = await bundle(file);
  return { file, bytes };
}

/**
 * Creates a namespace that enforces (and warns about) the restricted Pod Security profile, deleted after the test
 * without waiting: its objects go with it (with a node, the namespace controller then removes the namespace too).
 * After the cleanups registered later (a release in it is uninstalled first, its hook still able to run there).
 */
export async function createRestrictedNamespace(t: TestContext, name: string): Promise<void> {
  const created = await kubectl(['create', 'namespace', name]);
  if (created.code !== 0) throw new Error(`kubectl create namespace ${name}: ${created.stderr}`);
  const labelled = await kubectl([
    'label',
    'namespace',
    name,
    'pod-security.kubernetes.io/enforce=restricted',
    'pod-security.kubernetes.io/warn=restricted',
  ]);
  if (labelled.code !== 0) throw new Error(`kubectl label namespace ${name}: ${labelled.stderr}`);
  onCleanup(t, async () => {
    await kubectl(['delete', 'namespace', name, '--wait=false']);
  });
}

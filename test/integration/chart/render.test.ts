// The chart without a cluster: lint, rendering with default and all-on values, the values schema, and the
// CRD copy. (It is under integration/ because it needs the environment's helm.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CRD_FILE } from '../../../src/api/crd.js';
import {
  BROKER_PATTERN,
  DISPLAY_NAME_PATTERN,
  DNS_SUBDOMAIN_PATTERN,
  TOKEN_PATTERN,
} from '../../../src/api/fields.js';
import { DURATION_PATTERN } from '../../../src/api/duration.js';
import { parse } from 'yaml';
import { helm } from '../../support/testenv.js';
import { allOnValues, chartDir, findManifest, renderChart, repoRoot, type Manifest } from './support.js';

interface Container {
  name: string;
  image: string;
  imagePullPolicy: string;
  args: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  securityContext: Record<string, unknown>;
  livenessProbe?: { httpGet: { path: string } };
  readinessProbe?: { httpGet: { path: string } };
  resources: { requests?: unknown; limits?: unknown };
}
interface PodSpec {
  securityContext: Record<string, unknown>;
  serviceAccountName: string;
  containers: Container[];
  affinity?: { podAffinity?: unknown };
}
interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

function podSpec(manifest: Manifest): PodSpec {
  return (manifest.spec as { template: { spec: PodSpec } }).template.spec;
}

function rules(manifest: Manifest): Rule[] {
  return (manifest as unknown as { rules: Rule[] }).rules;
}

function only<T>(items: readonly T[]): T {
  assert.equal(items.length, 1);
  return items[0] as T;
}

const restrictedContainer = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

test('helm lint passes with the default values and with every option on', async () => {
  for (const args of [[], ['--values', allOnValues]]) {
    const result = await helm(['lint', '--strict', chartDir, ...args]);
    assert.equal(result.code, 0, `helm lint ${args.join(' ')}:\n${result.stdout}${result.stderr}`);
  }
});

test('default values: a restricted one-replica operator, no ClusterRegistration, a pre-delete hook on the same image', async () => {
  const manifests = await renderChart('reg', 'registry');
  const deployment = findManifest(manifests, 'Deployment');
  assert.equal((deployment.spec as { replicas: number }).replicas, 1);
  const pod = podSpec(deployment);
  const operator = only(pod.containers);
  assert.equal(operator.image, 'ghcr.io/kgroot/cluster-registry-operator:0.1.0');
  assert.equal(operator.args[0], 'run');
  assert.ok(operator.args.includes('--leader-election-id=reg-cluster-registry-operator'));
  assert.equal(operator.livenessProbe?.httpGet.path, '/healthz');
  assert.equal(operator.readinessProbe?.httpGet.path, '/readyz');
  assert.ok(operator.resources.requests !== undefined && operator.resources.limits !== undefined);
  assert.deepEqual(operator.securityContext, restrictedContainer);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  const env = Object.fromEntries((operator.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
  assert.equal(env.LEADER_ELECT, 'true');
  assert.equal(env.HELM_RELEASE_NAME, 'reg');
  assert.equal(env.HELM_CHART_VERSION, '0.1.0');
  assert.deepEqual(env.POD_NAME, { fieldRef: { fieldPath: 'metadata.name' } });
  assert.deepEqual(env.POD_NAMESPACE, { fieldRef: { fieldPath: 'metadata.namespace' } });

  assert.ok(!manifests.some((m) => m.kind === 'ClusterRegistration' || m.kind === 'Secret'));
  for (const kind of ['ServiceMonitor', 'PodDisruptionBudget', 'NetworkPolicy']) {
    assert.ok(!manifests.some((m) => m.kind === kind), `${kind} is off by default`);
  }

  const job = findManifest(manifests, 'Job');
  assert.equal(job.metadata.annotations?.['helm.sh/hook'], 'pre-delete');
  const hookPod = podSpec(job);
  const hook = only(hookPod.containers);
  assert.equal(hook.image, operator.image, 'the hook runs the image the operator already pulled');
  assert.equal(hook.imagePullPolicy, 'IfNotPresent');
  assert.deepEqual(hook.args, [
    'uninstall-hook',
    '--selector=app.kubernetes.io/instance=reg',
    '--timeout=4m',
  ]);
  assert.deepEqual(hook.securityContext, restrictedContainer);
  assert.ok(hookPod.affinity?.podAffinity !== undefined, 'scheduled beside the operator');
  // Its own ServiceAccount, created before the Job and never after the release is gone.
  assert.equal(hookPod.serviceAccountName, 'reg-cluster-registry-operator-uninstall');
  for (const kind of ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding']) {
    const hookObject = findManifest(
      manifests,
      kind,
      kind === 'ServiceAccount'
        ? hookPod.serviceAccountName
        : 'reg-cluster-registry-operator-registry-uninstall',
    );
    const annotations = hookObject.metadata.annotations ?? {};
    assert.equal(annotations['helm.sh/hook'], 'pre-delete');
    assert.match(annotations['helm.sh/hook-delete-policy'] ?? '', /hook-succeeded/);
  }
});

test('the operator is granted exactly what it uses: nothing cluster-wide on Secrets, no delete anywhere', async () => {
  const manifests = await renderChart('reg', 'registry');
  const clusterRole = findManifest(manifests, 'ClusterRole', 'reg-cluster-registry-operator-registry');
  assert.deepEqual(rules(clusterRole), [
    {
      apiGroups: ['registry.kgroot.io'],
      resources: ['clusterregistrations'],
      verbs: ['get', 'list', 'watch', 'patch', 'update'],
    },
    {
      apiGroups: ['registry.kgroot.io'],
      resources: ['clusterregistrations/status'],
      verbs: ['get', 'patch', 'update'],
    },
    { apiGroups: ['registry.kgroot.io'], resources: ['clusterregistrations/finalizers'], verbs: ['update'] },
    { apiGroups: [''], resources: ['namespaces'], resourceNames: ['kube-system'], verbs: ['get'] },
    { apiGroups: [''], resources: ['nodes'], verbs: ['list'] },
    { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
  ]);
  const role = findManifest(manifests, 'Role');
  assert.equal(role.metadata.namespace, 'registry');
  assert.deepEqual(rules(role), [
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    {
      apiGroups: ['coordination.k8s.io'],
      resources: ['leases'],
      resourceNames: ['reg-cluster-registry-operator'],
      verbs: ['get', 'update', 'watch'],
    },
    { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
  ]);
  const hookRole = findManifest(manifests, 'ClusterRole', 'reg-cluster-registry-operator-registry-uninstall');
  assert.deepEqual(rules(hookRole), [
    { apiGroups: ['registry.kgroot.io'], resources: ['clusterregistrations'], verbs: ['list', 'delete'] },
  ]);
});

test('every option on renders every optional object, and the ClusterRegistration the values describe', async () => {
  const manifests = await renderChart('reg', 'registry', ['--values', allOnValues]);
  for (const kind of ['ServiceMonitor', 'PodDisruptionBudget', 'NetworkPolicy', 'Service', 'Secret']) {
    findManifest(manifests, kind);
  }
  const deployment = findManifest(manifests, 'Deployment');
  assert.equal((deployment.spec as { replicas: number }).replicas, 3);
  const operator = only(podSpec(deployment).containers);
  assert.match(operator.image, /@sha256:[0-9a-f]{64}$/);
  assert.equal(only(podSpec(findManifest(manifests, 'Job')).containers).image, operator.image);

  const registration = findManifest(manifests, 'ClusterRegistration');
  assert.equal(registration.metadata.name, 'acme-prod.eu-1', 'the clientId made a valid object name');
  assert.equal(registration.metadata.labels?.['app.kubernetes.io/instance'], 'reg');
  assert.deepEqual(registration.spec, {
    clientId: 'Acme_Prod.EU-1',
    clusterName: 'Production EU 1 (Frankfurt)',
    region: 'eu-west-1',
    labels: { environment: 'production', team: 'platform' },
    kafka: {
      brokers: ['kafka-0.registry.example.com:9093', '[fd00::1]:9093'],
      tls: {
        caSecretRef: { name: 'kafka-ca', key: 'ca.pem' },
        clientCertificateSecretRef: { name: 'kafka-client-tls' },
      },
      sasl: {
        mechanism: 'scram-sha-256',
        secretRef: { name: 'registry-operator-kafka-sasl', usernameKey: 'user', passwordKey: 'pass' },
      },
    },
    topics: { registry: 'cluster.registry', heartbeat: 'cluster.heartbeat' },
    heartbeat: { enabled: true, interval: '20s' },
    reassertInterval: '5m',
    deletionPolicy: 'Deregister',
  });
  const secret = findManifest(manifests, 'Secret', 'registry-operator-kafka-sasl');
  assert.equal(secret.metadata.namespace, 'registry', 'in the operator namespace, where Secrets are read');
  assert.deepEqual((secret as unknown as { stringData: unknown }).stringData, {
    user: 'acme-prod-eu',
    pass: 'change-me',
  });
});

test("the old chart's two --set flags register the cluster; `tls.enabled` alone means TLS with the system roots", async () => {
  const manifests = await renderChart('reg', 'registry', [
    '--set',
    'registration.clientId=acme',
    '--set',
    'registration.kafka.brokers={kafka:9092}',
    '--set',
    'registration.kafka.tls.enabled=true',
    '--set',
    'registration.kafka.sasl.existingSecret=kafka-credentials',
  ]);
  const registration = findManifest(manifests, 'ClusterRegistration', 'acme');
  assert.deepEqual(registration.spec, {
    clientId: 'acme',
    kafka: {
      brokers: ['kafka:9092'],
      tls: {},
      sasl: {
        mechanism: 'scram-sha-512',
        secretRef: { name: 'kafka-credentials', usernameKey: 'username', passwordKey: 'password' },
      },
    },
  });
  assert.ok(!manifests.some((m) => m.kind === 'Secret'), 'an existing Secret is referenced, not created');
});

test('the values schema and the templates reject bad values with a message naming them', async () => {
  const cases: { set: string[]; message: RegExp }[] = [
    {
      set: ['registration.clientId=acme', 'registration.kafka.brokers={nohost}'],
      message: /\/registration\/kafka\/brokers\/0.*'nohost' does not match pattern/,
    },
    { set: ['replicaCount=-1'], message: /\/replicaCount.*minimum/ },
    { set: ['registration.clientId=-bad-'], message: /\/registration\/clientId/ },
    { set: ['registration.kafka.sasl.mechanism=md5'], message: /\/registration\/kafka\/sasl\/mechanism/ },
    { set: ['uninstallHook.timeout=soon'], message: /\/uninstallHook\/timeout.*does not match pattern/ },
    { set: ['imagePullPolicy=Always'], message: /additional properties 'imagePullPolicy' not allowed/ },
    { set: ['operator.logLevel=verbose'], message: /\/operator\/logLevel/ },
    { set: ['registration.clientId=acme'], message: /registration\.kafka\.brokers: at least one host:port/ },
    {
      set: [
        'registration.clientId=acme',
        'registration.kafka.brokers={kafka:9092}',
        'registration.kafka.sasl.username=u',
      ],
      message: /registration\.kafka\.sasl\.password: needed/,
    },
    {
      set: ['metrics.service.enabled=false', 'metrics.serviceMonitor.enabled=true'],
      message: /needs metrics\.service\.enabled/,
    },
  ];
  for (const { set, message } of cases) {
    const result = await helm(['template', 'reg', chartDir, ...set.flatMap((s) => ['--set', s])]);
    assert.notEqual(result.code, 0, `--set ${set.join(' ')} was accepted`);
    assert.match(result.stderr, message, `--set ${set.join(' ')}`);
  }
});

test("the schema checks values with the API's own patterns", () => {
  const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as {
    properties: Record<string, { properties: Record<string, unknown> }>;
  };
  const registration = schema.properties.registration?.properties as Record<
    string,
    { anyOf?: { pattern?: string }[]; properties?: Record<string, { items?: { pattern: string } }> }
  >;
  assert.equal(registration.kafka?.properties?.brokers?.items?.pattern, BROKER_PATTERN.source);
  assert.equal(registration.clientId?.anyOf?.[1]?.pattern, TOKEN_PATTERN.source);
  assert.equal(registration.clusterName?.anyOf?.[1]?.pattern, DISPLAY_NAME_PATTERN.source);
  assert.equal(registration.name?.anyOf?.[1]?.pattern, DNS_SUBDOMAIN_PATTERN.source);
  const hook = schema.properties.uninstallHook?.properties as Record<string, { pattern?: string }>;
  assert.equal(hook.timeout?.pattern, DURATION_PATTERN.source);
});

test('the chart ships the generated CRD, byte for byte', () => {
  const generated = readFileSync(join(repoRoot, CRD_FILE));
  const shipped = readFileSync(join(chartDir, CRD_FILE));
  assert.ok(
    generated.equals(shipped),
    `charts/cluster-registry-operator/crds/ differs from ${CRD_FILE}: copy it after \`npm run gen:crd\``,
  );
});

/** Paths of values.yaml's leaves; a `resources` block counts as one value. */
function valuePaths(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || prefix.at(-1) === 'resources') {
    return [prefix];
  }
  const entries = Object.entries(value);
  return entries.length === 0
    ? [prefix]
    : entries.flatMap(([key, child]) => valuePaths(child, [...prefix, key]));
}

test('docs/helm.md names every value of values.yaml', () => {
  const docs = readFileSync(join(repoRoot, 'docs', 'helm.md'), 'utf8');
  const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as unknown;
  // The table groups siblings (`leaderElection.leaseDuration`, `renewDeadline`): each key's own name must appear.
  const missing = valuePaths(values)
    .filter((path) => !docs.includes(`\`${path.join('.')}\``) && !docs.includes(`${path.at(-1) ?? ''}\``))
    .map((path) => path.join('.'));
  assert.deepEqual(missing, [], 'values without a line in docs/helm.md');
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ConditionReason,
  ConditionType,
  Defaults,
  effectiveClusterName,
  formatPath,
  parseClusterRegistration,
  parseStatus,
  type ClusterRegistrationSpec,
  type Condition,
} from '../../../src/api/index.js';
import {
  acceptedClusterNames,
  brokenManifest,
  malformedCases,
  minimalManifest,
  validManifest,
} from './fixtures/manifests.js';

/** Issues at the field, or inside it. */
function issuePathsFor(obj: unknown): string[] {
  const result = parseClusterRegistration(obj);
  if (result.ok) assert.fail('expected the manifest to be rejected');
  return result.issues.map((issue) => issue.path);
}

function within(path: string, field: string): boolean {
  return path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`);
}

describe('parseClusterRegistration', () => {
  test('fills every default into a minimal manifest, as the CRD does', () => {
    const result = parseClusterRegistration(minimalManifest('m', 'acme'));
    assert.ok(result.ok);
    const expected: ClusterRegistrationSpec = {
      clientId: 'acme',
      kafka: { brokers: ['kafka.example.com:9092'] },
      topics: { registry: 'cluster.registry', heartbeat: 'cluster.heartbeat' },
      heartbeat: { enabled: true, interval: '30s' },
      reassertInterval: '10m',
      deletionPolicy: 'Deregister',
      suspend: false,
    };
    assert.deepEqual(result.value.spec, expected);
    assert.equal(result.value.status, undefined);
  });

  test('keeps every field of a full manifest and defaults the nested ones', () => {
    const result = parseClusterRegistration(validManifest('v'));
    assert.ok(result.ok, result.ok ? '' : result.message);
    const { kafka } = result.value.spec;
    assert.deepEqual(kafka.tls, {
      enabled: true,
      caSecretRef: { name: 'kafka-ca', key: Defaults.caKey },
      clientCertificateSecretRef: {
        name: 'kafka-client-tls',
        certificateKey: Defaults.clientCertificateKey,
        privateKeyKey: Defaults.clientPrivateKeyKey,
      },
      insecureSkipVerify: false,
    });
    assert.deepEqual(kafka.sasl, {
      mechanism: 'scram-sha-256',
      secretRef: { name: 'kafka-credentials', usernameKey: 'username', passwordKey: 'password' },
    });
    assert.equal(result.value.spec.deletionPolicy, 'Orphan');
  });

  test('defaults an empty tls block to verified TLS and a SASL block to SCRAM-SHA-512', () => {
    const manifest = minimalManifest();
    (manifest.spec as { kafka: Record<string, unknown> }).kafka.tls = {};
    (manifest.spec as { kafka: Record<string, unknown> }).kafka.sasl = { secretRef: { name: 'creds' } };
    const result = parseClusterRegistration(manifest);
    assert.ok(result.ok);
    assert.deepEqual(result.value.spec.kafka.tls, { enabled: true, insecureSkipVerify: false });
    assert.equal(result.value.spec.kafka.sasl?.mechanism, 'scram-sha-512');
  });

  test('the cluster name defaults to the client id', () => {
    assert.equal(effectiveClusterName({ clientId: 'acme' }), 'acme');
    assert.equal(effectiveClusterName({ clientId: 'acme', clusterName: 'prod-1' }), 'prod-1');
  });

  test('accepts a display name as clusterName: printable text in any script, up to 253 characters', () => {
    for (const clusterName of acceptedClusterNames) {
      const manifest = minimalManifest();
      (manifest.spec as Record<string, unknown>).clusterName = clusterName;
      const result = parseClusterRegistration(manifest);
      assert.ok(result.ok, `${clusterName}: ${result.ok ? '' : result.message}`);
      assert.equal(effectiveClusterName(result.value.spec), clusterName);
    }
  });

  test('a rejected clusterName says what the field takes', () => {
    const manifest = minimalManifest();
    (manifest.spec as Record<string, unknown>).clusterName = 'EU\n1';
    const result = parseClusterRegistration(manifest);
    assert.ok(!result.ok);
    assert.match(result.message, /^spec\.clusterName: must be 1 to 253 printable characters/);
  });

  test('accepts the duration bounds themselves', () => {
    for (const interval of ['5s', '10m']) {
      const manifest = minimalManifest();
      (manifest.spec as Record<string, unknown>).heartbeat = { interval };
      assert.ok(parseClusterRegistration(manifest).ok, interval);
    }
  });

  // The same table the integration test applies to the API server: what admission rejects, zod rejects,
  // at the same field. The transition rule (immutable clientId) needs the old object and is admission's alone.
  for (const c of malformedCases.filter((each) => each.onUpdate !== true)) {
    test(`rejects ${c.name}, naming ${c.field}`, () => {
      const paths = issuePathsFor(brokenManifest(c));
      assert.ok(
        paths.some((path) => within(path, c.field)),
        `no issue at ${c.field}: ${paths.join(', ')}`,
      );
    });
  }

  test('reports every problem at once, in one line that names each field', () => {
    const manifest = minimalManifest();
    const spec = manifest.spec as Record<string, unknown>;
    delete spec.clientId;
    spec.kafka = { brokers: ['no-port'], sasl: { secretRef: { name: 'x' }, password: 'p' } };
    const result = parseClusterRegistration(manifest);
    assert.ok(!result.ok);
    assert.deepEqual(
      result.issues.map((issue) => issue.path),
      ['spec.clientId', 'spec.kafka.brokers[0]', 'spec.kafka.sasl.password'],
    );
    assert.match(
      result.message,
      /^spec\.clientId: is required; spec\.kafka\.brokers\[0\]: must be host:port/,
    );
    assert.match(result.message, /spec\.kafka\.sasl\.password: unknown field$/);
  });

  test('never throws on input that is not an object', () => {
    for (const input of [undefined, null, 42, 'creg', []]) {
      const result = parseClusterRegistration(input);
      if (result.ok) assert.fail(`accepted ${JSON.stringify(input)}`);
      assert.ok(result.message.length > 0);
    }
  });

  test('rejects another kind or API version', () => {
    assert.deepEqual(issuePathsFor({ ...minimalManifest(), kind: 'ConfigMap' }), ['kind']);
    assert.deepEqual(issuePathsFor({ ...minimalManifest(), apiVersion: 'registry.kgroot.io/v1' }), [
      'apiVersion',
    ]);
  });

  test('reads a valid status', () => {
    const condition: Condition = {
      type: ConditionType.Ready,
      status: 'True',
      reason: ConditionReason.Registered,
      message: '',
      lastTransitionTime: '2026-11-20T10:00:00Z',
      observedGeneration: 3,
    };
    const status = {
      observedGeneration: 3,
      clusterId: 'b3c1d8e2-0000-4000-8000-000000000000',
      conditions: [condition],
      lastRegisteredTime: '2026-11-20T10:00:00Z',
      lastHeartbeatTime: '2026-11-20T10:00:30.123+01:00',
      lastRegistration: { topic: 'cluster.registry', partition: 0, offset: '9007199254740993' },
    };
    const result = parseClusterRegistration({ ...minimalManifest(), status });
    assert.ok(result.ok);
    assert.deepEqual(result.value.status, status);
    assert.deepEqual(parseStatus({ status }), status, 'parseStatus reads the same status');
  });

  test('reads a status that carries a field of a newer version, dropping only that field', () => {
    const status = { observedGeneration: 2, futureField: 'x' };
    const result = parseClusterRegistration({ ...minimalManifest(), status });
    assert.ok(result.ok);
    assert.deepEqual(result.value.status, { observedGeneration: 2 });
    assert.deepEqual(parseStatus({ status }), { observedGeneration: 2 });
  });

  test('treats an invalid status as empty instead of failing the object', () => {
    const status = { conditions: [{ type: 'Ready', status: 'Maybe' }] };
    const result = parseClusterRegistration({ ...minimalManifest(), status });
    assert.ok(result.ok);
    assert.equal(result.value.status, undefined);
    assert.equal(parseStatus({ status }), undefined);
    // The control: the same condition with a valid status value is read.
    const fixed = {
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Registered',
          message: '',
          lastTransitionTime: '2026-11-20T10:00:00Z',
        },
      ],
    };
    assert.deepEqual(parseStatus({ status: fixed }), fixed);
  });

  test('reads a status that is absent or null as none, whatever the spec', () => {
    for (const status of [undefined, null]) {
      const result = parseClusterRegistration({ ...minimalManifest(), status });
      assert.ok(result.ok);
      assert.equal(result.value.status, undefined);
      assert.equal(parseStatus({ status }), undefined);
    }
    assert.equal(parseStatus(null), undefined);
  });

  test('rejects a repeated condition type, as the CRD list map does', () => {
    const condition = {
      type: 'Ready',
      status: 'True',
      reason: 'Registered',
      message: '',
      lastTransitionTime: '2026-11-20T10:00:00Z',
    };
    const result = parseClusterRegistration({
      ...minimalManifest(),
      status: { conditions: [condition, condition] },
    });
    assert.ok(result.ok);
    assert.equal(
      result.value.status,
      undefined,
      'a status with a repeated condition type is treated as empty',
    );
    assert.deepEqual(parseStatus({ status: { conditions: [condition] } }), { conditions: [condition] });
  });
});

describe('Condition', () => {
  test('is structurally metav1.Condition', () => {
    interface MetaV1Condition {
      type: string;
      status: 'True' | 'False' | 'Unknown';
      reason: string;
      message: string;
      lastTransitionTime: string;
      observedGeneration?: number | undefined;
    }
    // Compiles only while the two types are mutually assignable.
    const same: [Condition] extends [MetaV1Condition]
      ? [MetaV1Condition] extends [Condition]
        ? true
        : false
      : false = true;
    assert.equal(same, true);
  });

  test('every reason fits metav1.Condition reason syntax', () => {
    for (const reason of Object.values(ConditionReason)) {
      assert.match(reason, /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/);
    }
  });
});

describe('formatPath', () => {
  test('writes paths the way the API server does', () => {
    assert.equal(formatPath(['spec', 'kafka', 'brokers', 0]), 'spec.kafka.brokers[0]');
    assert.equal(formatPath(['spec', 'labels', 'team.name']), 'spec.labels["team.name"]');
    assert.equal(formatPath([]), '(root)');
  });
});

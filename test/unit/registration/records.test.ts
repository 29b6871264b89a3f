import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  heartbeatRecord,
  registrationRecord,
  tombstoneRecord,
  type RegistrationInput,
} from '../../../src/registration/records.js';
import { rfc3339 } from '../../../src/runtime/kube/time.js';

const RFC3339_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const origin = {
  clientId: 'acme-prod-eu',
  clusterUid: '6f1c2b1e-3f4a-4d7e-9a51-0c2f1e8b7d10',
  objectName: 'prod-eu',
  objectUid: 'a3b0c6f2-1d2e-4f5a-8b9c-0d1e2f3a4b5c',
  generation: 3,
  now: new Date('2026-11-20T10:00:00.789Z'),
  eventId: 'evt-1',
};

const registration: RegistrationInput = {
  ...origin,
  topic: 'cluster.registry',
  clusterName: 'prod-eu-1',
  region: 'eu-west-1',
  labels: { team: 'sre', name: 'not-the-object-name' },
  kubernetesVersion: 'v1.34.4',
  nodeCount: 12,
  operatorVersion: '0.1.0',
};

type FieldType = 'string' | 'time' | 'object' | 'number';

/**
 * Decodes like the control plane's Go consumer with encoding/json into a struct: every field it knows must be
 * present with the right type (time.Time demands RFC 3339), and since Go matches names case-insensitively, no two
 * keys may differ only in case (the later would silently win).
 */
function goDecode(json: string, fields: Record<string, FieldType>): Record<string, unknown> {
  const parsed: unknown = JSON.parse(json);
  assert.ok(
    typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed),
    'value is a JSON object',
  );
  const value = parsed as Record<string, unknown>;
  const lower = Object.keys(value).map((key) => key.toLowerCase());
  assert.equal(new Set(lower).size, lower.length, 'no keys that differ only in case');
  for (const [field, type] of Object.entries(fields)) {
    const v = value[field];
    switch (type) {
      case 'string':
        assert.equal(typeof v, 'string', `${field} is a string`);
        break;
      case 'time':
        assert.equal(typeof v, 'string', `${field} is a string`);
        assert.match(v as string, RFC3339_SECONDS, `${field} is RFC 3339 in UTC`);
        break;
      case 'object':
        assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v), `${field} is an object`);
        break;
      case 'number':
        assert.equal(typeof v, 'number', `${field} is a number`);
        break;
    }
  }
  return value;
}

describe('registration record', () => {
  test('value is exactly the contract JSON, a superset of the old Jobs', () => {
    const record = registrationRecord({
      ...registration,
      namespace: 'cluster-registry-system',
      releaseName: 'cluster-registry-operator',
      chartVersion: '0.1.0',
    });
    assert.equal(
      record.value,
      '{"client_id":"acme-prod-eu","cluster_name":"prod-eu-1","version":"0.1.0",' +
        '"registered_at":"2026-11-20T10:00:00Z","status":"active","region":"eu-west-1",' +
        '"timestamp":"2026-11-20T10:00:00Z","chart_version":"0.1.0",' +
        '"metadata":{"cluster_uid":"6f1c2b1e-3f4a-4d7e-9a51-0c2f1e8b7d10","kubernetes_version":"v1.34.4",' +
        '"node_count":12,"name":"prod-eu","generation":3,"operator_version":"0.1.0",' +
        '"labels":{"team":"sre","name":"not-the-object-name"},"namespace":"cluster-registry-system",' +
        '"release_name":"cluster-registry-operator","chart_version":"0.1.0"}}',
    );
  });

  test('decodes into the control plane registry struct, with status active', () => {
    const record = registrationRecord(registration);
    assert.notEqual(record.value, null);
    const value = goDecode(record.value ?? '', {
      client_id: 'string',
      cluster_name: 'string',
      version: 'string',
      registered_at: 'time',
      metadata: 'object',
      status: 'string',
      timestamp: 'time',
    });
    assert.equal(value.status, 'active');
    const metadata = value.metadata as Record<string, unknown>;
    goDecode(JSON.stringify(metadata), {
      cluster_uid: 'string',
      kubernetes_version: 'string',
      node_count: 'number',
      name: 'string',
      generation: 'number',
      operator_version: 'string',
      labels: 'object',
    });
  });

  test('labels are nested, so a label named like a metadata field changes nothing', () => {
    const value = JSON.parse(registrationRecord(registration).value ?? '') as {
      metadata: { name: string; labels: Record<string, string> };
    };
    assert.equal(value.metadata.name, 'prod-eu');
    assert.deepEqual(value.metadata.labels, { team: 'sre', name: 'not-the-object-name' });
  });

  test('unknown optional fields are left out rather than sent empty', () => {
    const value = JSON.parse(
      registrationRecord({ ...registration, region: undefined }).value ?? '',
    ) as Record<string, unknown>;
    assert.equal('region' in value, false);
    assert.equal('chart_version' in value, false);
    const metadata = value.metadata as Record<string, unknown>;
    for (const field of ['namespace', 'release_name', 'chart_version'])
      assert.equal(field in metadata, false);
  });

  test('registered_at keeps the first registration time; timestamp is the time of sending', () => {
    const value = JSON.parse(
      registrationRecord({ ...registration, registeredAt: new Date('2026-01-02T03:04:05Z') }).value ?? '',
    ) as Record<string, unknown>;
    assert.equal(value.registered_at, '2026-01-02T03:04:05Z');
    assert.equal(value.timestamp, '2026-11-20T10:00:00Z');
  });

  test('key is the client id on the given topic', () => {
    const record = registrationRecord({ ...registration, topic: 'custom.registry' });
    assert.equal(record.key, 'acme-prod-eu');
    assert.equal(record.topic, 'custom.registry');
  });

  test('refuses values the control plane could not decode', () => {
    assert.throws(() => registrationRecord({ ...registration, nodeCount: 1.5 }), RangeError);
    assert.throws(() => registrationRecord({ ...registration, nodeCount: -1 }), RangeError);
    assert.throws(() => registrationRecord({ ...registration, clientId: '' }), TypeError);
    assert.throws(() => registrationRecord({ ...registration, now: new Date(Number.NaN) }), RangeError);
  });
});

describe('heartbeat record', () => {
  test('value is exactly the contract JSON', () => {
    const record = heartbeatRecord({ ...origin, topic: 'cluster.heartbeat' });
    assert.equal(
      record.value,
      '{"client_id":"acme-prod-eu","timestamp":"2026-11-20T10:00:00Z","status":"healthy","metrics":{}}',
    );
    assert.equal(record.key, 'acme-prod-eu');
    assert.equal(record.topic, 'cluster.heartbeat');
  });

  test('decodes into the control plane heartbeat struct', () => {
    const record = heartbeatRecord({ ...origin, topic: 'cluster.heartbeat', metrics: { node_count: 12 } });
    const value = goDecode(record.value ?? '', {
      client_id: 'string',
      timestamp: 'time',
      status: 'string',
      metrics: 'object',
    });
    assert.equal(value.status, 'healthy');
    assert.deepEqual(value.metrics, { node_count: 12 });
  });

  test('refuses metrics JSON cannot carry', () => {
    assert.throws(
      () => heartbeatRecord({ ...origin, topic: 'cluster.heartbeat', metrics: { x: Number.NaN } }),
      RangeError,
    );
  });
});

describe('tombstone record', () => {
  test('same key and topic as the registration, null value', () => {
    const record = tombstoneRecord({ ...origin, topic: 'cluster.registry' });
    const registered = registrationRecord(registration);
    assert.equal(record.value, null);
    assert.equal(record.key, registered.key);
    assert.equal(record.topic, registered.topic);
  });
});

describe('headers', () => {
  const common = [
    'ce_specversion',
    'ce_id',
    'ce_source',
    'ce_type',
    'ce_subject',
    'ce_time',
    'registry_event',
    'registry_schema_version',
    'registry_object_uid',
    'registry_object_generation',
  ];

  test('registration: CloudEvents binary binding plus the registry fields', () => {
    assert.deepEqual(registrationRecord(registration).headers, {
      ce_specversion: '1.0',
      ce_id: 'evt-1',
      ce_source: '/clusters/6f1c2b1e-3f4a-4d7e-9a51-0c2f1e8b7d10/clusterregistrations/prod-eu',
      ce_type: 'io.kgroot.registry.register',
      ce_subject: 'acme-prod-eu',
      ce_time: '2026-11-20T10:00:00Z',
      'content-type': 'application/json',
      registry_event: 'register',
      registry_schema_version: '1',
      registry_object_uid: 'a3b0c6f2-1d2e-4f5a-8b9c-0d1e2f3a4b5c',
      registry_object_generation: '3',
    });
  });

  test('heartbeat and tombstone carry the same set; only the tombstone lacks a content type', () => {
    const heartbeat = heartbeatRecord({ ...origin, topic: 'cluster.heartbeat' }).headers;
    const tombstone = tombstoneRecord({ ...origin, topic: 'cluster.registry' }).headers;
    assert.deepEqual(Object.keys(heartbeat).sort(), [...common, 'content-type'].sort());
    assert.deepEqual(Object.keys(tombstone).sort(), [...common].sort());
    assert.equal(heartbeat.ce_type, 'io.kgroot.registry.heartbeat');
    assert.equal(heartbeat.registry_event, 'heartbeat');
    assert.equal(tombstone.ce_type, 'io.kgroot.registry.deregister');
    assert.equal(tombstone.registry_event, 'deregister');
    for (const headers of [heartbeat, tombstone]) assert.match(headers.ce_time ?? '', RFC3339_SECONDS);
  });

  test('every record gets its own id unless one is given', () => {
    const unfixed = { ...origin, eventId: undefined };
    const ids = new Set(
      Array.from({ length: 50 }, () => heartbeatRecord({ ...unfixed, topic: 't' }).headers.ce_id),
    );
    assert.equal(ids.size, 50);
  });
});

describe('rfc3339', () => {
  test('UTC, whole seconds', () => {
    assert.equal(rfc3339(new Date('2026-11-20T10:00:00.999Z')), '2026-11-20T10:00:00Z');
    assert.equal(rfc3339(new Date('2026-11-20T12:00:00+02:00')), '2026-11-20T10:00:00Z');
    assert.match(rfc3339(new Date()), RFC3339_SECONDS);
  });

  test('throws for times it cannot write', () => {
    assert.throws(() => rfc3339(new Date(Number.NaN)), RangeError);
    assert.throws(() => rfc3339(new Date('+010000-01-01T00:00:00Z')), RangeError);
  });
});

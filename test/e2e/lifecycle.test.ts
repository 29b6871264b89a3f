// The operator's whole job against the real API server and broker, read back by an independent consumer: apply
// registers (the contract's key, JSON and headers), heartbeats flow at the interval, delete returns only after the
// tombstone is in the topic.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTable } from '../integration/api/support.js';
import { plainKafka, RecordTail, type ReadRecord } from '../support/kafka-records.js';
import { kubectl, requireKafkaBrokers } from '../support/testenv.js';
import { startOperator } from './support/operator.js';
import {
  apply,
  at,
  getJson,
  newScope,
  ready,
  registration,
  RESOURCE,
  until,
} from './support/registrations.js';

const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const REGISTRY = 'cluster.registry';
const HEARTBEAT = 'cluster.heartbeat';

function json(record: ReadRecord): Record<string, unknown> {
  assert.ok(record.value !== null, 'expected a value');
  return JSON.parse(record.value) as Record<string, unknown>;
}

test('apply registers within 2 s, heartbeats arrive at the interval, delete returns after the tombstone', async (t) => {
  const brokers = requireKafkaBrokers();
  const scope = await newScope(t, 'life');
  const tail = await RecordTail.start(t, brokers, [REGISTRY, HEARTBEAT]);
  const operator = startOperator(t, scope);
  await operator.waitForLog('controller start', (line) => line.message === 'started');
  const manifest = registration(scope, {
    kafka: { brokers: [brokers] },
    heartbeat: { interval: '5s' },
    clusterName: 'prod-eu-1',
    region: 'eu-west-1',
    labels: { team: 'sre' },
  });
  const { name } = manifest.metadata;

  const appliedAt = Date.now();
  await apply(manifest);
  const registered = await tail.waitFor('the registration', (r) => r.topic === REGISTRY && r.key === name);
  assert.ok(
    registered.timestamp - appliedAt < 2_000,
    `registered ${registered.timestamp - appliedAt} ms after apply`,
  );

  // The contract's value, as the control plane's Go decoder reads it, plus the operator's metadata.
  const object = await getJson(RESOURCE, name);
  const kubeSystem = await getJson('namespace', 'kube-system');
  const value = json(registered);
  assert.equal(value.client_id, name);
  assert.equal(value.cluster_name, 'prod-eu-1');
  assert.equal(value.region, 'eu-west-1');
  assert.equal(value.status, 'active');
  assert.match(String(value.registered_at), RFC3339_UTC);
  assert.equal(typeof value.version, 'string');
  const metadata = value.metadata as Record<string, unknown>;
  assert.equal(metadata.cluster_uid, at(kubeSystem, 'metadata', 'uid'));
  assert.match(String(metadata.kubernetes_version), /^v1\.34\./);
  assert.equal(metadata.node_count, 0); // envtest: no kubelet, no nodes
  assert.equal(metadata.name, name);
  assert.equal(metadata.generation, 1);
  assert.deepEqual(metadata.labels, { team: 'sre' });
  assert.equal(registered.headers.registry_event, 'register');
  assert.equal(registered.headers['content-type'], 'application/json');
  assert.equal(registered.headers.registry_schema_version, '1');
  assert.equal(registered.headers.registry_object_uid, at(object, 'metadata', 'uid'));
  assert.equal(registered.headers.registry_object_generation, '1');

  const observed = await until('Ready', name, ready('True', 'Registered'), { operator });
  assert.equal(observed.status.clusterId, at(kubeSystem, 'metadata', 'uid'));
  assert.deepEqual(at(observed.status, 'lastRegistration', 'offset'), registered.offset);
  const table = parseTable((await kubectl(['get', 'clusterregistrations', name])).stdout);
  const [row] = table.rows;
  assert.ok(row !== undefined);
  assert.equal(row.READY, 'True');
  assert.equal(row.REASON, 'Registered');

  // Heartbeats: at the interval (±10% jitter), each with the time it was sent.
  const beats: ReadRecord[] = [];
  for (let i = 0; i < 3; i++) {
    beats.push(
      await tail.waitFor(
        `heartbeat ${i + 1}`,
        (r) => r.topic === HEARTBEAT && r.key === name && !beats.includes(r),
        { timeoutMs: 15_000 },
      ),
    );
  }
  for (const [i, beat] of beats.entries()) {
    const beatValue = json(beat);
    assert.equal(beatValue.client_id, name);
    assert.equal(beatValue.status, 'healthy');
    assert.deepEqual(beatValue.metrics, {});
    assert.ok(
      Math.abs(Date.parse(String(beatValue.timestamp)) - beat.timestamp) < 1_500,
      'timestamp is the send time',
    );
    const previous = beats[i - 1];
    if (previous !== undefined) {
      const gap = beat.timestamp - previous.timestamp;
      assert.ok(gap > 4_000 && gap < 7_000, `heartbeat gap ${gap} ms for a 5s interval`);
    }
  }
  // Nothing is due between re-assertions: still the one registration.
  assert.equal(tail.of(REGISTRY, name).length, 1);

  const deleted = await kubectl(['delete', RESOURCE, name, '--timeout=60s']);
  assert.equal(deleted.code, 0, deleted.stderr);
  const admin = plainKafka(brokers).admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(REGISTRY).finally(() => admin.disconnect());
  const tombstone = await tail.waitFor(
    'the tombstone',
    (r) => r.topic === REGISTRY && r.key === name && r.value === null,
  );
  const end = ends.find((offset) => offset.partition === tombstone.partition);
  assert.ok(
    end !== undefined && BigInt(tombstone.offset) < BigInt(end.offset),
    'the tombstone was in the topic when delete returned',
  );
  assert.equal(tombstone.headers.registry_event, 'deregister');
  assert.equal(tombstone.partition, registered.partition);
  assert.equal(tail.of(REGISTRY, name).at(-1), tombstone, 'the latest record for the key is the tombstone');
  assert.equal((await kubectl(['get', RESOURCE, name])).code, 1, 'the object is gone');
});

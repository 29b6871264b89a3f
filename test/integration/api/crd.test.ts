// The generated CRD against a real API server: it installs, explains itself, and prints useful tables.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CRD_NAME } from '../../../src/api/constants.js';
import { kubectl, requireKube, uniqueName } from '../../support/testenv.js';
import { minimalManifest } from '../../unit/api/fixtures/manifests.js';
import { applyJson, at, deleteAfter, getJson, installCrd, parseTable, RESOURCE } from './support.js';

before(async () => {
  requireKube();
  await installCrd();
});

describe('the generated CRD', () => {
  test('installs and becomes Established with its names accepted', async () => {
    const crd = await getJson('crd', CRD_NAME);
    const conditions = at(crd, 'status', 'conditions');
    assert.ok(Array.isArray(conditions));
    const status = (type: string) =>
      conditions.find((c: unknown) => at(c, 'type') === type) as Record<string, unknown> | undefined;
    assert.equal(status('Established')?.status, 'True');
    assert.equal(status('NamesAccepted')?.status, 'True');
    assert.deepEqual(at(crd, 'status', 'acceptedNames', 'shortNames'), ['creg']);
  });

  test('kubectl explain prints the field descriptions', async () => {
    // The API server publishes a new CRD's OpenAPI a moment after it is Established.
    let explained = await kubectl(['explain', 'clusterregistration.spec.kafka']);
    for (let attempt = 0; explained.code !== 0 && attempt < 60; attempt++) {
      await sleep(1000);
      explained = await kubectl(['explain', 'clusterregistration.spec.kafka']);
    }
    assert.equal(explained.code, 0, explained.stderr);
    assert.match(explained.stdout, /How to reach the Kafka cluster the control plane consumes from\./);
    assert.match(explained.stdout, /brokers\s+<\[\]string> -required-/);
    assert.match(explained.stdout, /Bootstrap brokers as `host:port`/);
    assert.match(explained.stdout, /sasl\s+<Object>/);
    assert.match(explained.stdout, /tls\s+<Object>/);

    const secretRef = await kubectl(['explain', 'clusterregistration.spec.kafka.sasl.secretRef']);
    assert.equal(secretRef.code, 0, secretRef.stderr);
    // The why of the namespace rule must reach the person reading the field.
    assert.match(secretRef.stdout.replace(/\s+/g, ' '), /read from the operator's own namespace/);
    assert.match(secretRef.stdout.replace(/\s+/g, ' '), /any Secret in the cluster/);
  });

  test('kubectl get prints client id, ready, reason, last heartbeat and age; -o wide adds brokers and topic', async (t) => {
    const name = uniqueName('columns');
    deleteAfter(t, RESOURCE, name);
    const created = await applyJson(minimalManifest(name, 'acme-columns'));
    assert.equal(created.code, 0, created.stderr);
    const heartbeat = new Date(Date.now() - 90_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const status = {
      status: {
        observedGeneration: 1,
        lastHeartbeatTime: heartbeat,
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'BrokerUnreachable',
            message: 'no broker answered',
            lastTransitionTime: heartbeat,
            observedGeneration: 1,
          },
        ],
      },
    };
    const patched = await kubectl([
      'patch',
      RESOURCE,
      name,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify(status),
    ]);
    assert.equal(patched.code, 0, patched.stderr);

    const table = await kubectl(['get', 'clusterregistrations', name]);
    assert.equal(table.code, 0, table.stderr);
    const plain = parseTable(table.stdout);
    assert.deepEqual(plain.headers, ['NAME', 'CLIENT ID', 'READY', 'REASON', 'LAST HEARTBEAT', 'AGE']);
    assert.equal(plain.rows.length, 1);
    const row = plain.rows[0];
    assert.ok(row !== undefined);
    assert.equal(row.NAME, name);
    assert.equal(row['CLIENT ID'], 'acme-columns');
    assert.equal(row.READY, 'False');
    assert.equal(row.REASON, 'BrokerUnreachable');
    // A date column prints an age ("90s", "2m"), not the timestamp.
    assert.match(row['LAST HEARTBEAT'] ?? '', /^\d+[smhd]/);
    assert.match(row.AGE ?? '', /^\d+[smhd]/);

    const wide = await kubectl(['get', 'creg', name, '-o', 'wide']);
    assert.equal(wide.code, 0, wide.stderr);
    const wideTable = parseTable(wide.stdout);
    assert.deepEqual(wideTable.headers, [
      'NAME',
      'CLIENT ID',
      'READY',
      'REASON',
      'LAST HEARTBEAT',
      'AGE',
      'BROKERS',
      'TOPIC',
    ]);
    const wideRow = wideTable.rows[0];
    assert.ok(wideRow !== undefined);
    assert.equal(wideRow.NAME, name);
    assert.equal(wideRow.BROKERS, '["kafka.example.com:9092"]');
    assert.equal(wideRow.TOPIC, 'cluster.registry');
  });
});

// The status subresource: spec writes leave status alone, and status is written only through /status.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { kubectl, requireKube, uniqueName } from '../../support/testenv.js';
import { minimalManifest } from '../../unit/api/fixtures/manifests.js';
import { applyJson, at, deleteAfter, getJson, installCrd, RESOURCE } from './support.js';

before(async () => {
  requireKube();
  await installCrd();
});

function readyStatus(reason: string, time: string) {
  return {
    observedGeneration: 1,
    clusterId: '6f1c1e0e-7d55-4a8e-9d55-0f6c1b7a9e11',
    lastRegisteredTime: time,
    lastRegistration: { topic: 'cluster.registry', partition: 0, offset: '42' },
    conditions: [
      { type: 'Ready', status: 'True', reason, message: '', lastTransitionTime: time, observedGeneration: 1 },
    ],
  };
}

function patchStatus(name: string, body: unknown) {
  return kubectl([
    'patch',
    RESOURCE,
    name,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify(body),
  ]);
}

describe('the status subresource', () => {
  test('a status in a manifest is ignored on create and on update', async (t) => {
    const name = uniqueName('status-ignored');
    deleteAfter(t, RESOURCE, name);
    const withStatus = {
      ...minimalManifest(name),
      status: readyStatus('Registered', '2026-01-01T00:00:00Z'),
    };
    const created = await applyJson(withStatus);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(at(await getJson(RESOURCE, name), 'status'), undefined);

    const patched = await kubectl([
      'patch',
      RESOURCE,
      name,
      '--type=merge',
      '-p',
      JSON.stringify({ status: readyStatus('Registered', '2026-01-01T00:00:00Z') }),
    ]);
    assert.equal(patched.code, 0, patched.stderr);
    assert.equal(at(await getJson(RESOURCE, name), 'status'), undefined);
  });

  test('writing status goes through /status, leaves spec and generation alone, and is validated', async (t) => {
    const name = uniqueName('status-write');
    deleteAfter(t, RESOURCE, name);
    const created = await applyJson(minimalManifest(name));
    assert.equal(created.code, 0, created.stderr);

    const status = readyStatus('Registered', '2026-01-01T00:00:00Z');
    // The spec in this patch must be ignored: /status writes status only.
    const written = await patchStatus(name, { status, spec: { suspend: true } });
    assert.equal(written.code, 0, written.stderr);
    const stored = await getJson(RESOURCE, name);
    assert.deepEqual(at(stored, 'status'), status);
    assert.equal(at(stored, 'spec', 'suspend'), false);
    assert.equal(at(stored, 'metadata', 'generation'), 1);

    const invalid = await patchStatus(name, {
      status: { conditions: [{ ...status.conditions[0], status: 'Maybe' }] },
    });
    assert.notEqual(invalid.code, 0);
    assert.match(invalid.stderr, /status\.conditions\[0\]\.status/);
  });

  test('writing spec does not change status', async (t) => {
    const name = uniqueName('spec-write');
    deleteAfter(t, RESOURCE, name);
    const created = await applyJson(minimalManifest(name));
    assert.equal(created.code, 0, created.stderr);
    const status = readyStatus('Registered', '2026-01-01T00:00:00Z');
    const written = await patchStatus(name, { status });
    assert.equal(written.code, 0, written.stderr);

    // A spec change that also carries a different status: the spec changes, the status does not.
    const updated = minimalManifest(name);
    (updated.spec as Record<string, unknown>).suspend = true;
    const applied = await applyJson({ ...updated, status: readyStatus('Suspended', '2026-02-02T00:00:00Z') });
    assert.equal(applied.code, 0, applied.stderr);
    const stored = await getJson(RESOURCE, name);
    assert.equal(at(stored, 'spec', 'suspend'), true);
    assert.equal(at(stored, 'metadata', 'generation'), 2);
    assert.deepEqual(at(stored, 'status'), status);
  });
});

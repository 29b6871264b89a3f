// Admission against a real API server: every malformed manifest of the shared table is rejected by
// `kubectl apply`, with an error that names the offending field.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { requireKube, uniqueName } from '../../support/testenv.js';
import {
  acceptedClusterNames,
  brokenManifest,
  malformedCases,
  minimalManifest,
  validManifest,
} from '../../unit/api/fixtures/manifests.js';
import { applyJson, at, deleteAfter, getJson, installCrd, RESOURCE } from './support.js';

before(async () => {
  requireKube();
  await installCrd();
});

/** The field, as a whole path segment: `spec.clientId` but not `spec.clientIdX`. */
function namesField(stderr: string, field: string): boolean {
  const escaped = field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`${escaped}(?![A-Za-z0-9_])`).test(stderr);
}

describe('kubectl apply', () => {
  test('accepts the valid manifest the malformed ones are made from', async (t) => {
    const name = uniqueName('valid');
    deleteAfter(t, RESOURCE, name);
    const result = await applyJson(validManifest(name));
    assert.equal(result.code, 0, result.stderr);
  });

  test('accepts a display name as clusterName and stores it as written', async (t) => {
    for (const clusterName of acceptedClusterNames) {
      const name = uniqueName('display-name');
      deleteAfter(t, RESOURCE, name);
      const manifest = minimalManifest(name);
      (manifest.spec as Record<string, unknown>).clusterName = clusterName;
      const result = await applyJson(manifest);
      assert.equal(result.code, 0, `${clusterName}: ${result.stderr}`);
      assert.equal(at(await getJson(RESOURCE, name), 'spec', 'clusterName'), clusterName);
    }
  });

  for (const c of malformedCases) {
    test(`rejects ${c.name}, naming ${c.field}`, async (t) => {
      const name = uniqueName('malformed');
      deleteAfter(t, RESOURCE, name);
      if (c.onUpdate === true) {
        const created = await applyJson(validManifest(name));
        assert.equal(created.code, 0, created.stderr);
      }
      const result = await applyJson(brokenManifest(c, name));
      assert.notEqual(result.code, 0, `accepted: ${result.stdout}`);
      assert.ok(namesField(result.stderr, c.field), `error does not name ${c.field}:\n${result.stderr}`);
      if (c.onUpdate === true) {
        const stored = await getJson(RESOURCE, name);
        assert.equal(at(stored, 'spec', 'clientId'), at(validManifest(), 'spec', 'clientId'));
      }
    });
  }

  test('with client-side validation turned off, an unknown credential field is pruned from the spec but kept in the last-applied annotation', async (t) => {
    // Documented in docs/api.md: strict field validation (kubectl's default) is what keeps a password out
    // of the object; `--validate=false` stores it in kubectl's last-applied-configuration annotation.
    const name = uniqueName('pruned');
    deleteAfter(t, RESOURCE, name);
    const manifest = validManifest(name);
    const sasl = at(manifest, 'spec', 'kafka', 'sasl') as Record<string, unknown>;
    sasl.password = 'not-a-real-password';
    const result = await applyJson(manifest, ['--validate=false']);
    assert.equal(result.code, 0, result.stderr);
    const stored = await getJson(RESOURCE, name);
    assert.equal(at(stored, 'spec', 'kafka', 'sasl', 'password'), undefined);
    const lastApplied = at(
      stored,
      'metadata',
      'annotations',
      'kubectl.kubernetes.io/last-applied-configuration',
    );
    assert.equal(typeof lastApplied, 'string');
    assert.match(String(lastApplied), /not-a-real-password/);
  });
});

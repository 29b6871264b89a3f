// Every manifest in examples/ applies, and the API server stores the same defaults zod applies.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_OPERATOR_NAMESPACE, KIND } from '../../../src/api/constants.js';
import { parseClusterRegistration } from '../../../src/api/resource.js';
import { kubectl, requireKube, uniqueName } from '../../support/testenv.js';
import { applyJson, at, deleteAfter, getJson, installCrd, RESOURCE, repoRoot } from './support.js';

const examplesDir = join(repoRoot, 'examples');
const exampleFiles = readdirSync(examplesDir).filter((file) => file.endsWith('.yaml'));

before(async () => {
  requireKube();
  await installCrd();
  // The documented operator namespace, where the examples' Secrets live. Shared, so created if missing and
  // never deleted.
  const created = await kubectl(['create', 'namespace', DEFAULT_OPERATOR_NAMESPACE]);
  assert.ok(created.code === 0 || created.stderr.includes('AlreadyExists'), created.stderr);
});

type Doc = Record<string, unknown>;

function readExample(file: string): Doc[] {
  return parseAllDocuments(readFileSync(join(examplesDir, file), 'utf8')).map((doc) => doc.toJS() as Doc);
}

/** The example with unique object names, so that tests running at once do not share objects. */
function renamed(docs: Doc[], suffix: string): Doc[] {
  const copy = structuredClone(docs);
  const secretNames = new Map<string, string>();
  for (const doc of copy) {
    const metadata = doc.metadata as Doc;
    const newName = `${String(metadata.name)}-${suffix}`;
    if (doc.kind === 'Secret') secretNames.set(String(metadata.name), newName);
    metadata.name = newName;
  }
  // Point every secretRef at the renamed Secret.
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key.endsWith('SecretRef') || key === 'secretRef') {
        const ref = value as Doc;
        ref.name = secretNames.get(String(ref.name)) ?? ref.name;
      }
      visit(value);
    }
  };
  visit(copy);
  return copy;
}

describe('examples/', () => {
  test('holds the minimal and the SASL_SSL example', () => {
    assert.ok(exampleFiles.includes('minimal.yaml'));
    assert.ok(exampleFiles.includes('sasl-ssl.yaml'));
  });

  for (const file of exampleFiles) {
    test(`${file} is accepted as it is written (server-side dry run)`, async () => {
      const result = await kubectl(['apply', '--dry-run=server', '-f', join(examplesDir, file)]);
      assert.equal(result.code, 0, result.stderr);
    });

    test(`${file} applies, and the stored object carries the defaults zod applies`, async (t) => {
      const docs = renamed(readExample(file), uniqueName('ex').slice(3));
      for (const doc of docs) {
        const name = String(at(doc, 'metadata', 'name'));
        if (doc.kind === 'Secret') {
          assert.equal(at(doc, 'metadata', 'namespace'), DEFAULT_OPERATOR_NAMESPACE);
          deleteAfter(t, 'secret', name, DEFAULT_OPERATOR_NAMESPACE);
        } else {
          deleteAfter(t, RESOURCE, name);
        }
      }
      const applied = await kubectl(['apply', '-f', '-'], {
        stdin: docs.map((doc) => JSON.stringify(doc)).join('\n'),
      });
      assert.equal(applied.code, 0, applied.stderr);

      const registration = docs.find((doc) => doc.kind === KIND);
      assert.ok(registration !== undefined, 'the example has a ClusterRegistration');
      const stored = await getJson(RESOURCE, String(at(registration, 'metadata', 'name')));
      // Admission's defaults and zod's are one definition: the stored spec is what zod makes of the manifest.
      const parsed = parseClusterRegistration(registration);
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
      assert.deepEqual(at(stored, 'spec'), parsed.value.spec);
      // And spelled out, for the reader:
      assert.deepEqual(at(stored, 'spec', 'topics'), {
        registry: 'cluster.registry',
        heartbeat: 'cluster.heartbeat',
      });
      assert.deepEqual(at(stored, 'spec', 'heartbeat'), { enabled: true, interval: '30s' });
      assert.equal(at(stored, 'spec', 'reassertInterval'), '10m');
      assert.equal(at(stored, 'spec', 'deletionPolicy'), 'Deregister');
      assert.equal(at(stored, 'spec', 'suspend'), false);
      // The stored object reads back through the controller's parser.
      assert.ok(parseClusterRegistration(stored).ok);
    });
  }

  test('sasl-ssl.yaml stores the SASL and TLS defaults', async (t) => {
    const docs = renamed(readExample('sasl-ssl.yaml'), uniqueName('sasl').slice(5));
    const registration = docs.find((doc) => doc.kind === KIND);
    assert.ok(registration !== undefined);
    const name = String(at(registration, 'metadata', 'name'));
    deleteAfter(t, RESOURCE, name);
    // The Secret is not needed for admission; only the ClusterRegistration is applied here.
    const applied = await applyJson(registration);
    assert.equal(applied.code, 0, applied.stderr);
    const stored = await getJson(RESOURCE, name);
    assert.equal(at(stored, 'spec', 'kafka', 'sasl', 'mechanism'), 'scram-sha-512');
    assert.equal(at(stored, 'spec', 'kafka', 'sasl', 'secretRef', 'usernameKey'), 'username');
    assert.equal(at(stored, 'spec', 'kafka', 'sasl', 'secretRef', 'passwordKey'), 'password');
    assert.deepEqual(at(stored, 'spec', 'kafka', 'tls'), { enabled: true, insecureSkipVerify: false });
  });
});

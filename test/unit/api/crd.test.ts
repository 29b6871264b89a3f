import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import * as z from 'zod';
import {
  buildCrd,
  CRD_FILE,
  parseClusterRegistration,
  renderCrdYaml,
  StructuralSchemaError,
  toStructural,
  type StructuralSchema,
} from '../../../src/api/index.js';
import { withRule } from '../../../src/api/rules.js';
import { minimalManifest } from './fixtures/manifests.js';

const repoRoot = join(import.meta.dirname, '..', '..', '..');

function openApiSchema(): StructuralSchema {
  const version = buildCrd().spec.versions[0];
  assert.ok(version !== undefined);
  return version.schema.openAPIV3Schema;
}

/** Every node of the schema with its path, depth first. */
function* walk(schema: StructuralSchema, path: string): Generator<[string, StructuralSchema, boolean]> {
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    yield [`${path}.${name}`, child, true];
    yield* walk(child, `${path}.${name}`);
  }
  if (schema.items !== undefined) yield* walk(schema.items, `${path}[]`);
  if (schema.additionalProperties !== undefined) yield* walk(schema.additionalProperties, `${path}{}`);
}

function node(path: string): StructuralSchema {
  let current = openApiSchema();
  for (const name of path.split('.')) {
    const next = current.properties?.[name];
    assert.ok(next !== undefined, `no ${path}`);
    current = next;
  }
  return current;
}

describe('the CRD generator', () => {
  test('the committed CRD is exactly what `npm run gen:crd` writes', () => {
    const committed = readFileSync(join(repoRoot, CRD_FILE), 'utf8');
    assert.equal(committed, renderCrdYaml(), `${CRD_FILE} is stale: run npm run gen:crd`);
  });

  test('the YAML round-trips to the CRD object', () => {
    assert.deepEqual(parse(renderCrdYaml()), buildCrd());
  });

  test('declares the resource: group, names, scope, status subresource', () => {
    const crd = buildCrd();
    assert.equal(crd.metadata.name, 'clusterregistrations.registry.kgroot.io');
    assert.equal(crd.spec.group, 'registry.kgroot.io');
    assert.equal(crd.spec.scope, 'Cluster');
    assert.deepEqual(crd.spec.names, {
      kind: 'ClusterRegistration',
      listKind: 'ClusterRegistrationList',
      plural: 'clusterregistrations',
      singular: 'clusterregistration',
      shortNames: ['creg'],
    });
    assert.equal(crd.spec.versions.length, 1);
    const [version] = crd.spec.versions;
    assert.ok(version !== undefined);
    assert.equal(version.name, 'v1alpha1');
    assert.deepEqual(version.subresources, { status: {} });
  });

  test('every field has a description (metadata excepted: the API server describes it)', () => {
    const undescribed = [...walk(openApiSchema(), '')]
      .filter(([path, schema, isField]) => isField && path !== '.metadata' && !schema.description)
      .map(([path]) => path);
    assert.deepEqual(undescribed, []);
  });

  test('every node has a type and no keyword a structural schema forbids', () => {
    for (const [path, schema] of walk(openApiSchema(), '')) {
      assert.ok(schema.type !== undefined, `${path} has no type`);
      for (const forbidden of [
        '$schema',
        '$ref',
        'anyOf',
        'oneOf',
        'allOf',
        'not',
        'const',
        'propertyNames',
      ]) {
        assert.equal(schema[forbidden], undefined, `${path} has ${forbidden}`);
      }
      assert.ok(
        !(schema.properties !== undefined && schema.additionalProperties !== undefined),
        `${path} has properties and additionalProperties`,
      );
    }
  });

  test('carries the defaults, enums, bounds and CEL rules of the zod schema', () => {
    assert.deepEqual(node('spec').required, ['clientId', 'kafka']);
    assert.deepEqual(node('spec.clientId')['x-kubernetes-validations'], [
      { rule: 'self == oldSelf', message: 'clientId is immutable' },
    ]);
    assert.equal(node('spec.clientId').maxLength, 63);
    assert.equal(node('spec.kafka.brokers').minItems, 1);
    assert.equal(node('spec.kafka.brokers')['x-kubernetes-list-type'], 'set');
    assert.deepEqual(node('spec.kafka.sasl.mechanism').enum, ['plain', 'scram-sha-256', 'scram-sha-512']);
    assert.equal(node('spec.kafka.sasl.mechanism').default, 'scram-sha-512');
    assert.equal(node('spec.heartbeat.interval').default, '30s');
    assert.deepEqual(node('spec.heartbeat.interval')['x-kubernetes-validations'], [
      {
        rule: "duration(self) >= duration('5s') && duration(self) <= duration('10m')",
        message: 'must be between 5s and 10m',
      },
    ]);
    assert.equal(node('spec.labels').maxProperties, 32);
    assert.equal(node('spec.deletionPolicy').default, 'Deregister');
    assert.deepEqual(node('status.conditions')['x-kubernetes-list-map-keys'], ['type']);
    assert.deepEqual(node('status.conditions').items?.required, [
      'type',
      'status',
      'lastTransitionTime',
      'reason',
      'message',
    ]);
  });

  test('the defaults written into the CRD are the ones zod applies', () => {
    const parsed = parseClusterRegistration(minimalManifest());
    assert.ok(parsed.ok);
    const spec = parsed.value.spec;
    assert.deepEqual(node('spec.topics').default, spec.topics);
    assert.deepEqual(node('spec.heartbeat').default, spec.heartbeat);
    assert.equal(node('spec.reassertInterval').default, spec.reassertInterval);
    assert.equal(node('spec.suspend').default, spec.suspend);
  });

  test('the printer columns answer "registered, and if not, why?"; wide adds brokers and topic', () => {
    const columns = buildCrd().spec.versions[0]?.additionalPrinterColumns ?? [];
    assert.deepEqual(
      columns.map((c) => [c.name, c.jsonPath, c.type, c.priority ?? 0]),
      [
        ['Client ID', '.spec.clientId', 'string', 0],
        ['Ready', '.status.conditions[?(@.type=="Ready")].status', 'string', 0],
        ['Reason', '.status.conditions[?(@.type=="Ready")].reason', 'string', 0],
        ['Last Heartbeat', '.status.lastHeartbeatTime', 'date', 0],
        ['Age', '.metadata.creationTimestamp', 'date', 0],
        ['Brokers', '.spec.kafka.brokers', 'string', 1],
        ['Topic', '.spec.topics.registry', 'string', 1],
      ],
    );
  });
});

describe('toStructural', () => {
  const convert = (schema: z.ZodType) =>
    toStructural(z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' }), 'x');

  test('refuses a field without a description, naming it', () => {
    const schema = z.object({ named: z.string().describe('has one'), bare: z.string() }).describe('root');
    assert.throws(
      () => convert(schema),
      (error: unknown) => {
        assert.ok(error instanceof StructuralSchemaError);
        assert.match(error.message, /^x\.bare: field has no description/);
        return true;
      },
    );
  });

  test('refuses what a structural schema cannot say (a union of types), naming the field', () => {
    const schema = z.object({ either: z.union([z.string(), z.int()]).describe('either') }).describe('root');
    assert.throws(() => convert(schema), /^StructuralSchemaError: x\.either: JSON Schema keyword "anyOf"/);
  });

  test('keeps nullable, which a structural schema allows', () => {
    const out = convert(z.object({ maybe: z.string().nullable().describe('maybe') }).describe('root'));
    assert.equal(out.properties?.maybe?.nullable, true);
  });

  test('drops additionalProperties: false of strict objects, keeps map value schemas', () => {
    const schema = z
      .strictObject({
        strict: z.strictObject({ a: z.string().describe('a') }).describe('strict'),
        map: z.record(z.string(), z.int()).describe('map'),
      })
      .describe('root');
    const out = convert(schema);
    assert.equal(out.additionalProperties, undefined);
    assert.equal(out.properties?.strict?.additionalProperties, undefined);
    assert.deepEqual(out.properties?.map?.additionalProperties?.type, 'integer');
  });

  test('turns a literal into a one-value enum', () => {
    const out = convert(z.object({ v: z.literal('v1').describe('v') }).describe('root'));
    assert.deepEqual(out.properties?.v?.enum, ['v1']);
  });

  test('copies CEL rules from zod metadata, and the mirror check makes zod agree', () => {
    const even = withRule(
      z.int(),
      { rule: 'self % 2 == 0', message: 'must be even' },
      { check: (value) => value % 2 === 0 },
    ).describe('an even number');
    const out = convert(z.object({ n: even }).describe('root'));
    assert.deepEqual(out.properties?.n?.['x-kubernetes-validations'], [
      { rule: 'self % 2 == 0', message: 'must be even' },
    ]);
    assert.equal(even.safeParse(4).success, true);
    assert.equal(even.safeParse(3).error?.issues[0]?.message, 'must be even');
  });
});

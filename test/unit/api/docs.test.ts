// docs/api.md is written by hand; this keeps it from silently missing a field the schema gains.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  buildOpenApiSchema,
  ConditionReason,
  ConditionType,
  type StructuralSchema,
} from '../../../src/api/index.js';

const docs = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'api.md'), 'utf8');

function* fieldPaths(schema: StructuralSchema, prefix: string): Generator<string> {
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const path = `${prefix}${name}`;
    yield path;
    yield* fieldPaths(child, `${path}.`);
    if (child.items !== undefined) yield* fieldPaths(child.items, `${path}[].`);
  }
}

test('docs/api.md documents every spec and status field', () => {
  const root = buildOpenApiSchema();
  const paths = [
    ...fieldPaths(root.properties?.spec ?? {}, 'spec.'),
    ...fieldPaths(root.properties?.status ?? {}, 'status.'),
  ];
  assert.ok(paths.length > 40);
  const missing = paths.filter((path) => !docs.includes(`\`${path}\``));
  assert.deepEqual(missing, []);
});

test('docs/api.md explains every condition type and reason', () => {
  const missing = [...Object.values(ConditionType), ...Object.values(ConditionReason)].filter(
    (name) => !docs.includes(`| \`${name}\``),
  );
  assert.deepEqual(missing, []);
});

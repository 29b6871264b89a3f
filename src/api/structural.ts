// Turns the JSON Schema that zod emits into a Kubernetes structural schema. Generic on purpose: everything
// specific to ClusterRegistration is in the zod schemas, so this only translates and refuses what it cannot.
import { CEL_RULES_KEY } from './rules.js';

/** One node of a CRD's openAPIV3Schema (apiextensions.k8s.io/v1 JSONSchemaProps), as plain data. */
export interface StructuralSchema {
  [keyword: string]: unknown;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  properties?: Record<string, StructuralSchema>;
  items?: StructuralSchema;
  additionalProperties?: StructuralSchema;
  required?: string[];
}

/** Keywords copied as they are, in the order they are written (description first, children last). */
const COPIED = [
  'description',
  'type',
  'format',
  'enum',
  'default',
  'nullable',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-preserve-unknown-fields',
  CEL_RULES_KEY,
] as const;
const CHILDREN = ['required', 'properties', 'additionalProperties', 'items'] as const;
const ORDER: readonly string[] = [...COPIED, ...CHILDREN];

/** Keywords zod emits that a structural schema has no use for. */
const DROPPED = new Set(['$schema', 'title']);

export class StructuralSchemaError extends Error {
  override name = 'StructuralSchemaError';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function child(value: unknown, path: string, described: boolean): StructuralSchema {
  if (!isRecord(value)) throw new StructuralSchemaError(`${path}: expected a schema object`);
  return convert(value, path, described);
}

function convert(node: Record<string, unknown>, path: string, described: boolean): StructuralSchema {
  const out: StructuralSchema = {};
  for (const [keyword, value] of Object.entries(node)) {
    if (DROPPED.has(keyword)) continue;
    switch (keyword) {
      case 'properties': {
        if (!isRecord(value)) throw new StructuralSchemaError(`${path}: properties must be an object`);
        out.properties = Object.fromEntries(
          Object.entries(value).map(([name, sub]) => [name, child(sub, `${path}.${name}`, true)]),
        );
        break;
      }
      case 'additionalProperties': {
        // `false` (a strict zod object) is implied for a structural schema: the API server prunes unknown
        // fields, or rejects them under strict field validation (kubectl's default). Writing it is refused
        // next to `properties`, so it is dropped.
        if (value === false) break;
        if (value === true)
          throw new StructuralSchemaError(`${path}: additionalProperties: true is not structural`);
        out.additionalProperties = child(value, `${path}{value}`, false);
        break;
      }
      case 'items':
        out.items = child(value, `${path}[]`, false);
        break;
      case 'required':
        if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
          throw new StructuralSchemaError(`${path}: required must be a list of names`);
        }
        out.required = value;
        break;
      case 'const':
        out.enum = [value];
        break;
      default:
        if (!(COPIED as readonly string[]).includes(keyword)) {
          throw new StructuralSchemaError(
            `${path}: JSON Schema keyword "${keyword}" has no structural equivalent`,
          );
        }
        out[keyword] = value;
    }
  }
  if (out.type === undefined)
    throw new StructuralSchemaError(`${path}: every node of a structural schema needs a type`);
  if (out.properties !== undefined && out.additionalProperties !== undefined) {
    throw new StructuralSchemaError(`${path}: properties and additionalProperties are mutually exclusive`);
  }
  if (described && (typeof out.description !== 'string' || out.description.trim() === '')) {
    throw new StructuralSchemaError(`${path}: field has no description (describe it in the zod schema)`);
  }
  // The API server checks the format itself; zod's long RFC 3339 regex would only add noise to the CRD.
  if (out.format === 'date-time') delete out.pattern;
  return ordered(out);
}

function ordered(schema: StructuralSchema): StructuralSchema {
  const keys = Object.keys(schema).sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
  return Object.fromEntries(keys.map((key) => [key, schema[key]]));
}

/**
 * Converts JSON Schema (zod's `openapi-3.0` target) into a structural schema, at `path` for error messages.
 * Throws StructuralSchemaError on any keyword it cannot translate and on any field without a description.
 */
export function toStructural(jsonSchema: unknown, path: string): StructuralSchema {
  return child(jsonSchema, path, true);
}

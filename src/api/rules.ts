// CEL validation rules live on the zod schema as metadata, next to the JS check that mirrors them, so that the
// CRD (admission) and parseClusterRegistration (the controller) enforce the same rule from one definition.
import type * as z from 'zod';

/** One entry of a CRD schema's `x-kubernetes-validations` (apiextensions.k8s.io/v1 ValidationRule). */
export interface CelRule {
  rule: string;
  message: string;
  /** JSONPath-like path, relative to the node carrying the rule, that the API server names in its error. */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/** The metadata key the CRD generator copies verbatim into the structural schema. */
export const CEL_RULES_KEY = 'x-kubernetes-validations';

function rulesOf(schema: z.ZodType): CelRule[] {
  const existing = schema.meta()?.[CEL_RULES_KEY];
  return Array.isArray(existing) ? (existing as CelRule[]) : [];
}

export interface Mirror<T> {
  /** The same predicate as the CEL rule, in JS. */
  check: (value: T) => boolean;
  /** Where zod reports a failure, relative to the node (mirrors the rule's fieldPath). */
  path?: PropertyKey[];
}

/**
 * Attaches a CEL rule for the CRD and, when given, its JS mirror for zod. Transition rules (those reading
 * `oldSelf`) have no mirror: a single parse has no old object to compare with.
 */
export function withRule<T extends z.ZodType>(schema: T, rule: CelRule, mirror?: Mirror<z.output<T>>): T {
  const checked =
    mirror === undefined
      ? schema
      : schema.refine(mirror.check, {
          error: rule.message,
          ...(mirror.path === undefined ? {} : { path: mirror.path }),
        });
  // Metadata is set last and merged by hand: it is what the CRD generator reads.
  return checked.meta({ ...schema.meta(), [CEL_RULES_KEY]: [...rulesOf(schema), rule] });
}

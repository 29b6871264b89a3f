// The whole ClusterRegistration object, and the one function the controller reads objects through.
import * as z from 'zod';
import { API_VERSION, KIND } from './constants.js';
import { ClusterRegistrationSpecSchema } from './spec.js';
import { ClusterRegistrationStatusSchema, type ClusterRegistrationStatus } from './status.js';

/** The parts of ObjectMeta the operator uses; the rest is kept as it is. */
export const ObjectMetaSchema = z.looseObject({
  name: z.string().min(1),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.int().nonnegative().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  finalizers: z.array(z.string()).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type ObjectMeta = z.output<typeof ObjectMetaSchema>;

export const ClusterRegistrationSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(KIND),
  metadata: ObjectMetaSchema,
  spec: ClusterRegistrationSpecSchema,
  status: ClusterRegistrationStatusSchema.optional(),
});

/** A ClusterRegistration with its spec defaulted: what the rest of the operator works with. */
export type ClusterRegistration = z.output<typeof ClusterRegistrationSchema>;
/** A ClusterRegistration as written in a manifest. */
export type ClusterRegistrationInput = z.input<typeof ClusterRegistrationSchema>;

/** One problem, at a path such as `spec.kafka.brokers[0]`. */
export interface FieldIssue {
  path: string;
  message: string;
}

export type ParseResult =
  /** The status in `value` is read leniently (parseStatus): one that does not validate is left out. */
  | { ok: true; value: ClusterRegistration }
  | {
      ok: false;
      /** All issues in one line, each naming its field: fit for a condition message. */
      message: string;
      issues: FieldIssue[];
    };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `spec.kafka.brokers[0]`, `spec.labels["team.io"]`: the notation of the API server's own errors. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && IDENTIFIER.test(segment))
      out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out === '' ? '(root)' : out;
}

function toFieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((issue): FieldIssue[] => {
    const { path } = issue;
    // One issue per unknown key, so that each is named like the API server's "unknown field" errors.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: formatPath([...path, key]), message: 'unknown field' }));
    }
    return [{ path: formatPath(path), message: issue.message }];
  });
}

// A missing required field reads better as "is required" than as "expected string, received undefined".
const parseParams: z.core.ParseContext<z.core.$ZodIssue> = {
  error: (issue) => (issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined),
};

function describeIssues(issues: FieldIssue[]): string {
  return issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
}

const EnvelopeSchema = ClusterRegistrationSchema.omit({ status: true });

/**
 * Validates an object read from the API server (or a manifest) and applies the spec's defaults. Never throws:
 * an invalid spec is a result to report on the object as a condition, not a reason to crash.
 */
export function parseClusterRegistration(obj: unknown): ParseResult {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    const message = `expected a ClusterRegistration object, got ${Array.isArray(obj) ? 'an array' : String(obj)}`;
    return { ok: false, message, issues: [{ path: '(root)', message }] };
  }
  const envelope = EnvelopeSchema.safeParse(obj, parseParams);
  if (!envelope.success) {
    const issues = toFieldIssues(envelope.error);
    return { ok: false, message: describeIssues(issues), issues };
  }
  const status = parseStatus(obj);
  return { ok: true, value: status === undefined ? envelope.data : { ...envelope.data, status } };
}

/**
 * An object's stored status, read leniently: it is the operator's own output (perhaps of another version), so one
 * that does not validate is treated as empty, and the next status write replaces it.
 */
export function parseStatus(obj: unknown): ClusterRegistrationStatus | undefined {
  const status = ClusterRegistrationStatusSchema.safeParse((obj as { status?: unknown } | null)?.status);
  return status.success ? status.data : undefined;
}

// The ClusterRegistration API (registry.kgroot.io/v1alpha1): schemas, inferred types, names, and the CRD
// derived from them. Import from here rather than from the modules behind it.
export * from './constants.js';
export { ConditionSchema, ConditionStatusSchema, type Condition, type ConditionStatus } from './condition.js';
export { buildCrd, buildOpenApiSchema, CRD_FILE, PRINTER_COLUMNS, renderCrdYaml } from './crd.js';
export type { CustomResourceDefinition, PrinterColumn } from './crd.js';
export { DURATION_PATTERN, parseDuration, tryParseDuration } from './duration.js';
export {
  ClusterRegistrationSchema,
  formatPath,
  ObjectMetaSchema,
  parseClusterRegistration,
  parseStatus,
  type ClusterRegistration,
  type ClusterRegistrationInput,
  type FieldIssue,
  type ObjectMeta,
  type ParseResult,
} from './resource.js';
export type { CelRule } from './rules.js';
export {
  ClusterRegistrationSpecSchema,
  effectiveClusterName,
  type ClusterRegistrationSpec,
  type ClusterRegistrationSpecInput,
  type KafkaSpec,
  type SaslSpec,
  type TlsSpec,
} from './spec.js';
export {
  ClusterRegistrationStatusSchema,
  type ClusterRegistrationStatus,
  type LastRegistration,
} from './status.js';
export { StructuralSchemaError, toStructural, type StructuralSchema } from './structural.js';

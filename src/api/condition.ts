// metav1.Condition, exactly: the generic condition helpers in src/runtime rely on this structural shape, and
// tools that read conditions (kubectl wait, kstatus) expect it.
import * as z from 'zod';

/** metav1.Condition's type pattern: an optional DNS-subdomain prefix and a CamelCase-ish name. */
const CONDITION_TYPE_PATTERN =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/;
const CONDITION_REASON_PATTERN = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

export const ConditionStatusSchema = z
  .enum(['True', 'False', 'Unknown'])
  .describe('Whether the condition holds: True, False or Unknown.');

export const ConditionSchema = z
  .object({
    type: z
      .string()
      .max(316)
      .regex(CONDITION_TYPE_PATTERN)
      .describe('Type of condition: Ready, Registered, Heartbeating or CredentialsValid.'),
    status: ConditionStatusSchema,
    observedGeneration: z
      .int()
      .nonnegative()
      .optional()
      .describe('The .metadata.generation the condition was set for; older means it may be out of date.'),
    lastTransitionTime: z.iso
      .datetime({ offset: true })
      .describe('When the condition last changed status (RFC 3339).'),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .regex(CONDITION_REASON_PATTERN)
      .describe("A CamelCase word for the condition's last transition, for programs and the REASON column."),
    message: z.string().max(32768).describe('Details for humans; may be empty.'),
  })
  .describe('One aspect of the state, in the standard Kubernetes condition shape.');

export type Condition = z.output<typeof ConditionSchema>;
export type ConditionStatus = z.output<typeof ConditionStatusSchema>;

// status of ClusterRegistration: written only by the operator, through the status subresource. Unlike the
// spec, these objects are not strict: a field added by a newer operator version is dropped on read rather
// than making the whole status unreadable.
import * as z from 'zod';
import { CLUSTER_ID_NAMESPACE } from './constants.js';
import { ConditionSchema } from './condition.js';
import { KafkaSchema } from './spec.js';

const timestamp = (description: string) => z.iso.datetime({ offset: true }).optional().describe(description);

const LastRegistrationSchema = z
  .object({
    topic: z.string().min(1).max(249).describe('Topic the record was written to.'),
    partition: z.int().nonnegative().describe('Partition the record was written to.'),
    // A string: Kafka offsets are 64-bit and kafkajs reports them as strings.
    offset: z
      .string()
      .regex(/^[0-9]+$/)
      .max(20)
      .describe('Offset of the record in that partition, as a decimal string.'),
    kafka: KafkaSchema.optional().describe(
      'The spec.kafka the record was sent with (Secret references only, never their values): where the ' +
        'operator sends the tombstone when the brokers or the topic change, or the object is deleted.',
    ),
  })
  .describe('Where the broker stored the last acknowledged registration record.');

export const ClusterRegistrationStatusSchema = z
  .object({
    observedGeneration: z
      .int()
      .nonnegative()
      .optional()
      .describe('The .metadata.generation the operator last acted on.'),
    clusterId: z
      .string()
      .max(128)
      .optional()
      .describe(
        `UID of the \`${CLUSTER_ID_NAMESPACE}\` namespace: a stable identity of the cluster itself, which ` +
          'survives renaming the registration and tells two clusters with the same clientId apart.',
      ),
    conditions: z
      .array(ConditionSchema)
      .max(16)
      .refine((conditions) => new Set(conditions.map((c) => c.type)).size === conditions.length, {
        error: 'must not repeat a condition type',
      })
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
      .optional()
      .describe(
        'Ready (the summary), Registered, Heartbeating and CredentialsValid; each at most once. ' +
          'Ready=False says why in its reason and message.',
      ),
    firstRegisteredTime: timestamp(
      "When the broker first acknowledged a registration of this object: sent as the record's `registered_at`.",
    ),
    lastRegisteredTime: timestamp('When the broker last acknowledged a registration record (RFC 3339).'),
    lastHeartbeatTime: timestamp('When the broker last acknowledged a heartbeat record (RFC 3339).'),
    lastRegistration: LastRegistrationSchema.optional(),
  })
  .describe('What the operator observed: written by the operator only, through the status subresource.');

export type ClusterRegistrationStatus = z.output<typeof ClusterRegistrationStatusSchema>;
export type LastRegistration = z.output<typeof LastRegistrationSchema>;

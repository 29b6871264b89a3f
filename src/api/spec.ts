// spec of ClusterRegistration: what the user asks for. The CRD is generated from these schemas
// (src/api/crd.ts), so every description here is what `kubectl explain` prints. Objects are strict, as
// admission is: a field the operator does not know is one it cannot honour, so it is reported, not ignored.
import * as z from 'zod';
import {
  Bounds,
  DEFAULT_OPERATOR_NAMESPACE,
  Defaults,
  DeletionPolicy,
  REGION_NODE_LABEL,
  SaslMechanism,
} from './constants.js';
import {
  BROKER_PATTERN,
  DISPLAY_NAME_MESSAGE,
  DISPLAY_NAME_PATTERN,
  duration,
  secretKey,
  secretName,
  TOKEN_MESSAGE,
  TOKEN_PATTERN,
  topicName,
} from './fields.js';
import { withRule } from './rules.js';

/** Why a cluster-scoped object may only point at Secrets in one namespace; repeated on every reference. */
const SECRET_NAMESPACE_NOTE =
  `The Secret is read from the operator's own namespace (\`${DEFAULT_OPERATOR_NAMESPACE}\` unless the operator ` +
  'was installed elsewhere), never from another: a ClusterRegistration is cluster-scoped and the operator can ' +
  'read Secrets, so a namespace field here would let anyone allowed to write ClusterRegistrations read any ' +
  'Secret in the cluster and send it to a broker of their choice. Only who may write Secrets in the ' +
  "operator's namespace decides what the operator sends.";

const ClientIdSchema = withRule(z.string().min(1).max(63).regex(TOKEN_PATTERN, { error: TOKEN_MESSAGE }), {
  rule: 'self == oldSelf',
  message: 'clientId is immutable',
}).describe(
  'The key the control plane knows this cluster by: the Kafka record key of every registration, heartbeat ' +
    "and tombstone. 1 to 63 characters of letters, digits, '-', '_' and '.', starting and ending with a " +
    'letter or digit (a Kubernetes label value), so it is a safe record key, log token and metric label. ' +
    'Immutable: changing it would register a second cluster and leave the first one behind; delete the ' +
    'object and create a new one instead.',
);

const LabelsSchema = withRule(
  z.record(
    z
      .string()
      .min(1)
      .max(63)
      .regex(TOKEN_PATTERN, { error: `label keys ${TOKEN_MESSAGE}` }),
    z.string().max(253),
  ),
  {
    rule: `self.all(k, size(k) <= 63 && k.matches('${TOKEN_PATTERN.source}'))`,
    message: `label keys must be 1 to 63 characters and ${TOKEN_MESSAGE}`,
  },
)
  // The count has no zod method on records; the refinement mirrors the CRD's maxProperties.
  .refine((labels) => Object.keys(labels).length <= Bounds.maxLabels, {
    error: `must have at most ${Bounds.maxLabels} entries`,
  })
  .meta({ maxProperties: Bounds.maxLabels })
  .describe(
    'Extra key/value pairs copied into the `metadata` object of the registration record. At most ' +
      `${Bounds.maxLabels} entries; keys are 1 to 63 characters of letters, digits, '-', '_' and '.', ` +
      'starting and ending with a letter or digit; values are at most 253 characters.',
  );

const SaslSecretRefSchema = z
  .strictObject({
    name: secretName('Name of the Secret holding the SASL username and password.'),
    usernameKey: secretKey('Key of the Secret whose value is the SASL username.', Defaults.saslUsernameKey),
    passwordKey: secretKey('Key of the Secret whose value is the SASL password.', Defaults.saslPasswordKey),
  })
  .describe(`The Secret holding the SASL username and password. ${SECRET_NAMESPACE_NOTE}`);

const SaslSchema = z
  .strictObject({
    mechanism: z
      .enum([SaslMechanism.Plain, SaslMechanism.ScramSha256, SaslMechanism.ScramSha512])
      .describe(
        `SASL mechanism: \`plain\`, \`scram-sha-256\` or \`scram-sha-512\`; defaults to \`${Defaults.saslMechanism}\`. ` +
          'PLAIN sends the password itself, so use it only together with TLS.',
      )
      .default(Defaults.saslMechanism),
    secretRef: SaslSecretRefSchema,
  })
  .describe(
    'SASL authentication. Unset: no SASL. With `tls` this is SASL_SSL, without it SASL_PLAINTEXT. ' +
      'Credentials are only ever read from a Secret; there is no field for them in the spec.',
  );

const CaSecretRefSchema = z
  .strictObject({
    name: secretName('Name of the Secret holding the CA certificate bundle.'),
    key: secretKey('Key of the Secret whose value is the PEM CA bundle.', Defaults.caKey),
  })
  .describe(
    "A Secret holding the PEM certificate(s) of the CA that signed the brokers' certificates. Unset: the " +
      `system's trusted roots. ${SECRET_NAMESPACE_NOTE}`,
  );

const ClientCertificateSecretRefSchema = z
  .strictObject({
    name: secretName('Name of the Secret holding the client certificate and its private key.'),
    certificateKey: secretKey(
      'Key of the Secret whose value is the PEM client certificate (chain).',
      Defaults.clientCertificateKey,
    ),
    privateKeyKey: secretKey(
      'Key of the Secret whose value is the PEM private key.',
      Defaults.clientPrivateKeyKey,
    ),
  })
  .describe(
    'A Secret holding the client certificate and private key for mutual TLS, such as a ' +
      `\`kubernetes.io/tls\` Secret. Unset: no client certificate. ${SECRET_NAMESPACE_NOTE}`,
  );

const TlsSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .describe(
        'Whether to connect with TLS; defaults to true, so writing a `tls` block turns TLS on. Set false to ' +
          'keep the block but connect in plaintext.',
      )
      .default(true),
    caSecretRef: CaSecretRefSchema.optional(),
    clientCertificateSecretRef: ClientCertificateSecretRefSchema.optional(),
    insecureSkipVerify: z
      .boolean()
      .describe(
        "Skip verifying the brokers' certificates and host names; defaults to false. Anyone on the path can " +
          'then read and alter the traffic, credentials included: for testing only.',
      )
      .default(false),
  })
  .describe('TLS to the brokers. Unset: plaintext.');

const BrokersSchema = z
  .array(
    z.string().max(261).regex(BROKER_PATTERN, {
      error:
        'must be host:port, with a DNS name, an IPv4 address or a bracketed IPv6 address, and a port from 1 to 65535',
    }),
  )
  .min(1, { error: 'must list at least one broker' })
  .max(Bounds.maxBrokers)
  // The API server rejects duplicates of a `set` list; zod must too.
  .refine((brokers) => new Set(brokers).size === brokers.length, { error: 'must not repeat a broker' })
  .meta({ 'x-kubernetes-list-type': 'set' })
  .describe(
    `Bootstrap brokers as \`host:port\`, at least one and at most ${Bounds.maxBrokers}, without repeats. The ` +
      'client learns the rest of the cluster from them.',
  );

export const KafkaSchema = z
  .strictObject({
    brokers: BrokersSchema,
    tls: TlsSchema.optional(),
    sasl: SaslSchema.optional(),
  })
  .describe('How to reach the Kafka cluster the control plane consumes from.');

const TopicsSchema = withRule(
  z.strictObject({
    registry: topicName(
      'Compacted topic of registration records and tombstones, keyed by clientId.',
      Defaults.registryTopic,
    ),
    heartbeat: topicName('Topic of heartbeat records, keyed by clientId.', Defaults.heartbeatTopic),
  }),
  {
    rule: 'self.registry != self.heartbeat',
    message: 'registry and heartbeat must be different topics',
    fieldPath: '.heartbeat',
  },
  // A heartbeat on the compacted registry topic would replace the registration it shares a key with.
  { check: (topics) => topics.registry !== topics.heartbeat, path: ['heartbeat'] },
)
  .describe('Topic names; the defaults are the ones the control plane consumes.')
  .default({ registry: Defaults.registryTopic, heartbeat: Defaults.heartbeatTopic });

const HeartbeatSchema = z
  .strictObject({
    enabled: z.boolean().describe('Whether to send heartbeats; defaults to true.').default(true),
    interval: duration({
      description:
        'Time between heartbeats. The control plane marks a cluster stale after 2 minutes without one and ' +
        'forgets it after 5, so keep it well below 2 minutes.',
      fallback: Defaults.heartbeatInterval,
      ...Bounds.heartbeatInterval,
    }),
  })
  .describe('Heartbeats: records that tell the control plane the cluster is still alive.')
  .default({ enabled: true, interval: Defaults.heartbeatInterval });

export const ClusterRegistrationSpecSchema = z
  .strictObject({
    clientId: ClientIdSchema,
    clusterName: z
      .string()
      .regex(DISPLAY_NAME_PATTERN, { error: DISPLAY_NAME_MESSAGE })
      .optional()
      .describe(
        "Human-readable cluster name sent as the record's `cluster_name`, free text for the control plane: " +
          '1 to 253 printable characters in any script (letters, digits, spaces, punctuation, symbols), no ' +
          'control characters, not starting or ending with a space. Unset: the clientId.',
      ),
    region: z
      .string()
      .min(1)
      .max(63)
      .regex(TOKEN_PATTERN, { error: TOKEN_MESSAGE })
      .optional()
      .describe(
        `Region sent with the registration. Unset: the operator reads the nodes' \`${REGION_NODE_LABEL}\` label.`,
      ),
    labels: LabelsSchema.optional(),
    kafka: KafkaSchema,
    topics: TopicsSchema,
    heartbeat: HeartbeatSchema,
    reassertInterval: duration({
      description:
        'How often the registration is sent again while nothing changes, so that a control plane that ' +
        'restarted (it keeps its state in memory and does not read the registry topic again from the start) ' +
        'learns of the cluster again.',
      fallback: Defaults.reassertInterval,
      ...Bounds.reassertInterval,
    }),
    deletionPolicy: z
      .enum([DeletionPolicy.Deregister, DeletionPolicy.Orphan])
      .describe(
        'What deleting this object does. `Deregister` (default): a tombstone is sent to the registry topic and ' +
          'the object stays (held by a finalizer) until the broker acknowledged it. `Orphan`: no tombstone, and ' +
          'nothing is sent any more: the control plane marks the cluster stale 2 minutes after the last ' +
          'heartbeat and forgets it after 5. The registration record stays in the compacted topic, but the ' +
          'control plane never reads it again, not even after a restart (its consumer group starts at the ' +
          'newest offset and resumes from its committed ones); only a consumer that reads the topic from the ' +
          'beginning still sees it.',
      )
      .default(DeletionPolicy.Deregister),
    suspend: z
      .boolean()
      .describe(
        'Stop sending registrations and heartbeats without deregistering; defaults to false. The control plane ' +
          'will mark the cluster stale and then forget it; resuming registers it again.',
      )
      .default(false),
  })
  .describe('What to register and where: the desired state.');

/** The spec with defaults applied: what the controller works with. */
export type ClusterRegistrationSpec = z.output<typeof ClusterRegistrationSpecSchema>;
/** The spec as a user may write it: defaulted fields optional. */
export type ClusterRegistrationSpecInput = z.input<typeof ClusterRegistrationSpecSchema>;
export type KafkaSpec = ClusterRegistrationSpec['kafka'];
export type TlsSpec = NonNullable<KafkaSpec['tls']>;
export type SaslSpec = NonNullable<KafkaSpec['sasl']>;

/** The cluster name to send: clusterName, or the clientId when unset (a default CRD schemas cannot express). */
export function effectiveClusterName(
  spec: Pick<ClusterRegistrationSpec, 'clientId' | 'clusterName'>,
): string {
  return spec.clusterName ?? spec.clientId;
}

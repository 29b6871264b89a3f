// Names of the ClusterRegistration API that the CRD, the controller and the docs must agree on.

import { KafkaConditionReason } from '../kafka/failure.js';

export const GROUP = 'registry.kgroot.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}` as const;
export const KIND = 'ClusterRegistration';
export const LIST_KIND = 'ClusterRegistrationList';
export const PLURAL = 'clusterregistrations';
export const SINGULAR = 'clusterregistration';
export const SHORT_NAMES = ['creg'] as const;
export const CRD_NAME = `${PLURAL}.${GROUP}` as const;

/**
 * Where the operator runs unless told otherwise. Secrets that spec fields refer to are read from the
 * operator's own namespace only, so this is also where those Secrets live.
 */
export const DEFAULT_OPERATOR_NAMESPACE = 'cluster-registry-system';

/** The namespace whose UID identifies the cluster (`status.clusterId`): it exists in every cluster and is never recreated. */
export const CLUSTER_ID_NAMESPACE = 'kube-system';

/** The node label the region is read from when `spec.region` is unset. */
export const REGION_NODE_LABEL = 'topology.kubernetes.io/region';

export const ConditionType = {
  /** The summary: registered, heartbeating when enabled, nothing wrong. Its reason is the first problem found. */
  Ready: 'Ready',
  /** The broker acknowledged the latest registration record. */
  Registered: 'Registered',
  /** Heartbeats are being acknowledged at the configured interval. */
  Heartbeating: 'Heartbeating',
  /** The referenced Secrets exist, hold the named keys, and the broker accepted them. */
  CredentialsValid: 'CredentialsValid',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/**
 * Reasons the operator sets on conditions (the `REASON` column of `kubectl get creg` is the Ready condition's).
 * Each must match metav1.Condition's reason pattern: CamelCase, no spaces. docs/api.md says which condition
 * uses which.
 */
export const ConditionReason = {
  /** Ready and Registered are True. */
  Registered: 'Registered',
  /** Nothing has been attempted yet for the current generation. */
  Pending: 'Pending',
  /** The spec failed validation; the message names the offending fields. */
  InvalidSpec: 'InvalidSpec',
  /** `spec.suspend` is true: nothing is sent, nothing is deregistered. */
  Suspended: 'Suspended',
  /** A referenced Secret does not exist in the operator's namespace. */
  SecretNotFound: 'SecretNotFound',
  /** A referenced Secret lacks a named key, or the value is empty or unusable (e.g. not PEM). */
  SecretKeyMissing: 'SecretKeyMissing',
  /** The Secrets were read and the broker accepted them. */
  CredentialsResolved: 'CredentialsResolved',
  /** The spec uses neither SASL nor TLS client certificates nor a custom CA: there is nothing to read. */
  NoCredentialsRequired: 'NoCredentialsRequired',
  /** Another ClusterRegistration, older, registers the same clientId at the same brokers and topic. */
  DuplicateClientId: 'DuplicateClientId',
  /** The registry topic's cleanup.policy is not `compact`: the control plane's picture would not survive. */
  TopicNotCompacted: 'TopicNotCompacted',
  // The Kafka failures (src/kafka/failure.ts owns them), each under its own name, so the REASON column says what
  // is wrong: BrokerUnreachable, AuthenticationFailed, TLSUntrusted, TLSHandshakeFailed, TopicNotFound,
  // NotAuthorized, NotEnoughReplicas, RecordRejected, InvalidConfiguration, SendTimeout.
  ...KafkaConditionReason,
  /** The broker refused or did not acknowledge the record for another reason; the message says which. */
  PublishFailed: 'PublishFailed',
  /** Heartbeating is True. */
  HeartbeatAcknowledged: 'HeartbeatAcknowledged',
  /** `spec.heartbeat.enabled` is false. */
  HeartbeatDisabled: 'HeartbeatDisabled',
} as const;
export type ConditionReason = (typeof ConditionReason)[keyof typeof ConditionReason];

/** Our finalizer: the object stays until the broker acknowledged its tombstone (or the policy is Orphan). */
export const FINALIZER = `${GROUP}/deregister` as const;

/**
 * Set to `Orphan` on an object that is stuck being deleted (its brokers are gone for good, say) to let it go
 * without a tombstone; it overrides spec.deletionPolicy, which can no longer be changed once deletion began.
 */
export const DELETION_POLICY_ANNOTATION = `${GROUP}/deletion-policy` as const;

export const DeletionPolicy = {
  /** Send a tombstone and keep the object (by finalizer) until the broker acknowledged it. */
  Deregister: 'Deregister',
  /** Delete without a tombstone: the control plane keeps the registration until it expires or is removed. */
  Orphan: 'Orphan',
} as const;
export type DeletionPolicy = (typeof DeletionPolicy)[keyof typeof DeletionPolicy];

export const SaslMechanism = {
  Plain: 'plain',
  ScramSha256: 'scram-sha-256',
  ScramSha512: 'scram-sha-512',
} as const;
export type SaslMechanism = (typeof SaslMechanism)[keyof typeof SaslMechanism];

/** The defaults the CRD applies on admission and the zod schema applies on parse. */
export const Defaults = {
  registryTopic: 'cluster.registry',
  heartbeatTopic: 'cluster.heartbeat',
  heartbeatInterval: '30s',
  reassertInterval: '10m',
  deletionPolicy: DeletionPolicy.Deregister,
  saslMechanism: SaslMechanism.ScramSha512,
  saslUsernameKey: 'username',
  saslPasswordKey: 'password',
  caKey: 'ca.crt',
  clientCertificateKey: 'tls.crt',
  clientPrivateKeyKey: 'tls.key',
} as const;

/** Bounds of the duration fields, as duration strings (CEL `duration()` literals and zod checks share them). */
export const Bounds = {
  heartbeatInterval: { min: '5s', max: '10m' },
  reassertInterval: { min: '1m', max: '1h' },
  maxBrokers: 32,
  maxLabels: 32,
} as const;

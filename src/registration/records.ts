// The wire format: the records the control plane reads (see the project's shared contract.md). The values are the
// contract's plain JSON, a superset of what the old Helm Jobs sent; the headers follow the CloudEvents Kafka binary
// binding so that a consumer can route, deduplicate and drop stale records without parsing the value.
import { randomUUID } from 'node:crypto';
import { effectiveClusterName, type ClusterRegistration } from '../api/index.js';
import type { KafkaRecord } from '../kafka/index.js';
import { rfc3339 } from '../runtime/index.js';
import type { ClusterFacts } from './cluster-facts.js';
import type { Send } from './plan.js';

export const RegistryEvent = {
  Register: 'register',
  Deregister: 'deregister',
  Heartbeat: 'heartbeat',
} as const;
export type RegistryEvent = (typeof RegistryEvent)[keyof typeof RegistryEvent];

/** CloudEvents `type` per event: reverse-DNS, as the spec recommends. */
export const CloudEventType: Readonly<Record<RegistryEvent, string>> = {
  register: 'io.kgroot.registry.register',
  deregister: 'io.kgroot.registry.deregister',
  heartbeat: 'io.kgroot.registry.heartbeat',
};

/** Bumped when a header or value field changes meaning, never for an added field. */
export const REGISTRY_SCHEMA_VERSION = '1';

/** What every record says about who sent it and when. */
export interface RecordOrigin {
  /** The record key: the id the control plane knows the cluster by. */
  clientId: string;
  /** UID of the cluster (the kube-system namespace's UID). */
  clusterUid: string;
  /** The ClusterRegistration that sent the record. */
  objectName: string;
  objectUid: string;
  /** Its metadata.generation: with the uid, lets a consumer drop records from an older spec. */
  generation: number;
  /** The time of sending. */
  now: Date;
  /** CloudEvents id; a random UUID when unset (tests fix it). */
  eventId?: string;
}

export interface RegistrationInput extends RecordOrigin {
  topic: string;
  clusterName: string;
  /** Omitted from the record when unknown. */
  region?: string;
  /** The spec's labels, nested under metadata.labels so they cannot clash with the metadata's own fields. */
  labels: Readonly<Record<string, string>>;
  kubernetesVersion: string;
  nodeCount: number;
  /** Sent as `version`, the field the old Jobs filled with the chart version. */
  operatorVersion: string;
  /** When the cluster was first registered, if known; `now` otherwise. */
  registeredAt?: Date;
  /** The operator's namespace, kept in metadata as the old Jobs' release namespace was. */
  namespace?: string;
  /** The operator's Helm release name, if it was installed by Helm. */
  releaseName?: string;
  /** The operator chart's version, if it was installed by Helm. */
  chartVersion?: string;
}

export interface HeartbeatInput extends RecordOrigin {
  topic: string;
  /** A few numbers for the control plane's `metrics` object; empty by default. */
  metrics?: Readonly<Record<string, number>>;
}

export interface TombstoneInput extends RecordOrigin {
  topic: string;
}

/** The registration value. The control plane decodes client_id, cluster_name, version, registered_at, metadata. */
export interface RegistrationValue {
  client_id: string;
  cluster_name: string;
  version: string;
  registered_at: string;
  /** Every registration carries it: the control plane takes the cluster's status from the record. */
  status: 'active';
  region?: string;
  /** The time of sending, as the older Job sent it. */
  timestamp: string;
  chart_version?: string;
  metadata: RegistrationMetadata;
}

export interface RegistrationMetadata {
  cluster_uid: string;
  kubernetes_version: string;
  node_count: number;
  name: string;
  generation: number;
  operator_version: string;
  labels: Record<string, string>;
  namespace?: string;
  release_name?: string;
  chart_version?: string;
}

export interface HeartbeatValue {
  client_id: string;
  timestamp: string;
  status: 'healthy';
  metrics: Record<string, number>;
}

function requireText(value: string, field: string): string {
  if (value === '') throw new TypeError(`${field} must not be empty`);
  return value;
}

function requireCount(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${field} must be a non-negative integer, got ${value}`);
  }
  return value;
}

function headers(event: RegistryEvent, origin: RecordOrigin, hasValue: boolean): Record<string, string> {
  const source = `/clusters/${encodeURIComponent(origin.clusterUid)}/clusterregistrations/${encodeURIComponent(origin.objectName)}`;
  return {
    ce_specversion: '1.0',
    ce_id: origin.eventId ?? randomUUID(),
    ce_source: source,
    ce_type: CloudEventType[event],
    ce_subject: origin.clientId,
    ce_time: rfc3339(origin.now),
    // The binding's datacontenttype; a tombstone has no data, so no content type.
    ...(hasValue ? { 'content-type': 'application/json' } : {}),
    registry_event: event,
    registry_schema_version: REGISTRY_SCHEMA_VERSION,
    registry_object_uid: origin.objectUid,
    registry_object_generation: String(requireCount(origin.generation, 'generation')),
  };
}

export function registrationValue(input: RegistrationInput): RegistrationValue {
  const sentAt = rfc3339(input.now);
  const metadata: RegistrationMetadata = {
    cluster_uid: requireText(input.clusterUid, 'clusterUid'),
    kubernetes_version: input.kubernetesVersion,
    node_count: requireCount(input.nodeCount, 'nodeCount'),
    name: requireText(input.objectName, 'objectName'),
    generation: requireCount(input.generation, 'generation'),
    operator_version: input.operatorVersion,
    labels: { ...input.labels },
    ...(input.namespace === undefined ? {} : { namespace: input.namespace }),
    ...(input.releaseName === undefined ? {} : { release_name: input.releaseName }),
    ...(input.chartVersion === undefined ? {} : { chart_version: input.chartVersion }),
  };
  return {
    client_id: requireText(input.clientId, 'clientId'),
    cluster_name: requireText(input.clusterName, 'clusterName'),
    version: requireText(input.operatorVersion, 'operatorVersion'),
    registered_at: input.registeredAt === undefined ? sentAt : rfc3339(input.registeredAt),
    status: 'active',
    ...(input.region === undefined ? {} : { region: input.region }),
    timestamp: sentAt,
    ...(input.chartVersion === undefined ? {} : { chart_version: input.chartVersion }),
    metadata,
  };
}

export function heartbeatValue(input: HeartbeatInput): HeartbeatValue {
  const metrics: Record<string, number> = {};
  for (const [name, value] of Object.entries(input.metrics ?? {})) {
    // JSON has no NaN or Infinity: JSON.stringify would turn them into null, a wrongly typed metric.
    if (!Number.isFinite(value)) throw new RangeError(`metric ${name} must be a finite number, got ${value}`);
    metrics[name] = value;
  }
  return {
    client_id: requireText(input.clientId, 'clientId'),
    timestamp: rfc3339(input.now),
    status: 'healthy',
    metrics,
  };
}

export function registrationRecord(input: RegistrationInput): KafkaRecord {
  return {
    topic: requireText(input.topic, 'topic'),
    key: input.clientId,
    value: JSON.stringify(registrationValue(input)),
    headers: headers(RegistryEvent.Register, input, true),
  };
}

export function heartbeatRecord(input: HeartbeatInput): KafkaRecord {
  return {
    topic: requireText(input.topic, 'topic'),
    key: input.clientId,
    value: JSON.stringify(heartbeatValue(input)),
    headers: headers(RegistryEvent.Heartbeat, input, true),
  };
}

/** Deregistration: the same key on the (compacted) registry topic, with no value. */
export function tombstoneRecord(input: TombstoneInput): KafkaRecord {
  return {
    topic: requireText(input.topic, 'topic'),
    key: requireText(input.clientId, 'clientId'),
    value: null,
    headers: headers(RegistryEvent.Deregister, input, false),
  };
}

/** Who sends: the operator's version, and where and how it was installed. */
export interface Sender {
  operatorVersion: string;
  namespace: string;
  releaseName?: string;
  chartVersion?: string;
}

/** The record a planned send puts on the wire, from the object, the cluster's facts and the sender. */
export function recordOf(
  send: Pick<Send, 'kind' | 'place'>,
  registration: ClusterRegistration,
  facts: ClusterFacts,
  sender: Sender,
  at: { now: Date; registeredAt?: string },
): KafkaRecord {
  const { spec, metadata } = registration;
  const origin: RecordOrigin = {
    clientId: spec.clientId,
    clusterUid: facts.clusterUid,
    objectName: metadata.name,
    objectUid: metadata.uid ?? '',
    generation: metadata.generation ?? 0,
    now: at.now,
  };
  switch (send.kind) {
    case 'tombstone':
      return tombstoneRecord({ ...origin, topic: send.place.topic });
    case 'heartbeat':
      return heartbeatRecord({ ...origin, topic: spec.topics.heartbeat });
    case 'register':
      return registrationRecord({
        ...origin,
        topic: send.place.topic,
        clusterName: effectiveClusterName(spec),
        region: spec.region ?? facts.region,
        labels: spec.labels ?? {},
        kubernetesVersion: facts.kubernetesVersion,
        nodeCount: facts.nodeCount,
        operatorVersion: sender.operatorVersion,
        registeredAt: at.registeredAt === undefined ? undefined : new Date(at.registeredAt),
        namespace: sender.namespace,
        releaseName: sender.releaseName,
        chartVersion: sender.chartVersion,
      });
  }
}

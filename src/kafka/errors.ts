// Classification: whatever a Kafka call threw becomes a KafkaFailure (failure.ts), by one ordered table of rules,
// each with the message that says what is wrong and what to check. The messages are for people and never carry a
// secret.
import {
  describeConnection,
  normalizedBrokers,
  securityProtocol,
  type KafkaConnection,
} from './connection.js';
import { KafkaFailure, KafkaFailureReason } from './failure.js';

/** What the failing operation was about, for the message. */
export interface FailureContext {
  conn?: KafkaConnection;
  topic?: string;
}

/** The fields of kafkajs and Node errors that classification reads. */
interface ErrorLink {
  name: string;
  message: string;
  code?: string;
  type?: string;
  broker?: string;
}

function stringField(value: object, key: string): string | undefined {
  const field: unknown = Reflect.get(value, key);
  return typeof field === 'string' ? field : undefined;
}

// kafkajs's words for some broker error codes, for when only a logged line is left of the error.
const TYPE_BY_TEXT: readonly (readonly [RegExp, string])[] = [
  [/does not host this topic-partition/i, 'UNKNOWN_TOPIC_OR_PARTITION'],
  [/Not authorized to access topics/i, 'TOPIC_AUTHORIZATION_FAILED'],
  [/Cluster authorization failed/i, 'CLUSTER_AUTHORIZATION_FAILED'],
];

function toLink(error: unknown): ErrorLink {
  if (typeof error !== 'object' || error === null) return textLink(String(error));
  return {
    name: stringField(error, 'name') ?? 'Error',
    message: stringField(error, 'message') ?? '',
    code: stringField(error, 'code'),
    type: stringField(error, 'type'),
    broker: stringField(error, 'broker'),
  };
}

function textLink(message: string): ErrorLink {
  return { name: 'Error', message, type: TYPE_BY_TEXT.find(([pattern]) => pattern.test(message))?.[1] };
}

/** The error and what it wraps: kafkajs nests the real cause under retries and non-retriable wrappers. */
function errorChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && chain.length < 10 && !chain.includes(current)) {
    chain.push(current);
    if (typeof current !== 'object') break;
    const errors: unknown = Reflect.get(current, 'errors');
    // KafkaJSAggregateError (createTopics): the first error stands for the rest.
    current = Array.isArray(errors) && errors.length > 0 ? errors[0] : Reflect.get(current, 'cause');
  }
  return chain;
}

const firstLine = (text: string) => text.split('\n', 1)[0]?.trim() ?? '';

function scrub(text: string, conn: KafkaConnection | undefined): string {
  let safe = firstLine(text);
  for (const secret of [conn?.sasl?.password, conn?.tls?.key]) {
    if (secret !== undefined && secret.length > 0) safe = safe.split(secret).join('[REDACTED]');
  }
  return safe;
}

const TLS_UNTRUSTED_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const TLS_UNTRUSTED_TEXT =
  /self[- ]signed certificate|unable to verify the first certificate|unable to get (local )?issuer certificate|certificate has expired|certificate is not yet valid|does not match certificate's altnames/i;
const TLS_HANDSHAKE_TEXT =
  /before secure TLS connection was established|SSL routines|sslv3 alert|tlsv1[0-9.]* alert|wrong version number/i;
const TLS_MATERIAL_TEXT =
  /(PEM|DECODER|ASN1|X509|x509 certificate) routines|no start line|bad decrypt|key values mismatch/i;
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EPIPE',
]);
const UNREACHABLE_TEXT =
  /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ECONNRESET|EPIPE|Connection timeout|Closed connection|No broker available/i;
const SASL_FAILED_TEXT = /SASL .*authentication failed|Authentication failed/i;

// Kafka protocol error types: kafkajs 2.2.4's names for the broker's error codes (src/protocol/error.js).
const TOPIC_MISSING_TYPES = new Set(['UNKNOWN_TOPIC_OR_PARTITION']);
const NOT_AUTHORIZED_TYPES = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'DELEGATION_TOKEN_AUTHORIZATION_FAILED',
]);
const SASL_REJECTED_TYPES = new Set(['SASL_AUTHENTICATION_FAILED']);
const SASL_MISMATCH_TYPES = new Set(['ILLEGAL_SASL_STATE', 'UNSUPPORTED_SASL_MECHANISM']);
const REPLICA_TYPES = new Set(['NOT_ENOUGH_REPLICAS', 'NOT_ENOUGH_REPLICAS_AFTER_APPEND']);
const REJECTED_TYPES = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_TOPIC_EXCEPTION',
  'POLICY_VIOLATION',
  'INVALID_REQUIRED_ACKS',
  'INVALID_REPLICATION_FACTOR',
  'INVALID_PARTITIONS',
  'INVALID_CONFIG',
]);
const LEADERLESS_TYPES = new Set([
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'BROKER_NOT_AVAILABLE',
  'REPLICA_NOT_AVAILABLE',
  'NETWORK_EXCEPTION',
  'NOT_CONTROLLER',
  'KAFKA_STORAGE_ERROR',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'PREFERRED_LEADER_NOT_AVAILABLE',
  'ELIGIBLE_LEADERS_NOT_AVAILABLE',
  'LISTENER_NOT_FOUND',
]);
const TIMEOUT_NAMES = new Set(['KafkaJSRequestTimeoutError', 'KafkaJSTimeout', 'KafkaJSLockTimeout']);
const UNREACHABLE_NAMES = new Set([
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
]);

/** What the message may say about the connection: never a secret. */
interface Describe {
  where: string;
  topic: string;
  protocol: string;
  mechanism?: string;
  user?: string;
}

/** Builds the one-line message for a classified link. */
type Explain = (link: ErrorLink, d: Describe) => string;

interface Verdict {
  reason: KafkaFailureReason;
  explain: Explain;
}

const verdict = (reason: KafkaFailureReason, explain: Explain): Verdict => ({ reason, explain });

function brokerOf(link: ErrorLink, where: string): string {
  const inMessage = /(\d{1,3}(?:\.\d{1,3}){3}:\d+|[A-Za-z0-9.-]+:\d{2,5})\s*$/.exec(link.message)?.[1];
  return link.broker ?? inMessage ?? where;
}

function tlsUntrusted(link: ErrorLink): Verdict {
  const text = `${link.code ?? ''} ${link.message}`;
  if (/ALTNAME|altnames/i.test(text)) {
    return verdict(
      KafkaFailureReason.TLSUntrusted,
      (l, d) =>
        `the certificate of ${brokerOf(l, d.where)} does not name the host it was reached by: use a broker address the certificate lists`,
    );
  }
  if (/EXPIRED|NOT_YET_VALID|expired|not yet valid/.test(text)) {
    return verdict(
      KafkaFailureReason.TLSUntrusted,
      (l, d) =>
        `the certificate of ${brokerOf(l, d.where)} is expired or not yet valid (${detail(l)}): renew it, or check this node's clock`,
    );
  }
  return verdict(
    KafkaFailureReason.TLSUntrusted,
    (l, d) =>
      `the certificate of ${brokerOf(l, d.where)} is not trusted (${detail(l)}): put the CA that signed the brokers' certificates in the CA Secret`,
  );
}

function detail(link: ErrorLink): string {
  return link.message.replace(/^(Connection error|Failed to connect): /, '');
}

const saslRejected = verdict(
  KafkaFailureReason.AuthenticationFailed,
  (_l, d) =>
    `the broker rejected the SASL ${d.mechanism ?? ''} credentials of user '${d.user ?? ''}': check the username and password in the Secret, and the mechanism`,
);

const timeoutVerdict = verdict(
  KafkaFailureReason.SendTimeout,
  (_l, d) => `${d.where} did not answer in time: check the brokers' health and the network to them`,
);

/** One classification rule: when it matches a link, its verdict (or the function that picks one) holds. */
interface Rule {
  when: (link: ErrorLink) => boolean;
  then: Verdict | ((link: ErrorLink) => Verdict);
}

const hasType = (types: ReadonlySet<string>) => (link: ErrorLink) =>
  link.type !== undefined && types.has(link.type);

/** The classification, first match wins: protocol error types, then TLS, then connection-level causes. */
const RULES: readonly Rule[] = [
  {
    when: (l) => l.name === 'KafkaJSSASLAuthenticationError' || hasType(SASL_REJECTED_TYPES)(l),
    then: saslRejected,
  },
  {
    when: hasType(SASL_MISMATCH_TYPES),
    then: verdict(
      KafkaFailureReason.AuthenticationFailed,
      (l, d) =>
        `the broker's listener at ${d.where} does not accept SASL ${d.mechanism ?? ''} (${l.type ?? ''}): check the mechanism, and that the address is a SASL listener`,
    ),
  },
  {
    when: hasType(TOPIC_MISSING_TYPES),
    then: verdict(
      KafkaFailureReason.TopicNotFound,
      (_l, d) =>
        `topic '${d.topic}' does not exist on ${d.where}: create it (the registry topic with cleanup.policy=compact), or run the operator with --create-topics`,
    ),
  },
  {
    when: hasType(NOT_AUTHORIZED_TYPES),
    then: verdict(
      KafkaFailureReason.NotAuthorized,
      (l, d) =>
        `the broker denied ${d.user === undefined ? 'this client' : `user '${d.user}'`} (${l.type ?? ''}) on topic '${d.topic}': grant it Write and Describe on the topic (and IdempotentWrite on the cluster for brokers older than 2.8)`,
    ),
  },
  {
    when: hasType(REPLICA_TYPES),
    then: verdict(
      KafkaFailureReason.NotEnoughReplicas,
      (l, d) =>
        `topic '${d.topic}' has fewer in-sync replicas than its min.insync.replicas (${l.type ?? ''}): the Kafka cluster is degraded; check its brokers`,
    ),
  },
  {
    when: hasType(REJECTED_TYPES),
    then: verdict(
      KafkaFailureReason.RecordRejected,
      (l, d) => `the broker refused the request for topic '${d.topic}' (${l.type ?? ''}): ${detail(l)}`,
    ),
  },
  {
    when: hasType(LEADERLESS_TYPES),
    then: verdict(
      KafkaFailureReason.BrokerUnreachable,
      (l, d) =>
        `no broker can serve topic '${d.topic}' right now (${l.type ?? ''}): the Kafka cluster is restarting or unhealthy`,
    ),
  },
  { when: (l) => l.type === 'REQUEST_TIMED_OUT' || TIMEOUT_NAMES.has(l.name), then: timeoutVerdict },
  {
    when: (l) =>
      (l.code !== undefined && TLS_UNTRUSTED_CODES.has(l.code)) || TLS_UNTRUSTED_TEXT.test(l.message),
    then: tlsUntrusted,
  },
  {
    when: (l) => TLS_MATERIAL_TEXT.test(l.message) && /^Failed to connect/.test(l.message),
    then: verdict(
      KafkaFailureReason.InvalidConfiguration,
      (l) =>
        `the TLS client certificate, key or CA could not be loaded (${detail(l)}): check that the Secret values are PEM and that the key belongs to the certificate`,
    ),
  },
  {
    when: (l) => isTlsHandshake(l) && /before secure TLS connection/i.test(l.message),
    then: verdict(
      KafkaFailureReason.TLSHandshakeFailed,
      (l, d) =>
        `${brokerOf(l, d.where)} ended the connection during the TLS handshake: check that the address is a TLS listener (or turn TLS off for a plaintext one)`,
    ),
  },
  {
    when: isTlsHandshake,
    then: verdict(
      KafkaFailureReason.TLSHandshakeFailed,
      (l, d) =>
        `the TLS handshake with ${brokerOf(l, d.where)} failed (${detail(l)}): check the client certificate and key Secret, and that the broker trusts the CA that signed them`,
    ),
  },
  {
    when: (l) => UNREACHABLE_NAMES.has(l.name) || /Closed connection/.test(l.message),
    then: verdict(
      KafkaFailureReason.BrokerUnreachable,
      (l, d) =>
        `${brokerOf(l, d.where)} closed the connection: check that the broker is up and that its listener's security protocol matches this client's (${d.protocol})`,
    ),
  },
  {
    when: (l) => (l.code !== undefined && UNREACHABLE_CODES.has(l.code)) || UNREACHABLE_TEXT.test(l.message),
    then: unreachable,
  },
  { when: (l) => SASL_FAILED_TEXT.test(l.message), then: saslRejected },
  { when: (l) => l.name === 'KafkaJSConnectionError', then: unreachable },
];

function isTlsHandshake(link: ErrorLink): boolean {
  return (
    link.code?.startsWith('ERR_SSL_') === true ||
    link.code === 'EPROTO' ||
    TLS_HANDSHAKE_TEXT.test(link.message)
  );
}

function classifyLink(link: ErrorLink): Verdict | undefined {
  const rule = RULES.find((candidate) => candidate.when(link));
  if (rule === undefined) return undefined;
  return typeof rule.then === 'function' ? rule.then(link) : rule.then;
}

function unreachable(link: ErrorLink): Verdict {
  const text = `${link.code ?? ''} ${link.message}`;
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) {
    return verdict(
      KafkaFailureReason.BrokerUnreachable,
      (l) => `broker host not found (${detail(l)}): check the broker addresses and this cluster's DNS`,
    );
  }
  if (/ECONNREFUSED/.test(text)) {
    return verdict(
      KafkaFailureReason.BrokerUnreachable,
      (l, d) =>
        `${brokerOf(l, d.where)} refused the connection: check the broker address and port, and that the broker is running`,
    );
  }
  return verdict(
    KafkaFailureReason.BrokerUnreachable,
    (l, d) =>
      `cannot reach ${brokerOf(l, d.where)} (${detail(l)}): check the broker addresses, that the brokers are running, and the network (firewalls, network policies) between this cluster and them`,
  );
}

function describe(ctx: FailureContext): Describe {
  const conn = ctx.conn;
  return {
    where: conn === undefined ? 'the Kafka brokers' : normalizedBrokers(conn).join(','),
    topic: ctx.topic ?? '?',
    protocol: conn === undefined ? 'unknown' : securityProtocol(conn),
    mechanism: conn?.sasl?.mechanism.toUpperCase(),
    user: conn?.sasl?.username,
  };
}

/**
 * Turns whatever a Kafka call threw into a KafkaFailure. The innermost cause decides (kafkajs wraps the real error
 * in retry and non-retriable wrappers whose names say little); a KafkaFailure passes through unchanged.
 */
export function classifyKafkaError(error: unknown, ctx: FailureContext = {}): KafkaFailure {
  if (error instanceof KafkaFailure) return error;
  const chain = errorChain(error);
  const d = describe(ctx);
  for (const cause of [...chain].reverse()) {
    const link = toLink(cause);
    const found = classifyLink(link);
    if (found !== undefined) {
      return new KafkaFailure(found.reason, scrub(found.explain(link, d), ctx.conn), { cause: error });
    }
  }
  const outer = toLink(error);
  const name = outer.name === 'Error' ? '' : ` (${outer.name})`;
  return new KafkaFailure(
    KafkaFailureReason.Unknown,
    scrub(`Kafka error talking to ${d.where}${name}: ${outer.message || 'no message'}`, ctx.conn),
    { cause: error },
  );
}

/**
 * The failure for a deadline that passed. When the client logged a recognisable connection-level error during the
 * attempt (it retries those quietly), that is the likelier story than a slow broker, so its reason wins.
 */
export function deadlineFailure(
  deadlineMs: number,
  ctx: FailureContext,
  lastLoggedError: string | undefined,
): KafkaFailure {
  const suffix = `no acknowledgement within ${deadlineMs} ms`;
  if (lastLoggedError !== undefined) {
    const link = textLink(lastLoggedError);
    const found = classifyLink(link);
    if (found !== undefined && CONNECTION_LEVEL.has(found.reason)) {
      return new KafkaFailure(
        found.reason,
        scrub(`${found.explain(link, describe(ctx))} (${suffix})`, ctx.conn),
      );
    }
  }
  const where = ctx.conn === undefined ? 'the Kafka brokers' : describeConnection(ctx.conn);
  return new KafkaFailure(
    KafkaFailureReason.SendTimeout,
    scrub(`${suffix} from ${where}: check the brokers' health and the network to them`, ctx.conn),
  );
}

const CONNECTION_LEVEL: ReadonlySet<KafkaFailureReason> = new Set([
  KafkaFailureReason.BrokerUnreachable,
  KafkaFailureReason.AuthenticationFailed,
  KafkaFailureReason.TLSUntrusted,
  KafkaFailureReason.TLSHandshakeFailed,
  KafkaFailureReason.TopicNotFound,
]);

/** The Kafka protocol error types (e.g. `OUT_OF_ORDER_SEQUENCE_NUMBER`) anywhere in the error's cause chain. */
export function protocolErrorTypes(error: unknown): string[] {
  return errorChain(error).flatMap((cause) => {
    const type = toLink(cause).type;
    return type === undefined ? [] : [type];
  });
}

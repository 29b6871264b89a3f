// How to reach a Kafka cluster, with credentials already read from Secrets, and a stable name for it that never
// shows a secret.
import { createHmac, randomBytes } from 'node:crypto';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface TlsSettings {
  /** PEM bundle of the CA(s) that signed the brokers' certificates; unset: the system's trusted roots. */
  ca?: string;
  /** PEM client certificate (chain) for mutual TLS; requires `key`. */
  cert?: string;
  /** PEM private key of `cert`. */
  key?: string;
  /** Skip verifying the brokers' certificates and host names (testing only). */
  insecureSkipVerify: boolean;
}

export interface SaslSettings {
  mechanism: SaslMechanism;
  username: string;
  password: string;
}

export interface KafkaConnection {
  /** Bootstrap brokers as `host:port`. */
  brokers: string[];
  /** Unset: plaintext. */
  tls?: TlsSettings;
  /** Unset: no SASL. */
  sasl?: SaslSettings;
}

export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';

export function securityProtocol(conn: KafkaConnection): SecurityProtocol {
  if (conn.tls === undefined) return conn.sasl === undefined ? 'PLAINTEXT' : 'SASL_PLAINTEXT';
  return conn.sasl === undefined ? 'SSL' : 'SASL_SSL';
}

/** Host names are case-insensitive, so `Kafka-1:9093` and `kafka-1:9093` are one broker. */
export function normalizedBrokers(conn: KafkaConnection): string[] {
  return [...new Set(conn.brokers.map((broker) => broker.trim().toLowerCase()))].sort();
}

// The id is logged and may be shown in status, so the secret parts enter it only through an HMAC. A plain hash of
// a password would let anyone who reads the logs test guesses offline; a key that lives only in this process's
// memory makes the digest useless outside it. The price: ids are stable within one process only, which is all the
// pool needs. Never persist one.
const ID_KEY = randomBytes(32);

/**
 * A name for the connection: equal for equal settings (broker order and case do not matter), different when any
 * setting changes, a rotated password or certificate included. Readable part: protocol, mechanism, brokers.
 */
export function connectionId(conn: KafkaConnection): string {
  const brokers = normalizedBrokers(conn);
  const material = JSON.stringify({
    brokers,
    tls:
      conn.tls === undefined
        ? null
        : {
            ca: conn.tls.ca ?? null,
            cert: conn.tls.cert ?? null,
            key: conn.tls.key ?? null,
            insecureSkipVerify: conn.tls.insecureSkipVerify,
          },
    sasl: conn.sasl === undefined ? null : { ...conn.sasl },
  });
  const digest = createHmac('sha256', ID_KEY).update(material).digest('hex').slice(0, 16);
  const mechanism = conn.sasl === undefined ? '' : `+${conn.sasl.mechanism}`;
  return `${securityProtocol(conn)}${mechanism}://${brokers.join(',')}#${digest}`;
}

/** For messages and logs: where and how, never with what. */
export function describeConnection(conn: KafkaConnection): string {
  const how: string[] = [securityProtocol(conn)];
  if (conn.sasl !== undefined) how.push(`${conn.sasl.mechanism.toUpperCase()} as '${conn.sasl.username}'`);
  if (conn.tls?.cert !== undefined) how.push('client certificate');
  if (conn.tls?.insecureSkipVerify === true) how.push('certificate verification off');
  return `${normalizedBrokers(conn).join(',')} (${how.join(', ')})`;
}

const HOST_PORT = /^([A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?):([0-9]{1,5})$/;

/**
 * What is wrong with the settings before any broker is asked, as one-line problems; empty when usable. The CRD
 * already validates the spec, but the transport is a library and must not hand kafkajs what it would misparse.
 */
export function connectionProblems(conn: KafkaConnection): string[] {
  const problems: string[] = [];
  if (conn.brokers.length === 0) problems.push('no brokers: list at least one bootstrap broker as host:port');
  for (const broker of conn.brokers) {
    const trimmed = broker.trim();
    if (trimmed.startsWith('[')) {
      // kafkajs splits a seed broker at its first ':' and so cannot parse an IPv6 literal.
      problems.push(`broker '${trimmed}': IPv6 address literals are not supported, use a DNS name`);
      continue;
    }
    const match = HOST_PORT.exec(trimmed);
    const port = Number(match?.[3]);
    if (match === null || port < 1 || port > 65535) {
      problems.push(`broker '${trimmed}' is not host:port with a port from 1 to 65535`);
    }
  }
  if (conn.sasl !== undefined) {
    if (conn.sasl.username === '')
      problems.push('the SASL username is empty: check the Secret key it is read from');
    if (conn.sasl.password === '')
      problems.push('the SASL password is empty: check the Secret key it is read from');
  }
  if (conn.tls !== undefined && (conn.tls.cert === undefined) !== (conn.tls.key === undefined)) {
    problems.push('a client certificate needs both the certificate and its private key');
  }
  return problems;
}

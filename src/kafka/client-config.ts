// The kafkajs client settings for one connection. kafkajs's own defaults suit a batch job, not a controller that
// must answer within a reconcile deadline: an idempotent producer retries for ever (Number.MAX_SAFE_INTEGER) and
// each request may wait 30 s. Here every wait is bounded so that a whole connect-and-send attempt gives up, with
// its real cause, within a few seconds, before the caller's deadline.
import type { ConnectionOptions } from 'node:tls';
import type { KafkaConfig, RetryOptions, SASLOptions } from 'kafkajs';
import type { KafkaConnection } from './connection.js';

export interface ClientTuning {
  clientId: string;
  /** TCP connect plus TLS handshake, per attempt. */
  connectionTimeoutMs: number;
  /** SASL exchange, per attempt. */
  authenticationTimeoutMs: number;
  /** Any one request, client side. */
  requestTimeoutMs: number;
  /** How long the partition leader waits for the in-sync replicas before answering a produce (acks=all). */
  ackTimeoutMs: number;
  /** kafkajs's retries of one call: with these defaults about 7 s of attempts in all. */
  retry: Required<Pick<RetryOptions, 'retries' | 'initialRetryTime' | 'maxRetryTime'>>;
}

export const defaultTuning: ClientTuning = {
  clientId: 'cluster-registry-operator',
  connectionTimeoutMs: 5_000,
  authenticationTimeoutMs: 10_000,
  requestTimeoutMs: 10_000,
  ackTimeoutMs: 5_000,
  retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 3_000 },
};

function tlsOptions(tls: NonNullable<KafkaConnection['tls']>): ConnectionOptions {
  return {
    // A given CA replaces the system's roots, which is what a private broker CA needs.
    ...(tls.ca === undefined ? {} : { ca: [tls.ca] }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
    // Also turns off the host name check: Node skips checkServerIdentity when rejectUnauthorized is false.
    rejectUnauthorized: !tls.insecureSkipVerify,
  };
}

function saslOptions(sasl: NonNullable<KafkaConnection['sasl']>): SASLOptions {
  const { username, password } = sasl;
  switch (sasl.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username, password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}

export function kafkaClientConfig(
  conn: KafkaConnection,
  tuning: ClientTuning,
  logCreator: KafkaConfig['logCreator'],
  level: NonNullable<KafkaConfig['logLevel']>,
): KafkaConfig {
  return {
    clientId: tuning.clientId,
    brokers: conn.brokers.map((broker) => broker.trim()),
    ...(conn.tls === undefined ? {} : { ssl: tlsOptions(conn.tls) }),
    ...(conn.sasl === undefined ? {} : { sasl: saslOptions(conn.sasl) }),
    connectionTimeout: tuning.connectionTimeoutMs,
    authenticationTimeout: tuning.authenticationTimeoutMs,
    requestTimeout: tuning.requestTimeoutMs,
    enforceRequestTimeout: true,
    retry: { ...tuning.retry },
    logCreator,
    logLevel: level,
  };
}

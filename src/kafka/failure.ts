// Every Kafka failure as one of a fixed set of reasons with a one-line message. This is where the reasons are
// owned: all but Unknown are status condition reasons under their own names (api/constants.ts takes them from
// here; Unknown is reported as PublishFailed), so they are CamelCase and stable. errors.ts classifies what kafkajs
// and Node throw into these.

/** The failures that are condition reasons under their own names. */
export const KafkaConditionReason = {
  /** No broker could be reached, or it closed the connection, or no partition leader is available. */
  BrokerUnreachable: 'BrokerUnreachable',
  /** The broker rejected the SASL credentials or mechanism. */
  AuthenticationFailed: 'AuthenticationFailed',
  /** The broker's certificate could not be verified (unknown CA, wrong host name, expired). */
  TLSUntrusted: 'TLSUntrusted',
  /** The TLS handshake failed for another reason: client certificate refused, not a TLS listener. */
  TLSHandshakeFailed: 'TLSHandshakeFailed',
  /** The topic does not exist (the control plane's brokers do not create topics on demand). */
  TopicNotFound: 'TopicNotFound',
  /** Authenticated, but the ACLs deny the operation. */
  NotAuthorized: 'NotAuthorized',
  /** The partition has fewer in-sync replicas than min.insync.replicas, so acks=all cannot be met. */
  NotEnoughReplicas: 'NotEnoughReplicas',
  /** The broker refused the record itself (too large, invalid, policy). */
  RecordRejected: 'RecordRejected',
  /** The settings cannot work as given (broker address, PEM material) and were not sent anywhere. */
  InvalidConfiguration: 'InvalidConfiguration',
  /** No answer within the deadline, with no more specific cause known. */
  SendTimeout: 'SendTimeout',
} as const;

export const KafkaFailureReason = {
  ...KafkaConditionReason,
  /** Anything else; the message carries the client's own words. */
  Unknown: 'Unknown',
} as const;
export type KafkaFailureReason = (typeof KafkaFailureReason)[keyof typeof KafkaFailureReason];

export class KafkaFailure extends Error {
  override readonly name = 'KafkaFailure';

  constructor(
    readonly reason: KafkaFailureReason,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

export function isKafkaFailure(error: unknown): error is KafkaFailure {
  return error instanceof KafkaFailure;
}

// Turns spec.kafka into a KafkaConnection by reading the Secrets it names, from the operator's namespace only (see
// the spec's field descriptions for why). A Secret or key that is missing is a result with its own reason, never a
// throw: it is the user's to fix, and the Secret watch brings the object back here when it changes.
import { ConditionReason, type KafkaSpec } from '../api/index.js';
import type { KafkaConnection } from '../kafka/index.js';
import type { Cache, KubeObject } from '../runtime/index.js';

export interface Secret extends KubeObject {
  data?: Record<string, string>;
}

export type ResolvedConnection =
  | { ok: true; conn: KafkaConnection; usesSecrets: boolean }
  | {
      ok: false;
      reason: typeof ConditionReason.SecretNotFound | typeof ConditionReason.SecretKeyMissing;
      message: string;
    };

class MissingCredential extends Error {
  constructor(
    readonly reason: typeof ConditionReason.SecretNotFound | typeof ConditionReason.SecretKeyMissing,
    message: string,
  ) {
    super(message);
  }
}

/** Names of the Secrets a spec.kafka refers to: changes to these re-run its reconcile. */
export function referencedSecrets(kafka: KafkaSpec): string[] {
  const tls = kafka.tls?.enabled === false ? undefined : kafka.tls;
  return [kafka.sasl?.secretRef.name, tls?.caSecretRef?.name, tls?.clientCertificateSecretRef?.name].filter(
    (name): name is string => name !== undefined,
  );
}

const PEM = /-----BEGIN [A-Z0-9 ]+-----/;

interface Resolution {
  namespace: string;
  /** The Secrets it read, as the cache held them (or not). */
  read: (Secret | undefined)[];
  result: ResolvedConnection;
}

// The last resolution of each spec.kafka (parsed once per object version), reused while the cache holds the very
// same Secrets: a run (each heartbeat) then hands the pool the connection it already knows, and the pool computes
// no connection id for it.
const resolutions = new WeakMap<KafkaSpec, Resolution>();

/** spec.kafka as a connection; the same one, not an equal copy, while neither the spec nor its Secrets change. */
export function resolveConnection(
  kafka: KafkaSpec,
  secrets: Cache<Secret>,
  namespace: string,
): ResolvedConnection {
  const read = referencedSecrets(kafka).map((name) => secrets.get(`${namespace}/${name}`));
  const last = resolutions.get(kafka);
  if (last?.namespace === namespace && last.read.every((secret, i) => secret === read[i])) return last.result;
  const result = readConnection(kafka, secrets, namespace);
  resolutions.set(kafka, { namespace, read, result });
  return result;
}

function readConnection(kafka: KafkaSpec, secrets: Cache<Secret>, namespace: string): ResolvedConnection {
  const read = (name: string, key: string, what: string, pem = false): string => {
    const secret = secrets.get(`${namespace}/${name}`);
    if (secret === undefined) {
      throw new MissingCredential(
        ConditionReason.SecretNotFound,
        `Secret ${namespace}/${name} (${what}) does not exist; create it in the operator's namespace ${namespace}`,
      );
    }
    const encoded = secret.data?.[key];
    const value = encoded === undefined ? '' : Buffer.from(encoded, 'base64').toString('utf8');
    if (value.trim() === '') {
      const keys = Object.keys(secret.data ?? {}).sort();
      throw new MissingCredential(
        ConditionReason.SecretKeyMissing,
        `Secret ${namespace}/${name} has no ${encoded === undefined ? '' : 'non-empty '}key '${key}' (${what}); ` +
          `its keys: ${keys.length > 0 ? keys.join(', ') : 'none'}`,
      );
    }
    if (pem && !PEM.test(value)) {
      throw new MissingCredential(
        ConditionReason.SecretKeyMissing,
        `Secret ${namespace}/${name} key '${key}' (${what}) is not PEM: expected a -----BEGIN ...----- block`,
      );
    }
    return value;
  };
  try {
    const conn: KafkaConnection = { brokers: [...kafka.brokers] };
    const tls = kafka.tls;
    if (tls !== undefined && tls.enabled) {
      const ca = tls.caSecretRef;
      const client = tls.clientCertificateSecretRef;
      conn.tls = {
        insecureSkipVerify: tls.insecureSkipVerify,
        ...(ca === undefined ? {} : { ca: read(ca.name, ca.key, 'CA bundle', true) }),
        ...(client === undefined
          ? {}
          : {
              cert: read(client.name, client.certificateKey, 'client certificate', true),
              key: read(client.name, client.privateKeyKey, 'client private key', true),
            }),
      };
    }
    const sasl = kafka.sasl;
    if (sasl !== undefined) {
      const ref = sasl.secretRef;
      conn.sasl = {
        mechanism: sasl.mechanism,
        username: read(ref.name, ref.usernameKey, 'SASL username'),
        password: read(ref.name, ref.passwordKey, 'SASL password'),
      };
    }
    return { ok: true, conn, usesSecrets: referencedSecrets(kafka).length > 0 };
  } catch (error) {
    if (error instanceof MissingCredential)
      return { ok: false, reason: error.reason, message: error.message };
    throw error;
  }
}

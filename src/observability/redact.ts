// Masks secrets before anything is logged: values under sensitive keys, the data of Kubernetes Secrets, bearer
// tokens in free text, and every value registered as secret (e.g. a Kafka password read from a Secret), wherever
// it appears later, even inside an error message.

export const REDACTED = '[REDACTED]';

// Key names whose values are credentials. Names *of* secrets (secretName, tokenRef) are not credentials.
const SENSITIVE_KEY =
  /pass(word|wd|phrase)?|secret|token|authorization|credential|api-?key|private-?key|client-?key|key-?data|cookie|sasl/i;
const REFERENCE_KEY = /(name|ref|namespace|kind|file|path)$/i;
const BEARER = /\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi;
// Shorter values would mask ordinary words in unrelated log lines.
const MIN_REGISTERED_LENGTH = 4;

function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key) && !REFERENCE_KEY.test(key);
}

function isKubernetesSecret(value: Record<string, unknown>): boolean {
  return value.kind === 'Secret' && (value.apiVersion === undefined || value.apiVersion === 'v1');
}

function maskValues(data: unknown): unknown {
  if (data === null || typeof data !== 'object') return REDACTED;
  return Object.fromEntries(Object.keys(data).map((key) => [key, REDACTED]));
}

export class SecretRedactor {
  private readonly secrets = new Set<string>();

  /** Every later log line masks this value wherever it occurs. */
  register(value: string): void {
    if (value.length >= MIN_REGISTERED_LENGTH) this.secrets.add(value);
  }

  redactText(text: string): string {
    let result = text.replace(BEARER, (_match, scheme: string) => `${scheme} ${REDACTED}`);
    for (const secret of this.secrets) result = result.split(secret).join(REDACTED);
    return result;
  }

  /** A copy of `value` that is safe to log; errors become plain objects with their message and stack. */
  redact(value: unknown): unknown {
    return this.redactValue(value, new WeakSet());
  }

  private redactValue(value: unknown, seen: WeakSet<object>): unknown {
    if (typeof value === 'string') return this.redactText(value);
    if (value === null || typeof value !== 'object') return value;
    if (seen.has(value)) return '[Circular]';
    seen.add(value);
    if (Array.isArray(value)) return value.map((item) => this.redactValue(item, seen));
    if (value instanceof Error) return this.redactError(value, seen);
    const record = value as Record<string, unknown>;
    const secret = isKubernetesSecret(record);
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(record)) {
      if (secret && (key === 'data' || key === 'stringData')) result[key] = maskValues(item);
      else if (isSensitiveKey(key) && item !== undefined && item !== null) result[key] = REDACTED;
      else result[key] = this.redactValue(item, seen);
    }
    return result;
  }

  private redactError(error: Error, seen: WeakSet<object>): Record<string, unknown> {
    // An Error's own fields (code, status, cause...) are not enumerable by JSON, so they are copied by hand.
    const fields: Record<string, unknown> = { name: error.name, message: error.message, stack: error.stack };
    for (const [key, item] of Object.entries(error)) fields[key] = item;
    if (error.cause !== undefined) fields.cause = error.cause;
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(fields)) {
      result[key] = isSensitiveKey(key) ? REDACTED : this.redactValue(item, seen);
    }
    return result;
  }
}

// Field shapes the spec uses more than once. Every regex here is in the common subset of JS and RE2 (the API
// server's regex engine), because the same pattern is checked by zod and written into the CRD.
import * as z from 'zod';
import { DURATION_MAX_LENGTH, DURATION_PATTERN, tryParseDuration } from './duration.js';
import { withRule } from './rules.js';

/** A Kubernetes label value, non-empty: safe as a Kafka key, a log token and a metric label. */
export const TOKEN_PATTERN = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
export const TOKEN_MESSAGE =
  "must consist of letters, digits, '-', '_' or '.', and start and end with a letter or digit";

/**
 * A display name: printable text in any script (letters, marks, digits, punctuation, symbols, spaces), 1 to 253
 * characters, no control or format characters, not starting or ending with a space. The length is in the pattern
 * because only a pattern counts characters (code points) the same way in zod and in the API server.
 */
export const DISPLAY_NAME_PATTERN =
  /^[\p{L}\p{M}\p{N}\p{P}\p{S}]([\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]{0,251}[\p{L}\p{M}\p{N}\p{P}\p{S}])?$/u;
export const DISPLAY_NAME_MESSAGE =
  'must be 1 to 253 printable characters (letters, digits, spaces, punctuation and symbols in any script; ' +
  'no control characters), not starting or ending with a space';

/** A DNS-1123 subdomain: what a Secret's name must be. */
export const DNS_SUBDOMAIN_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** What a key of a Secret's data must be. */
export const SECRET_KEY_PATTERN = /^[-._a-zA-Z0-9]+$/;

/** Kafka's legal topic characters. */
export const TOPIC_PATTERN = /^[a-zA-Z0-9._-]+$/;

/** `host:port`, the host a DNS name, an IPv4 address or a bracketed IPv6 address, the port 1 to 65535. */
export const BROKER_PATTERN =
  /^([A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$/;

export function secretName(description: string): z.ZodString {
  return z
    .string()
    .min(1)
    .max(253)
    .regex(DNS_SUBDOMAIN_PATTERN, {
      error: "must be a lowercase DNS subdomain (letters, digits, '-' and '.'), like any Secret name",
    })
    .describe(description);
}

export function secretKey(description: string, fallback: string) {
  return z
    .string()
    .min(1)
    .max(253)
    .regex(SECRET_KEY_PATTERN, { error: "must consist of letters, digits, '-', '_' or '.'" })
    .describe(`${description} Defaults to \`${fallback}\`.`)
    .default(fallback);
}

export function topicName(description: string, fallback: string) {
  return z
    .string()
    .min(1)
    .max(249)
    .regex(TOPIC_PATTERN, { error: "must consist of letters, digits, '.', '_' or '-' (Kafka's topic rules)" })
    .describe(`${description} Defaults to \`${fallback}\`.`)
    .default(fallback);
}

export interface DurationField {
  description: string;
  fallback: string;
  min: string;
  max: string;
}

/**
 * A duration string with bounds: a pattern for the syntax, and a CEL rule (mirrored in JS) for the range,
 * because the OpenAPI schema cannot compare durations.
 */
export function duration({ description, fallback, min, max }: DurationField) {
  const lowest = tryParseDuration(min);
  const highest = tryParseDuration(max);
  if (lowest === undefined || highest === undefined) throw new Error(`bad duration bounds ${min}..${max}`);
  const text = z
    .string()
    .max(DURATION_MAX_LENGTH)
    .regex(DURATION_PATTERN, { error: 'must be a duration of whole ms, s, m or h, such as 30s or 1m30s' });
  return withRule(
    text,
    {
      rule: `duration(self) >= duration('${min}') && duration(self) <= duration('${max}')`,
      message: `must be between ${min} and ${max}`,
    },
    {
      // A value the pattern rejects is reported by the pattern; the range is only judged on a valid duration.
      check: (value) => {
        const ms = tryParseDuration(value);
        return ms === undefined || (ms >= lowest && ms <= highest);
      },
    },
  )
    .describe(
      `${description} A duration such as \`30s\` or \`1m30s\`, from ${min} to ${max}; defaults to \`${fallback}\`.`,
    )
    .default(fallback);
}

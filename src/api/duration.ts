// Durations are strings in the spec (`30s`, `1m30s`) because that is what people write and what CEL's
// `duration()` reads; the controller needs milliseconds.

/**
 * A subset of Go's time.ParseDuration syntax (which CEL's `duration()` uses): whole numbers of ms, s, m or h,
 * concatenated. No fractions, signs or µs, so the CRD pattern, CEL and this parser agree on every value.
 */
export const DURATION_PATTERN = /^([0-9]+(ms|s|m|h))+$/;

/** Long enough for any sensible value, short enough to bound CEL's cost estimate. */
export const DURATION_MAX_LENGTH = 20;

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
const PART = /([0-9]+)(ms|s|m|h)/g;

function isUnit(unit: string): unit is keyof typeof UNIT_MS {
  return Object.hasOwn(UNIT_MS, unit);
}

/** Milliseconds of a duration string such as `30s` or `1h30m`; throws on anything DURATION_PATTERN rejects. */
export function parseDuration(text: string): number {
  if (text.length > DURATION_MAX_LENGTH || !DURATION_PATTERN.test(text)) {
    throw new Error(`invalid duration "${text}": expected whole numbers of ms, s, m or h, e.g. 30s or 1m30s`);
  }
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) {
    if (amount === undefined || unit === undefined || !isUnit(unit)) continue;
    total += Number(amount) * UNIT_MS[unit];
  }
  if (!Number.isSafeInteger(total)) throw new Error(`invalid duration "${text}": too large`);
  return total;
}

/** parseDuration, or undefined where it would throw (for validators that report the pattern separately). */
export function tryParseDuration(text: string): number | undefined {
  try {
    return parseDuration(text);
  } catch {
    return undefined;
  }
}

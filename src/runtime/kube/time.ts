// The two timestamp formats of the Kubernetes API.

/**
 * RFC 3339 in UTC with whole seconds (`2026-11-20T10:00:00Z`): metav1.Time, and what Go's time.Time parses in the
 * records. A time it cannot represent is a bug upstream, so it throws rather than write it.
 */
export function rfc3339(date: Date): string {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError('cannot format an invalid Date as RFC 3339');
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError(`year ${year} has no RFC 3339 form`);
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits, which the API server insists on. */
export function microTime(at: Date): string {
  return at.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

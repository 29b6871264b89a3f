// Equal content as JSON would say it, for objects read from the API server: arrays in order, objects by their
// defined members whatever their order.

/**
 * Walked rather than compared as sorted JSON: this runs on every reconcile (each heartbeat) and on every watch
 * event, and sorting keys showed up in the steady state's profile.
 */
export function sameContent(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => sameContent(item, b[i]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  let defined = 0;
  for (const key in left) {
    if (left[key] === undefined) continue;
    defined += 1;
    if (!Object.hasOwn(right, key) || !sameContent(left[key], right[key])) return false;
  }
  for (const key in right) if (right[key] !== undefined) defined -= 1;
  return defined === 0;
}

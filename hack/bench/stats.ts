// Order statistics for the benchmark tables: medians and tail percentiles of measured samples.

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * The p-th percentile (0-100) of ascending values, interpolating between the two nearest ranks (the same
 * definition as numpy's default and R's type 7), so that p99 of 200 samples is not simply the second largest.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (p <= 0) return sorted[0] ?? Number.NaN;
  if (p >= 100) return sorted[sorted.length - 1] ?? Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const low = sorted[lower] ?? Number.NaN;
  const high = sorted[Math.min(lower + 1, sorted.length - 1)] ?? Number.NaN;
  return low + (high - low) * (rank - lower);
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const sum = sorted.reduce((total, v) => total + v, 0);
  return {
    n: sorted.length,
    min: sorted[0] ?? Number.NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
  };
}

/** The sum of a record's values (API requests by verb, CPU seconds by process). */
export function total(values: Readonly<Record<string, number>>): number {
  return Object.values(values).reduce((a, b) => a + b, 0);
}

export function median(values: readonly number[]): number {
  return summarize(values).p50;
}

/**
 * How a measure grows with a count: the slope of log(measure) against log(count) between the first and last
 * points (1 is linear, 0 flat, 2 quadratic), with a word for it.
 */
export function growth(points: readonly (readonly [number, number])[]): { exponent: number; words: string } {
  const usable = points.filter(([x, y]) => x > 0 && y > 0);
  const first = usable[0];
  const last = usable[usable.length - 1];
  if (first === undefined || last === undefined || first[0] === last[0]) {
    return { exponent: Number.NaN, words: 'not enough points' };
  }
  const exponent = Math.log(last[1] / first[1]) / Math.log(last[0] / first[0]);
  const words =
    exponent < 0.15
      ? 'flat'
      : exponent < 0.7
        ? 'sublinear'
        : exponent < 1.3
          ? 'linear'
          : exponent < 1.7
            ? 'superlinear'
            : 'quadratic or worse';
  return { exponent, words };
}

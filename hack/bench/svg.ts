// Hand-written SVG charts for the report: line charts (optionally log-scaled), latency CDFs and bar charts. No
// plotting dependency: the shapes are few, and a text file diffs well in git.

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
  /** Draws only the markers (a scatter) instead of a line. */
  markersOnly?: boolean;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  logX?: boolean;
  logY?: boolean;
  /** A horizontal reference line (a target), with its label. */
  target?: { y: number; label: string };
}

export interface Bar {
  label: string;
  value: number;
}

export interface BarChart {
  title: string;
  unit: string;
  bars: readonly Bar[];
  logX?: boolean;
}

const WIDTH = 720;
const HEIGHT = 400;
const MARGIN = { left: 80, right: 170, top: 40, bottom: 56 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A short label for a tick value: 1200 -> 1.2k, 0.005 -> 0.005. */
export function formatTick(value: number): string {
  const abs = Math.abs(value);
  if (abs === 0) return '0';
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e3) return `${trim(value / 1e3)}k`;
  return trim(value);
}

function trim(value: number): string {
  return Number(value.toPrecision(3)).toString();
}

/** Round-numbered ticks (1, 2, 5 times a power of ten) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 6): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  // Bounded: at most count * 2 + 2 ticks for any range.
  for (
    let t = Math.ceil(min / step) * step;
    t <= max + step * 1e-9 && ticks.length < count * 2 + 2;
    t += step
  ) {
    ticks.push(Number(t.toPrecision(12)));
  }
  return ticks;
}

/** Powers of ten covering [min, max] (both > 0). */
export function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)) && ticks.length < 20; e++) {
    ticks.push(10 ** e);
  }
  return ticks;
}

interface Axis {
  toPixel: (value: number) => number;
  ticks: number[];
}

function axis(values: number[], log: boolean, from: number, to: number, includeZero: boolean): Axis {
  const finite = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  let min = finite.length > 0 ? Math.min(...finite) : 0;
  let max = finite.length > 0 ? Math.max(...finite) : 1;
  if (log) {
    const ticks = logTicks(min, max);
    min = ticks[0] ?? min;
    max = ticks[ticks.length - 1] ?? max;
    if (min === max) max = min * 10;
    const span = Math.log10(max) - Math.log10(min);
    return {
      toPixel: (v) => from + ((Math.log10(Math.max(v, min)) - Math.log10(min)) / span) * (to - from),
      ticks,
    };
  }
  if (includeZero) min = Math.min(0, min);
  if (min === max) max = min + 1;
  const ticks = niceTicks(min, max);
  const lo = Math.min(min, ticks[0] ?? min);
  const hi = Math.max(max, ticks[ticks.length - 1] ?? max);
  return { toPixel: (v) => from + ((v - lo) / (hi - lo)) * (to - from), ticks };
}

function frame(title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

const f = (n: number): string => n.toFixed(1);

export function lineChart(chart: LineChart): string {
  const left = MARGIN.left;
  const right = WIDTH - MARGIN.right;
  const top = MARGIN.top;
  const bottom = HEIGHT - MARGIN.bottom;
  const xs = chart.series.flatMap((s) => s.points.map(([x]) => x));
  const ys = chart.series.flatMap((s) => s.points.map(([, y]) => y));
  if (chart.target !== undefined) ys.push(chart.target.y);
  const x = axis(xs, chart.logX ?? false, left, right, false);
  const y = axis(ys, chart.logY ?? false, bottom, top, true);
  const body: string[] = [];
  for (const t of x.ticks) {
    const px = x.toPixel(t);
    body.push(
      `<line x1="${f(px)}" y1="${top}" x2="${f(px)}" y2="${bottom}" stroke="#e5e5e5"/>`,
      `<text x="${f(px)}" y="${bottom + 16}" text-anchor="middle">${formatTick(t)}</text>`,
    );
  }
  for (const t of y.ticks) {
    const py = y.toPixel(t);
    body.push(
      `<line x1="${left}" y1="${f(py)}" x2="${right}" y2="${f(py)}" stroke="#e5e5e5"/>`,
      `<text x="${left - 6}" y="${f(py + 4)}" text-anchor="end">${formatTick(t)}</text>`,
    );
  }
  body.push(
    `<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#333"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#333"/>`,
    `<text x="${(left + right) / 2}" y="${HEIGHT - 14}" text-anchor="middle">${escapeXml(chart.xLabel)}${chart.logX === true ? ' (log)' : ''}</text>`,
    `<text transform="translate(18 ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(chart.yLabel)}${chart.logY === true ? ' (log)' : ''}</text>`,
  );
  if (chart.target !== undefined) {
    const py = y.toPixel(chart.target.y);
    body.push(
      `<line x1="${left}" y1="${f(py)}" x2="${right}" y2="${f(py)}" stroke="#555" stroke-dasharray="6 4"/>`,
      `<text x="${right - 4}" y="${f(py - 5)}" text-anchor="end" fill="#555">${escapeXml(chart.target.label)}</text>`,
    );
  }
  chart.series.forEach((series, i) => {
    const color = COLORS[i % COLORS.length] ?? '#000';
    const pixels = series.points.map(([px, py]) => [x.toPixel(px), y.toPixel(py)] as const);
    if (series.markersOnly !== true && pixels.length > 1) {
      body.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pixels.map(([a, b]) => `${f(a)},${f(b)}`).join(' ')}"/>`,
      );
    }
    if (series.markersOnly === true || pixels.length <= 12) {
      for (const [a, b] of pixels) body.push(`<circle cx="${f(a)}" cy="${f(b)}" r="3" fill="${color}"/>`);
    }
    const ly = top + 10 + i * 18;
    body.push(
      `<rect x="${right + 12}" y="${ly - 8}" width="12" height="12" fill="${color}"/>`,
      `<text x="${right + 30}" y="${ly + 2}">${escapeXml(series.name)}</text>`,
    );
  });
  return frame(chart.title, body);
}

/** The empirical CDF of each sample set: x the value, y the fraction of samples at or below it (in %). */
export function cdfChart(
  title: string,
  xLabel: string,
  sets: readonly { name: string; values: readonly number[] }[],
  logX = true,
): string {
  const series = sets.map(({ name, values }) => {
    const sorted = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
    return {
      name,
      points: sorted.map((v, i) => [v, ((i + 1) / sorted.length) * 100] as const),
    };
  });
  return lineChart({ title, xLabel, yLabel: 'samples at or below (%)', series, logX });
}

/** Horizontal bars, one per label, with the value printed at the bar's end. */
export function barChart(chart: BarChart): string {
  const rowHeight = 34;
  const height = MARGIN.top + chart.bars.length * rowHeight + MARGIN.bottom;
  const left = 230;
  const right = WIDTH - 110;
  const values = chart.bars.map((b) => b.value);
  const x = axis(values, chart.logX ?? false, left, right, !(chart.logX ?? false));
  const base = chart.logX === true ? left : x.toPixel(0);
  const body: string[] = [];
  const axisY = height - MARGIN.bottom + 10;
  for (const t of x.ticks) {
    const px = x.toPixel(t);
    body.push(
      `<line x1="${f(px)}" y1="${MARGIN.top}" x2="${f(px)}" y2="${axisY}" stroke="#e5e5e5"/>`,
      `<text x="${f(px)}" y="${axisY + 14}" text-anchor="middle">${formatTick(t)}</text>`,
    );
  }
  chart.bars.forEach((bar, i) => {
    const yTop = MARGIN.top + i * rowHeight + 6;
    const end = Number.isFinite(bar.value) && bar.value > 0 ? x.toPixel(bar.value) : base;
    body.push(
      `<text x="${left - 8}" y="${yTop + 16}" text-anchor="end">${escapeXml(bar.label)}</text>`,
      `<rect x="${f(base)}" y="${yTop}" width="${f(Math.max(end - base, 1))}" height="22" fill="${COLORS[i % COLORS.length] ?? '#000'}"/>`,
      `<text x="${f(Math.max(end, base) + 6)}" y="${yTop + 16}">${escapeXml(`${formatTick(bar.value)} ${chart.unit}`)}</text>`,
    );
  });
  const svg = frame(chart.title, [
    `<line x1="${left}" y1="${MARGIN.top}" x2="${left}" y2="${height - MARGIN.bottom + 10}" stroke="#333"/>`,
    ...body,
    chart.logX === true
      ? `<text x="${(left + right) / 2}" y="${height - 16}" text-anchor="middle">${escapeXml(chart.unit)} (log scale)</text>`
      : '',
  ]);
  return svg
    .replace(
      `height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}"`,
      `height="${height}" viewBox="0 0 ${WIDTH} ${height}"`,
    )
    .replace(`<rect width="${WIDTH}" height="${HEIGHT}"`, `<rect width="${WIDTH}" height="${height}"`);
}

// Summarises a V8 .cpuprofile (from `node --cpu-prof`): where the CPU time went, by function and by package, so a
// missed target is explained by a measurement.

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber?: number;
}

export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTime {
  name: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** CPU that ran JavaScript or native code, i.e. not `(idle)`. */
  busyMs: number;
  topFunctions: SelfTime[];
  byPackage: SelfTime[];
}

export function isCpuProfile(value: unknown): value is CpuProfile {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Partial<CpuProfile>;
  return Array.isArray(v.nodes) && typeof v.startTime === 'number' && typeof v.endTime === 'number';
}

/** Where a frame's code lives: an npm package, node's internals, the project's source, or V8's own buckets. */
export function packageOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') {
    // (program), (garbage collector), (idle), (root) and native builtins.
    return functionName.startsWith('(') ? functionName : '(native)';
  }
  if (url.startsWith('node:')) return 'node (built-in modules)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    const scoped = rest[0]?.startsWith('@') === true;
    return scoped ? `${rest[0] ?? ''}/${rest[1] ?? ''}` : (rest[0] ?? url);
  }
  const src = url.indexOf('/src/');
  if (src >= 0) return `src/${url.slice(src + 5).split('/')[0] ?? ''}`;
  // A single-file bundle: every frame has the bundle's URL, so the function name is all there is to go on.
  return url.slice(url.lastIndexOf('/') + 1);
}

function frameName(frame: CallFrame): string {
  const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
  if (frame.url === '') return name;
  const file = frame.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '');
  const short = file.includes('/work/') ? file.slice(file.lastIndexOf('/') + 1) : file;
  return `${name} ${short}:${frame.lineNumber + 1}`;
}

/**
 * Self time per node: each sample is charged the time until the next sample (the last one the mean interval).
 * Profiles without samples fall back to hit counts spread evenly over the profile's duration.
 */
function selfTimes(profile: CpuProfile, fromUs: number, toUs: number): Map<number, number> {
  const times = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const totalUs = profile.endTime - profile.startTime;
  if (samples.length > 0 && deltas.length === samples.length) {
    const meanUs = totalUs / samples.length;
    let at = profile.startTime;
    for (let i = 0; i < samples.length; i++) {
      at += deltas[i] ?? 0;
      if (at < fromUs || at > toUs) continue;
      const id = samples[i] ?? 0;
      const us = i + 1 < deltas.length ? Math.max(deltas[i + 1] ?? 0, 0) : meanUs;
      times.set(id, (times.get(id) ?? 0) + us / 1000);
    }
    return times;
  }
  const hits = profile.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0);
  for (const node of profile.nodes) {
    if ((node.hitCount ?? 0) > 0) times.set(node.id, ((node.hitCount ?? 0) / hits) * (totalUs / 1000));
  }
  return times;
}

function top(map: Map<string, number>, totalMs: number, limit: number): SelfTime[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, ms]) => ({ name, ms, percent: totalMs > 0 ? (ms / totalMs) * 100 : 0 }));
}

/** A part of a profile, in milliseconds from its start: a phase whose setup and teardown would swamp it. */
export interface ProfileWindow {
  fromMs: number;
  toMs: number;
}

export function summarizeProfile(profile: CpuProfile, limit = 15, window?: ProfileWindow): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  const [fromUs, toUs] =
    window === undefined
      ? [profile.startTime, profile.endTime]
      : [profile.startTime + window.fromMs * 1000, profile.startTime + window.toMs * 1000];
  for (const [id, ms] of selfTimes(profile, fromUs, toUs)) {
    const node = byId.get(id);
    if (node === undefined) continue;
    totalMs += ms;
    if (node.callFrame.functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    const fn = frameName(node.callFrame);
    functions.set(fn, (functions.get(fn) ?? 0) + ms);
    const pkg = packageOf(node.callFrame);
    packages.set(pkg, (packages.get(pkg) ?? 0) + ms);
  }
  const busyMs = totalMs - idleMs;
  // Percentages are of busy time: idle is the process waiting, which the wall-clock numbers already show.
  return {
    totalMs,
    busyMs,
    topFunctions: top(functions, busyMs, limit),
    byPackage: top(packages, busyMs, limit),
  };
}

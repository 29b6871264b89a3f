// Summarises a V8 .heapsnapshot (from `node --heapsnapshot-signal`): what the operator's heap holds, by constructor,
// so a memory miss is explained by a measurement.

export interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: unknown[] } };
  nodes: number[];
  strings: string[];
}

export interface HeapEntry {
  name: string;
  count: number;
  bytes: number;
  percent: number;
}

export interface HeapSummary {
  totalBytes: number;
  nodes: number;
  top: HeapEntry[];
  /**
   * Strings by their value (its first 60 characters, as the snapshot names them): the same value held many times
   * over is memory a shared copy would save. Absent from results written before it was measured.
   */
  strings?: HeapEntry[];
}

export function isHeapSnapshot(value: unknown): value is HeapSnapshot {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Partial<HeapSnapshot>;
  return Array.isArray(v.nodes) && Array.isArray(v.strings) && typeof v.snapshot === 'object';
}

/** Self size by constructor name for objects and closures, by kind for the rest ("(string)", "(code)", ...). */
export function summarizeHeap(snapshot: HeapSnapshot, limit = 15): HeapSummary {
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const typeNames = Array.isArray(types) ? types.map(String) : [];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const groups = new Map<string, { count: number; bytes: number }>();
  const strings = new Map<string, { count: number; bytes: number }>();
  let total = 0;
  let stringBytes = 0;
  for (let i = 0; i + width <= snapshot.nodes.length; i += width) {
    const type = typeNames[snapshot.nodes[i + typeAt] ?? -1] ?? 'unknown';
    const size = snapshot.nodes[i + sizeAt] ?? 0;
    const name =
      type === 'object' || type === 'closure' || type === 'native'
        ? (snapshot.strings[snapshot.nodes[i + nameAt] ?? -1] ?? '?').slice(0, 80)
        : `(${type})`;
    const key = type === 'closure' ? `${name} (closure)` : name;
    const group = groups.get(key) ?? { count: 0, bytes: 0 };
    group.count += 1;
    group.bytes += size;
    groups.set(key, group);
    total += size;
    if (type === 'string') {
      const value = (snapshot.strings[snapshot.nodes[i + nameAt] ?? -1] ?? '').slice(0, 60);
      const same = strings.get(value) ?? { count: 0, bytes: 0 };
      same.count += 1;
      same.bytes += size;
      strings.set(value, same);
      stringBytes += size;
    }
  }
  return {
    totalBytes: total,
    nodes: snapshot.nodes.length / Math.max(width, 1),
    top: largest(groups, total, limit),
    strings: largest(strings, stringBytes, limit),
  };
}

/** The `limit` largest groups by bytes, each with its share of `total`. */
function largest(
  groups: Map<string, { count: number; bytes: number }>,
  total: number,
  limit: number,
): HeapEntry[] {
  return [...groups.entries()]
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .slice(0, limit)
    .map(([name, g]) => ({
      name,
      count: g.count,
      bytes: g.bytes,
      percent: total > 0 ? (g.bytes / total) * 100 : 0,
    }));
}

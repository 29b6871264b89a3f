import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isCpuProfile,
  packageOf,
  summarizeProfile,
  type CpuProfile,
} from '../../../hack/bench/cpuprofile.js';
import { summarizeHeap } from '../../../hack/bench/heapsnapshot.js';
import { parseRequestCounters, requestDelta } from '../../../hack/bench/kube.js';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });

// root -> (idle), (program), send (kafkajs), reconcile (src/operator) -> JSON.parse (native)
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 3, 4, 5] },
    { id: 2, callFrame: frame('(idle)') },
    { id: 3, callFrame: frame('(garbage collector)') },
    { id: 4, callFrame: frame('send', 'file:///app/node_modules/kafkajs/src/producer/index.js', 9) },
    { id: 5, callFrame: frame('reconcile', 'file:///work/main/src/operator/operator.ts', 41), children: [6] },
    { id: 6, callFrame: frame('parse', '') },
  ],
  startTime: 0,
  endTime: 10_000,
  // Each sample is charged the time to the next one: 1 ms each here, the last the mean (1 ms).
  samples: [2, 2, 2, 2, 4, 4, 4, 5, 6, 3],
  timeDeltas: [0, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
};

describe('bench cpuprofile summary', () => {
  it('recognises a profile', () => {
    assert.ok(isCpuProfile(profile));
    assert.ok(!isCpuProfile({ nodes: [] }));
  });

  it('charges self time per function and package, leaving idle out of the busy share', () => {
    const s = summarizeProfile(profile);
    assert.equal(s.totalMs, 10);
    assert.equal(s.busyMs, 6);
    assert.deepEqual(s.topFunctions[0], {
      name: 'send kafkajs/src/producer/index.js:10',
      ms: 3,
      percent: 50,
    });
    assert.deepEqual(
      s.byPackage.map((p) => [p.name, p.ms]),
      [
        ['kafkajs', 3],
        ['src/operator', 1],
        ['(native)', 1],
        ['(garbage collector)', 1],
      ],
    );
  });

  it('summarises only the samples inside a window, when given one', () => {
    // Samples fall at 0..9 ms: the window 4..6 ms holds three of them, all kafkajs's send.
    const s = summarizeProfile(profile, 15, { fromMs: 4, toMs: 6 });
    assert.equal(s.totalMs, 3);
    assert.equal(s.busyMs, 3);
    assert.deepEqual(
      s.byPackage.map((p) => [p.name, p.ms]),
      [['kafkajs', 3]],
    );
  });

  it('names packages, scoped ones and node internals', () => {
    assert.equal(
      packageOf(frame('x', 'file:///a/node_modules/@kubernetes/client-node/dist/x.js')),
      '@kubernetes/client-node',
    );
    assert.equal(packageOf(frame('x', 'node:internal/streams/readable')), 'node (built-in modules)');
    assert.equal(packageOf(frame('(program)')), '(program)');
  });

  it('falls back to hit counts without samples', () => {
    const s = summarizeProfile({
      nodes: [
        { id: 1, callFrame: frame('(root)'), hitCount: 0 },
        { id: 2, callFrame: frame('a', 'file:///x/src/kafka/pool.ts'), hitCount: 3 },
        { id: 3, callFrame: frame('(idle)'), hitCount: 1 },
      ],
      startTime: 0,
      endTime: 4000,
    });
    assert.equal(s.busyMs, 3);
    assert.equal(s.byPackage[0]?.name, 'src/kafka');
  });
});

describe('bench API request counts', () => {
  const metrics = [
    '# HELP apiserver_request_total Counter of apiserver requests',
    'apiserver_request_total{code="201",component="apiserver",dry_run="",group="registry.kgroot.io",resource="clusterregistrations",scope="resource",subresource="",verb="POST",version="v1alpha1"} 10',
    'apiserver_request_total{code="200",component="apiserver",dry_run="",group="registry.kgroot.io",resource="clusterregistrations",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 7',
    'apiserver_request_total{code="409",component="apiserver",dry_run="",group="registry.kgroot.io",resource="clusterregistrations",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 1',
    'apiserver_request_total{code="200",component="apiserver",dry_run="",group="coordination.k8s.io",resource="leases",scope="resource",subresource="",verb="PUT",version="v1"} 99',
    'apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="",scope="",subresource="/metrics",verb="GET",version=""} 3',
  ].join('\n');

  it("sums by verb and resource, leaving out non-resource requests and the API server's own lease", () => {
    assert.deepEqual(Object.fromEntries(parseRequestCounters(metrics)), {
      'POST clusterregistrations': 10,
      'PATCH clusterregistrations/status': 8,
    });
  });

  it("subtracts the bench's own requests made between the scrapes", () => {
    const before = new Map([['POST clusterregistrations', 2]]);
    const after = new Map([
      ['POST clusterregistrations', 12],
      ['PATCH clusterregistrations', 10],
    ]);
    const delta = requestDelta(
      before,
      after,
      new Map([['POST clusterregistrations', 1]]),
      new Map([['POST clusterregistrations', 11]]),
    );
    assert.deepEqual(delta, { 'PATCH clusterregistrations': 10 });
  });
});

describe('bench heap snapshot summary', () => {
  it('groups self size by constructor, and other kinds by kind', () => {
    const summary = summarizeHeap({
      snapshot: {
        meta: {
          node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'],
          node_types: [['hidden', 'array', 'string', 'object', 'code', 'closure']],
        },
      },
      // type, name, id, self_size, edge_count
      nodes: [3, 0, 1, 100, 0, 3, 0, 3, 50, 0, 2, 1, 5, 30, 0, 5, 2, 7, 20, 0],
      strings: ['Informer', 'some text', 'reconcile'],
    });
    assert.equal(summary.totalBytes, 200);
    assert.equal(summary.nodes, 4);
    assert.deepEqual(
      summary.top.map((e) => [e.name, e.count, e.bytes]),
      [
        ['Informer', 2, 150],
        ['(string)', 1, 30],
        ['reconcile (closure)', 1, 20],
      ],
    );
  });
});

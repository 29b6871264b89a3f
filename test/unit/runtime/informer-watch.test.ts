// What the informer asks of the API server when it watches: from the resourceVersion it last saw, with bookmarks
// (so that a quiet resource's resourceVersion stays fresh) and a server-side timeout drawn from
// [minWatchTimeoutSeconds, 2 × minWatchTimeoutSeconds), so the server ends each watch cleanly.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { test } from 'node:test';
import { Informer, type InformerOptions } from '../../../src/runtime/informer/informer.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import type { ResourceType } from '../../../src/runtime/kube/resource.js';
import { RuntimeMetrics } from '../../../src/observability/metrics.js';
import { captureLogger } from './helpers.js';
import { localApiServer, sendJson, type SeenRequest } from '../../support/local-api-server.js';

const configMaps: ResourceType = {
  group: '',
  version: 'v1',
  plural: 'configmaps',
  kind: 'ConfigMap',
  namespaced: true,
};

const configMap = (name: string, resourceVersion: string) => ({
  metadata: { name, namespace: 'ops', resourceVersion },
});

/** Writes watch events as the API server does, one JSON object per line; `end` closes the watch. */
function stream(response: ServerResponse, events: { type: string; object: unknown }[], end: boolean): void {
  response.writeHead(200, { 'Content-Type': 'application/json' });
  for (const event of events) response.write(`${JSON.stringify(event)}\n`);
  if (end) response.end();
}

/**
 * Runs an informer against a local server that answers the list with resourceVersion 100 and each watch with
 * `watches[n]` (the last one stays open); resolves with the watch requests once the last one has arrived.
 */
async function watchRequests(
  t: Parameters<typeof localApiServer>[0],
  options: Partial<InformerOptions<KubeObject>>,
  watches: { type: string; object: unknown }[][],
): Promise<SeenRequest[]> {
  let lastWatch: () => void = () => undefined;
  const lastArrived = new Promise<void>((resolve) => {
    lastWatch = resolve;
  });
  let served = 0;
  const { client, requests } = await localApiServer(t, (request, response) => {
    if (request.query.get('watch') !== 'true') {
      sendJson(response, 200, { metadata: { resourceVersion: '100' }, items: [configMap('a', '90')] });
      return;
    }
    const events = watches[served] ?? [];
    served += 1;
    const last = served >= watches.length;
    stream(response, events, !last);
    if (last) lastWatch();
  });
  const informer = new Informer<KubeObject>(
    { type: configMaps, namespace: 'ops', ...options },
    { client, logger: captureLogger().logger, metrics: new RuntimeMetrics() },
  );
  const stop = new AbortController();
  const running = informer.run(stop.signal);
  await lastArrived;
  stop.abort();
  await running;
  return requests.filter((request) => request.query.get('watch') === 'true');
}

function assertWatchQuery(request: SeenRequest, resourceVersion: string, minTimeoutSeconds: number): void {
  assert.equal(request.method, 'GET');
  assert.equal(request.path, '/api/v1/namespaces/ops/configmaps');
  assert.equal(request.query.get('resourceVersion'), resourceVersion);
  assert.equal(request.query.get('allowWatchBookmarks'), 'true');
  const timeout = Number(request.query.get('timeoutSeconds'));
  assert.ok(
    Number.isInteger(timeout) && timeout >= minTimeoutSeconds && timeout < 2 * minTimeoutSeconds,
    `timeoutSeconds=${request.query.get('timeoutSeconds')} is not in [${minTimeoutSeconds}, ${2 * minTimeoutSeconds})`,
  );
}

test("the first watch starts at the list's resourceVersion, with bookmarks and a timeout in [300 s, 600 s) by default", async (t) => {
  const [watch, ...more] = await watchRequests(t, {}, [[]]);
  assert.ok(watch !== undefined);
  assert.equal(more.length, 0);
  assertWatchQuery(watch, '100', 300);
});

test('each new watch resumes from the resourceVersion last seen, a bookmark or an object, keeping the label selector', async (t) => {
  const watches = await watchRequests(
    t,
    {
      labelSelector: 'app=registry',
      minWatchTimeoutSeconds: 60,
      // The server ends each watch at once; reconnect without the default backoff's pause.
      backoff: { initialMs: 1, maxMs: 1, factor: 1, jitter: 0 },
    },
    [
      [
        { type: 'ADDED', object: configMap('b', '105') },
        { type: 'BOOKMARK', object: { kind: 'ConfigMap', metadata: { resourceVersion: '110' } } },
      ],
      [{ type: 'MODIFIED', object: configMap('b', '120') }],
      [],
    ],
  );
  assert.deepEqual(
    watches.map((watch) => watch.query.get('resourceVersion')),
    ['100', '110', '120'],
  );
  for (const [i, watch] of watches.entries()) {
    assertWatchQuery(watch, ['100', '110', '120'][i] ?? '', 60);
    assert.equal(watch.query.get('labelSelector'), 'app=registry');
  }
});

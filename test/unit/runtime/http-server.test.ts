import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHttpServer } from '../../../src/runtime/http-server.js';
import { RuntimeMetrics } from '../../../src/observability/metrics.js';
import { captureLogger } from './helpers.js';

test('/readyz answers 503 until every check is ready, /healthz always 200, /metrics the registry', async (t) => {
  let synced = false;
  const metrics = new RuntimeMetrics();
  metrics.reconcileTotal.inc({ controller: 'c', result: 'success' });
  const server = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    metrics,
    readiness: () => [
      { name: 'configmaps', isReady: () => synced },
      { name: 'secrets', isReady: () => true },
    ],
    logger: captureLogger().logger,
  });
  t.after(() => server.close());
  const get = (path: string) => fetch(`http://127.0.0.1:${server.port}${path}`);

  const before = await get('/readyz');
  assert.equal(before.status, 503);
  assert.match(await before.text(), /\[-\]configmaps\n\[\+\]secrets/);
  synced = true;
  assert.equal((await get('/readyz')).status, 200);
  assert.equal((await get('/healthz')).status, 200);

  const scrape = await get('/metrics');
  assert.equal(scrape.status, 200);
  assert.match(scrape.headers.get('content-type') ?? '', /text\/plain/);
  const text = await scrape.text();
  assert.match(text, /controller_runtime_reconcile_total\{controller="c",result="success"\} 1/);
  assert.match(text, /process_cpu_user_seconds_total/);
  assert.equal((await get('/nope')).status, 404);
});

// The API client speaks HTTP/2 to kube-apiserver as client-go does: every request and watch on one connection, a
// connection that stops answering given up on an unanswered PING, and a GOAWAY (kube-apiserver's
// --goaway-chance) followed onto a new connection without failing a request. A loopback TCP proxy between the
// client and the API server counts the connections and can make them go silent.
import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { KubeClient, type KubeClientOptions } from '../../../src/runtime/kube/client.js';
import { onCleanup } from '../../support/cleanup.js';
import { proxiedKubeconfig } from '../../support/tcp-proxy.js';
import { requireKube, startPrivateKube } from '../../support/testenv.js';

async function proxiedClient(t: TestContext, kubeconfig: string, options: KubeClientOptions = {}) {
  const proxied = await proxiedKubeconfig(t, kubeconfig);
  const config = new KubeConfig();
  config.loadFromFile(proxied.kubeconfig);
  return { client: new KubeClient(config, options), proxy: proxied.proxy };
}

/** A watch on namespaces, closed when the test ends. */
async function watchNamespaces(t: TestContext, client: KubeClient): Promise<Readable> {
  const connection = new AbortController();
  onCleanup(t, () => {
    connection.abort();
  });
  const body = await client.stream({
    path: '/api/v1/namespaces',
    query: { watch: true, allowWatchBookmarks: true },
    signal: connection.signal,
    connectTimeoutMs: 10_000,
  });
  body.resume();
  return body;
}

const getDefault = (client: KubeClient) => client.request({ path: '/api/v1/namespaces/default' });

/** `count` GETs, `inFlight` at a time; resolves to how many failed and why. */
async function getMany(client: KubeClient, count: number, inFlight: number): Promise<string[]> {
  const failures: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        next += 1;
        await getDefault(client).catch((error: unknown) => failures.push(String(error)));
      }
    }),
  );
  return failures;
}

test('requests and watches share one connection to the API server', async (t) => {
  const { client, proxy } = await proxiedClient(t, requireKube().kubeconfig);
  await watchNamespaces(t, client);
  await watchNamespaces(t, client);
  assert.deepEqual(await getMany(client, 64, 32), []);
  assert.equal(proxy.connections(), 1, '32 requests in flight and two watches on one connection');
});

test('a connection that goes silent is given up on an unanswered PING, and the next request gets a new one', async (t) => {
  const { client, proxy } = await proxiedClient(t, requireKube().kubeconfig, {
    http2: { pingIntervalMs: 500, pingTimeoutMs: 500, connectTimeoutMs: 10_000 },
  });
  const watch = await watchNamespaces(t, client);
  const watchEnded = new Promise<void>((resolve) => watch.once('close', resolve));
  await getDefault(client);
  proxy.stall();

  // Its own deadline is far off: only the health check can end it.
  await assert.rejects(client.request({ path: '/api/v1/namespaces/default', timeoutMs: 20_000 }), /PING/);
  await watchEnded;
  await getDefault(client);
  assert.equal(proxy.connections(), 2, 'the silent connection, then a new one');
});

test('GOAWAY from the API server: requests move to a new connection and none fails', async (t) => {
  // One request in 50 answered with GOAWAY, the most kube-apiserver allows.
  const kube = await startPrivateKube(t, { apiserverFlags: ['--goaway-chance=0.02'] });
  const { client, proxy } = await proxiedClient(t, kube.kubeconfig);
  assert.deepEqual(await getMany(client, 800, 16), []);
  t.diagnostic(`${proxy.connections()} connections for 800 requests`);
  assert.ok(proxy.connections() > 1, 'the API server sent GOAWAY and the client moved on');
});

// An answer that breaks off after its headers fails the request, over either protocol, and at once: neither
// taken for a complete answer (Node ends an HTTP/2 stream whose connection dropped as if its body were whole, an
// empty one here) nor left waiting for a body that will not come. A local HTTPS server of each kind answers 200
// and then resets the stream or drops the connection.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import https from 'node:https';
import { test, type TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { KubeClient } from '../../../src/runtime/kube/client.js';
import { listenLocally, localPki } from '../../support/local-api-server.js';

type Break = 'the stream reset' | 'the connection dropped';

async function breakingServer(
  t: TestContext,
  protocol: 'HTTP/1.1' | 'HTTP/2',
  how: Break,
): Promise<KubeClient> {
  const { serverTls: tls, kubeConfig } = await localPki(t, 'broken-answers-');
  const server =
    protocol === 'HTTP/2'
      ? http2.createSecureServer(tls).on('stream', (stream) => {
          stream.on('error', () => undefined);
          stream.respond({ ':status': 200, 'content-type': 'application/json' });
          // Once the headers are out.
          setTimeout(() => {
            if (how === 'the stream reset') stream.destroy(new Error('broken off'));
            else stream.session?.socket.destroy();
          }, 20);
        })
      : https.createServer(tls, (request, response) => {
          response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
          response.flushHeaders();
          request.socket.destroy();
        });
  return new KubeClient(kubeConfig(await listenLocally(t, server), { name: 'user', token: 'token' }));
}

const cases: [protocol: 'HTTP/1.1' | 'HTTP/2', how: Break][] = [
  ['HTTP/1.1', 'the connection dropped'],
  ['HTTP/2', 'the stream reset'],
  ['HTTP/2', 'the connection dropped'],
];

for (const [protocol, how] of cases) {
  test(`${protocol}: an answer broken off after its headers (${how}) fails the request at once`, async (t) => {
    const client = await breakingServer(t, protocol, how);
    for (let i = 0; i < 20; i++) {
      const outcome = await Promise.race([
        client.request({ path: '/version', timeoutMs: 60_000 }).then(
          () => 'answered',
          () => 'failed',
        ),
        // Far longer than a loopback answer takes, far shorter than the request's own deadline.
        delay(5_000, 'still waiting'),
      ]);
      assert.equal(outcome, 'failed', `request ${i + 1}`);
    }
  });
}

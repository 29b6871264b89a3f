// Requests to the API server reuse their TLS connection: a new handshake per request cost a third of the
// operator's CPU under load (docs/benchmarks.md). A local HTTPS server counts the connections it accepts.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensurePki } from '../../../hack/testenv/pki.js';
import { KubeClient } from '../../../src/runtime/index.js';
import { listenLocally, localKubeConfig } from '../../support/local-api-server.js';

test('sequential requests share one TLS connection, credentials still on each', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'keep-alive-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const pki = await ensurePki(dir);
  let connections = 0;
  const authorizations: (string | undefined)[] = [];
  const server = createServer(
    { cert: await readFile(pki.serverCert), key: await readFile(pki.serverKey) },
    (request, response) => {
      authorizations.push(request.headers.authorization);
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"kind":"Status"}');
    },
  );
  server.on('secureConnection', () => {
    connections += 1;
  });
  const port = await listenLocally(t, server);
  const config = localKubeConfig(
    { server: `https://127.0.0.1:${port}`, caData: (await readFile(pki.caCert)).toString('base64') },
    { name: 'user', token: 'test-token' },
  );
  const client = new KubeClient(config);
  for (let i = 0; i < 5; i++) await client.request({ path: '/version' });
  assert.equal(connections, 1);
  assert.deepEqual(
    authorizations,
    Array.from({ length: 5 }, () => 'Bearer test-token'),
  );
  server.closeAllConnections();
});

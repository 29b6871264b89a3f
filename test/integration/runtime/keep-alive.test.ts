// Requests to the API server reuse their TLS connection: a new handshake per request cost a third of the
// operator's CPU under load (docs/benchmarks.md); the credentials applied serve a period, not one request. A local
// HTTPS server counts the connections it accepts and sees each request's credentials.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { ensurePki } from '../../../hack/testenv/pki.js';
import { isApiError, KubeClient } from '../../../src/runtime/kube/client.js';
import { listenLocally, localKubeConfig } from '../../support/local-api-server.js';

/** A local HTTPS server that answers `answer(authorization)`, and a kubeconfig for it with `user`. */
async function tokenServer(
  t: TestContext,
  user: { name: string; token: string },
  answer: (authorization: string | undefined) => number = () => 200,
) {
  const dir = await mkdtemp(join(tmpdir(), 'keep-alive-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const pki = await ensurePki(dir);
  const seen = { connections: 0, authorizations: [] as (string | undefined)[] };
  const server = createServer(
    { cert: await readFile(pki.serverCert), key: await readFile(pki.serverKey) },
    (request, response) => {
      seen.authorizations.push(request.headers.authorization);
      const code = answer(request.headers.authorization);
      response
        .writeHead(code, { 'Content-Type': 'application/json' })
        .end(`{"kind":"Status","code":${code}}`);
    },
  );
  server.on('secureConnection', () => {
    seen.connections += 1;
  });
  t.after(() => {
    server.closeAllConnections();
  });
  const port = await listenLocally(t, server);
  const config = localKubeConfig(
    { server: `https://127.0.0.1:${port}`, caData: (await readFile(pki.caCert)).toString('base64') },
    user,
  );
  return { seen, config };
}

test('sequential requests share one TLS connection, credentials on each', async (t) => {
  const { seen, config } = await tokenServer(t, { name: 'user', token: 'test-token' });
  const client = new KubeClient(config);
  for (let i = 0; i < 5; i++) await client.request({ path: '/version' });
  assert.equal(seen.connections, 1);
  assert.deepEqual(
    seen.authorizations,
    Array.from({ length: 5 }, () => 'Bearer test-token'),
  );
});

test('rotated credentials are picked up once the period is over, and at once after a 401', async (t) => {
  const user = { name: 'user', token: 'first' };
  let rejected = '';
  const { seen, config } = await tokenServer(t, user, (authorization) =>
    authorization === `Bearer ${rejected}` ? 401 : 200,
  );
  const client = new KubeClient(config, undefined, 300);
  await client.request({ path: '/version' });
  user.token = 'second';
  await client.request({ path: '/version' });
  assert.deepEqual(seen.authorizations, ['Bearer first', 'Bearer first'], 'applied once for the period');
  await delay(400);
  await client.request({ path: '/version' });
  assert.equal(seen.authorizations.at(-1), 'Bearer second', 'applied afresh after it');

  user.token = 'third';
  rejected = 'second';
  await assert.rejects(client.request({ path: '/version' }), (error: unknown) => isApiError(error, 401));
  await client.request({ path: '/version' });
  assert.equal(seen.authorizations.at(-1), 'Bearer third', 'a 401 drops the credentials applied');
});

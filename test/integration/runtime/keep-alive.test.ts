// Requests to the API server reuse their TLS connection, over HTTP/2 where the server offers it and HTTP/1.1
// where it does not: a new handshake per request cost a third of the operator's CPU under load
// (docs/benchmarks.md). The credentials applied serve a period, not one request, and a rotated token or client
// certificate is still picked up. A local HTTPS server of each kind counts the connections it accepts and sees
// each request's credentials.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createSecureServer } from 'node:http2';
import { createServer } from 'node:https';
import { test, type TestContext } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { setTimeout as delay } from 'node:timers/promises';
import { signed } from '../../../hack/testenv/pki.js';
import { isApiError, KubeClient } from '../../../src/runtime/kube/client.js';
import { listenLocally, localPki } from '../../support/local-api-server.js';

type Protocol = 'HTTP/1.1' | 'HTTP/2';
type User = { name: string; token?: string; certData?: string; keyData?: string };

interface Seen {
  connections: number;
  /** The client certificate of each connection, by fingerprint. */
  clientCertificates: (string | undefined)[];
  authorizations: (string | undefined)[];
  versions: string[];
}

/** A local HTTPS server speaking `protocol` that answers `answer(authorization)`, and a kubeconfig for it. */
async function localServer(
  t: TestContext,
  protocol: Protocol,
  user: User,
  answer: (authorization: string | undefined) => number = () => 200,
) {
  const { dir, pki, serverTls, kubeConfig } = await localPki(t, 'keep-alive-');
  const seen: Seen = { connections: 0, clientCertificates: [], authorizations: [], versions: [] };
  const tls = {
    ...serverTls,
    // Any client certificate is taken; the test only looks at which one came.
    requestCert: true,
    rejectUnauthorized: false,
  };
  const handler = (
    request: { headers: { authorization?: string | undefined }; httpVersion: string },
    response: { writeHead(code: number, headers: Record<string, string>): { end(body: string): void } },
  ) => {
    seen.authorizations.push(request.headers.authorization);
    seen.versions.push(request.httpVersion);
    const code = answer(request.headers.authorization);
    response.writeHead(code, { 'Content-Type': 'application/json' }).end(`{"kind":"Status","code":${code}}`);
  };
  const server = protocol === 'HTTP/2' ? createSecureServer(tls, handler) : createServer(tls, handler);
  server.on('secureConnection', (socket: TLSSocket) => {
    seen.connections += 1;
    const certificate = socket.getPeerCertificate();
    seen.clientCertificates.push('fingerprint256' in certificate ? certificate.fingerprint256 : undefined);
  });
  const config = kubeConfig(await listenLocally(t, server), user);
  /** Another client certificate and key, base64 as a kubeconfig holds them. */
  const clientCertificate = async (name: string) => {
    const issued = await signed(dir, name, `/CN=${name}`, 'extendedKeyUsage=clientAuth\n', {
      cert: pki.caCert,
      key: pki.caKey,
    });
    return {
      certData: (await readFile(issued.cert)).toString('base64'),
      keyData: (await readFile(issued.key)).toString('base64'),
    };
  };
  return { seen, config, clientCertificate };
}

const version = (protocol: Protocol) => (protocol === 'HTTP/2' ? '2.0' : '1.1');

for (const protocol of ['HTTP/1.1', 'HTTP/2'] as const) {
  test(`${protocol}: sequential requests share one TLS connection, credentials on each`, async (t) => {
    const { seen, config } = await localServer(t, protocol, { name: 'user', token: 'test-token' });
    const client = new KubeClient(config);
    for (let i = 0; i < 5; i++) await client.request({ path: '/version' });
    assert.equal(seen.connections, 1);
    assert.deepEqual(
      seen.authorizations,
      Array.from({ length: 5 }, () => 'Bearer test-token'),
    );
    assert.deepEqual(
      seen.versions,
      Array.from({ length: 5 }, () => version(protocol)),
    );
  });

  test(`${protocol}: rotated credentials are picked up once the period is over, and at once after a 401`, async (t) => {
    const user = { name: 'user', token: 'first' };
    let rejected = '';
    const { seen, config } = await localServer(t, protocol, user, (authorization) =>
      authorization === `Bearer ${rejected}` ? 401 : 200,
    );
    const client = new KubeClient(config, { credentialsTtlMs: 300 });
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
    assert.equal(seen.connections, 1, 'a token travels with each request, on the same connection');
  });

  test(`${protocol}: a rotated client certificate is used on a new connection once the period is over`, async (t) => {
    const user: User = { name: 'user' };
    const { seen, config, clientCertificate } = await localServer(t, protocol, user);
    Object.assign(user, await clientCertificate('first'));
    const client = new KubeClient(config, { credentialsTtlMs: 300 });
    await client.request({ path: '/version' });
    await client.request({ path: '/version' });
    Object.assign(user, await clientCertificate('second'));
    await delay(400);
    await client.request({ path: '/version' });
    await client.request({ path: '/version' });
    assert.equal(seen.connections, 2, 'one connection for each certificate');
    const [first, second] = seen.clientCertificates;
    assert.ok(first !== undefined && second !== undefined, 'both connections carried a client certificate');
    assert.notEqual(first, second, 'the second connection carries the new certificate');
  });
}

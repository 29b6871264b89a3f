// A local HTTP server in the API server's place: runtime code runs through the real KubeClient, and the test sees
// each request as it went over the wire (method, path, query, body) and answers it as it likes, streams included.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Http2SecureServer, ServerHttp2Session } from 'node:http2';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { ensurePki } from '../../hack/testenv/pki.js';
import { KubeClient } from '../../src/runtime/kube/client.js';

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string | undefined;
  /** The body parsed as JSON; undefined when there is none. */
  body: unknown;
}

/** Answers one request; what it throws becomes a 500. */
export type Handler = (request: SeenRequest, response: ServerResponse) => void;

export interface LocalApiServer {
  client: KubeClient;
  /** Every request so far, in the order they arrived. */
  requests: SeenRequest[];
}

function readJson(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.once('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text === '' ? undefined : JSON.parse(text));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    request.once('error', reject);
  });
}

export function sendJson(response: ServerResponse, statusCode: number, body: unknown): void {
  response.writeHead(statusCode, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

/** Starts the server and a client of it; both go when the test ends. */
export async function localApiServer(t: TestContext, handle: Handler): Promise<LocalApiServer> {
  const requests: SeenRequest[] = [];
  const server = createServer((request, response) => {
    readJson(request)
      .then((body) => {
        const url = new URL(request.url ?? '/', 'http://localhost');
        const seen: SeenRequest = {
          method: request.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          contentType: request.headers['content-type'],
          body,
        };
        requests.push(seen);
        handle(seen, response);
      })
      .catch((error: unknown) => {
        sendJson(response, 500, { kind: 'Status', code: 500, message: String(error) });
      });
  });
  const port = await listenLocally(t, server);
  // client-node only allows plain HTTP to a cluster marked skipTLSVerify.
  const config = localKubeConfig(
    { server: `http://127.0.0.1:${port}`, skipTLSVerify: true },
    { name: 'test' },
  );
  return { client: new KubeClient(config), requests };
}

/** Listens on a free loopback port, which it returns; the server closes when the test ends. */
export async function listenLocally(t: TestContext, server: Server | Http2SecureServer): Promise<number> {
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  // An HTTP/2 server's connections are its sessions.
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session: ServerHttp2Session) => sessions.add(session));
  t.after(() => {
    if ('closeAllConnections' in server) server.closeAllConnections();
    for (const session of sessions) session.destroy();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

/** A CA and a server certificate of the test's own (gone when it ends), and kubeconfigs for a server using them. */
export async function localPki(t: TestContext, prefix: string) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const pki = await ensurePki(dir);
  const caData = (await readFile(pki.caCert)).toString('base64');
  return {
    dir,
    pki,
    serverTls: { cert: await readFile(pki.serverCert), key: await readFile(pki.serverKey) },
    kubeConfig: (port: number, user: LocalUser) =>
      localKubeConfig({ server: `https://127.0.0.1:${port}`, caData }, user),
  };
}

type LocalUser = { name: string; token?: string; certData?: string; keyData?: string };

/** A kubeconfig whose one context is this cluster and user. */
export function localKubeConfig(
  cluster: { server: string; caData?: string; skipTLSVerify?: boolean },
  user: LocalUser,
): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'local', ...cluster }],
    users: [user],
    contexts: [{ name: 'local', cluster: 'local', user: user.name }],
    currentContext: 'local',
  });
  return config;
}

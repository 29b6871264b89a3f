// A small REST client, generic over resources by path. client-node still loads the kubeconfig and authenticates
// (tokens, client certificates, exec plugins, in-cluster) through `applyToHTTPSOptions`, applied afresh every 10 s
// and after a 401; the requests themselves are ours, over HTTP/2 where the server offers it (http2.ts), so that
// every one has a deadline we choose and a watch can stream for as long as the server keeps it open
// (client-node 2.0.0 aborted every watch after 30 s; see docs/runtime.md).
import http from 'node:http';
import https from 'node:https';
import { finished, type Readable } from 'node:stream';
// The config module alone: the package's index loads every generated API client and model, which we never use.
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { withDeadline } from '../deadline.js';
import { Http1Transport } from './http1.js';
import { HTTP2_TIMING, Http2Transport, type Http2Timing } from './http2.js';
import {
  connectionIdentity,
  tlsSettings,
  type Answer,
  type HttpMethod,
  type Transport,
} from './transport.js';

export type { HttpMethod } from './transport.js';
export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  method?: HttpMethod;
  path: string;
  query?: Query;
  body?: unknown;
  /** Defaults to application/json when there is a body. */
  contentType?: string;
  signal?: AbortSignal;
  /** Deadline for the whole request; the client's default when absent. */
  timeoutMs?: number;
}

export interface StreamOptions {
  path: string;
  query?: Query;
  /** Aborting it closes the stream. */
  signal: AbortSignal;
  /** Deadline for the response headers only; the body may then stream for as long as the server keeps it. */
  connectTimeoutMs: number;
}

/** An answer other than 2xx from the API server, with the Status it carried. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';

  constructor(
    readonly statusCode: number,
    readonly reason: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

export function isApiError(error: unknown, statusCode: number): error is KubeApiError {
  return error instanceof KubeApiError && error.statusCode === statusCode;
}

export const isNotFound = (error: unknown): boolean => isApiError(error, 404);
export const isConflict = (error: unknown): boolean => isApiError(error, 409);
/** 410 Gone: the resourceVersion asked for has been compacted away. */
export const isGone = (error: unknown): boolean => isApiError(error, 410);

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * The whole body. `finished()` also reports an end or error that came with the headers, before anything listened;
 * cheaper than iterating the stream, which makes a promise a chunk.
 */
function readBody(answer: Answer): Promise<string> {
  const chunks: Buffer[] = [];
  const { body } = answer;
  body.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    finished(body, { writable: false }, (error) => {
      if (error !== undefined && error !== null) reject(error);
      else if (answer.brokenOff?.() === true)
        reject(new Error('the answer broke off: the connection closed under it'));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

function statusMessage(body: string): { reason?: string; message?: string } {
  try {
    const status: unknown = JSON.parse(body);
    if (status !== null && typeof status === 'object') {
      const { reason, message } = status as { reason?: unknown; message?: unknown };
      return {
        ...(typeof reason === 'string' ? { reason } : {}),
        ...(typeof message === 'string' ? { message } : {}),
      };
    }
  } catch {
    // Not a Status (a proxy's HTML page, say): the status code alone will do.
  }
  return {};
}

function queryString(query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/**
 * How long the credentials applied once serve the requests after it. client-node reads files, decodes the
 * certificates and asks its authenticators each time (a tenth of a request's CPU, docs/runtime.md); client-go
 * itself re-reads a token file once a minute. A 401 drops them at once.
 */
export const CREDENTIALS_TTL_MS = 10_000;

export interface KubeClientOptions {
  /** Deadline of a request that sets none (default 30 s). */
  requestTimeoutMs?: number;
  /** How long the credentials applied once serve (default 10 s). */
  credentialsTtlMs?: number;
  /** HTTP/2's health checks and connect deadline, or false for HTTP/1.1 only (default client-go's). */
  http2?: Http2Timing | false;
}

/** What applyToHTTPSOptions gave, ready for requests: the headers it adds and the connection that suits it. */
interface Applied {
  headers: Record<string, string>;
  transport: Transport;
}

interface AppliedCredentials {
  at: number;
  applied: Promise<Applied>;
}

export class KubeClient {
  private credentials: AppliedCredentials | undefined;
  /** The connection, kept while the server and TLS settings it was made for stay the same. */
  private connection: { identity: string; transport: Transport } | undefined;
  private readonly defaultTimeoutMs: number;
  private readonly credentialsTtlMs: number;
  private readonly http2: Http2Timing | false;

  constructor(
    readonly kubeConfig: KubeConfig,
    options: KubeClientOptions = {},
  ) {
    this.defaultTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.credentialsTtlMs = options.credentialsTtlMs ?? CREDENTIALS_TTL_MS;
    this.http2 = options.http2 ?? HTTP2_TIMING;
  }

  /** From $KUBECONFIG, ~/.kube/config or the in-cluster service account, as kubectl finds it. */
  static fromDefaultConfig(options: KubeClientOptions = {}): KubeClient {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromDefault();
    return new KubeClient(kubeConfig, options);
  }

  static fromFile(path: string, options: KubeClientOptions = {}): KubeClient {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(path);
    return new KubeClient(kubeConfig, options);
  }

  /** One JSON request. The API server's own schema is trusted for the type of the answer. */
  async request<T>(options: RequestOptions): Promise<T> {
    const method = options.method ?? 'GET';
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> =
      body === undefined ? {} : { 'content-type': options.contentType ?? 'application/json' };
    try {
      // The runtime's one deadline helper: one controller and one timer a request, where a linked signal over
      // AbortSignal.timeout() took two signals, two listeners, a timer and a finalization registry entry.
      return await withDeadline(
        async (signal) => {
          const response = await this.send(method, options.path, options.query, headers, signal, body);
          const text = await readBody(response);
          const { statusCode } = response;
          if (statusCode < 200 || statusCode > 299)
            throw this.apiError(method, options.path, statusCode, text);
          return (text === '' ? undefined : JSON.parse(text)) as T;
        },
        { timeoutMs: options.timeoutMs ?? this.defaultTimeoutMs, parent: options.signal },
      );
    } catch (error) {
      if (error instanceof KubeApiError) throw error;
      throw new Error(`${method} ${options.path}: ${String(error)}`, { cause: error });
    }
  }

  /** A GET whose body is read as it arrives (a watch). Answers other than 200 throw KubeApiError. */
  async stream(options: StreamOptions): Promise<Readable> {
    const { path, query, signal, connectTimeoutMs } = options;
    const response = await this.send('GET', path, query, {}, signal, undefined, connectTimeoutMs);
    if (response.statusCode !== 200) {
      throw this.apiError('GET', path, response.statusCode, await readBody(response));
    }
    return response.body;
  }

  private apiError(method: HttpMethod, path: string, statusCode: number, body: string): KubeApiError {
    // Rejected credentials may have been rotated since they were applied: the next request applies them afresh.
    if (statusCode === 401) this.credentials = undefined;
    const { reason, message } = statusMessage(body);
    return new KubeApiError(
      statusCode,
      reason,
      `${method} ${path}: ${statusCode} ${message ?? reason ?? ''}`.trim(),
    );
  }

  private server(): URL {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (cluster === null) throw new Error('the kubeconfig has no current cluster');
    return new URL(cluster.server);
  }

  /** The kubeconfig's credentials, and the connection for this cluster with the TLS settings they come with. */
  private applied(server: URL): Promise<Applied> {
    const now = Date.now();
    if (this.credentials !== undefined && now - this.credentials.at < this.credentialsTtlMs) {
      return this.credentials.applied;
    }
    const applied = (async (): Promise<Applied> => {
      const options: https.RequestOptions = {};
      await this.kubeConfig.applyToHTTPSOptions(options);
      return {
        headers: { ...(options.headers as Record<string, string> | undefined) },
        transport: this.transportFor(server, options),
      };
    })();
    const credentials = { at: now, applied };
    this.credentials = credentials;
    // A failure (an exec plugin that failed) is not kept: the next request tries again.
    applied.catch(() => {
      if (this.credentials === credentials) this.credentials = undefined;
    });
    return applied;
  }

  /** The connection made for these settings before, or a new one (the old one finishes what it carries). */
  private transportFor(server: URL, options: https.RequestOptions): Transport {
    const settings = tlsSettings(options);
    // client-node's agent for the cluster is a proxy's when the kubeconfig names one, otherwise a plain agent.
    const { agent } = options;
    const proxy =
      agent instanceof http.Agent && agent.constructor !== https.Agent && agent.constructor !== http.Agent;
    const identity = `${proxy ? 'proxy ' : ''}${connectionIdentity(server, settings)}`;
    if (this.connection?.identity === identity) return this.connection.transport;
    this.connection?.transport.close();
    const protocol = server.protocol === 'http:' ? 'http:' : 'https:';
    const auth = options.auth ?? undefined;
    const transport = proxy
      ? new Http1Transport(protocol, settings, agent, auth)
      : protocol === 'https:' && this.http2 !== false
        ? new Http2Transport(server, settings, auth, this.http2)
        : new Http1Transport(protocol, settings, undefined, auth);
    this.connection = { identity, transport };
    return transport;
  }

  private async send(
    method: HttpMethod,
    path: string,
    query: Query | undefined,
    headers: Record<string, string>,
    signal: AbortSignal,
    body: string | undefined,
    headersTimeoutMs?: number,
  ): Promise<Answer> {
    const server = this.server();
    // A server URL may carry a path prefix (an API proxy); the resource path goes after it.
    const url = new URL(`${server.pathname.replace(/\/$/, '')}${path}${queryString(query)}`, server);
    const applied = await this.applied(server);
    return applied.transport.send({
      method,
      url,
      headers: { ...applied.headers, Accept: 'application/json', ...headers },
      body,
      signal,
      ...(headersTimeoutMs === undefined ? {} : { headersTimeoutMs }),
    });
  }
}

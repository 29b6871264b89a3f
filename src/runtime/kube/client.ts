// A small REST client over node:https, generic over resources by path. client-node still loads the kubeconfig and
// authenticates (tokens, client certificates, exec plugins, in-cluster) through `applyToHTTPSOptions`, applied
// afresh every 10 s and after a 401; the requests themselves are ours so that every one has a deadline we choose
// and a watch can stream for as long as the server keeps it open (client-node 2.0.0 aborted every watch after
// 30 s; see docs/runtime.md).
import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
// The config module alone: the package's index loads every generated API client and model, which we never use.
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { linkSignals } from '../abort.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
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

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.once('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    response.once('error', reject);
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

// client-node caches one https.Agent per cluster and user but builds it without keep-alive, so every request
// would open a new TCP and TLS connection (a third of the operator's CPU under load, see docs/benchmarks.md).
// Its twin with keep-alive, made once per agent, carries the same TLS settings. Proxy agents are left alone.
const keepAliveTwins = new WeakMap<https.Agent, https.Agent>();

function keepAliveAgent(agent: https.RequestOptions['agent']): https.RequestOptions['agent'] {
  if (!(agent instanceof https.Agent) || agent.constructor !== https.Agent) return agent;
  let twin = keepAliveTwins.get(agent);
  if (twin === undefined) {
    const { options } = agent as https.Agent & { options: https.AgentOptions };
    twin = new https.Agent({ ...options, keepAlive: true, scheduling: 'lifo' });
    keepAliveTwins.set(agent, twin);
  }
  return twin;
}

/**
 * How long the credentials applied once serve the requests after it. client-node reads files, decodes the
 * certificates and asks its authenticators each time (a tenth of a request's CPU, docs/runtime.md); client-go
 * itself re-reads a token file once a minute. A 401 drops them at once.
 */
export const CREDENTIALS_TTL_MS = 10_000;

interface AppliedCredentials {
  at: number;
  options: Promise<https.RequestOptions>;
}

export class KubeClient {
  private credentials: AppliedCredentials | undefined;

  constructor(
    readonly kubeConfig: KubeConfig,
    private readonly defaultTimeoutMs: number = DEFAULT_REQUEST_TIMEOUT_MS,
    private readonly credentialsTtlMs: number = CREDENTIALS_TTL_MS,
  ) {}

  /** From $KUBECONFIG, ~/.kube/config or the in-cluster service account, as kubectl finds it. */
  static fromDefaultConfig(): KubeClient {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromDefault();
    return new KubeClient(kubeConfig);
  }

  static fromFile(path: string): KubeClient {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(path);
    return new KubeClient(kubeConfig);
  }

  /** One JSON request. The API server's own schema is trusted for the type of the answer. */
  async request<T>(options: RequestOptions): Promise<T> {
    const method = options.method ?? 'GET';
    const { signal, dispose } = linkSignals(
      options.signal,
      AbortSignal.timeout(options.timeoutMs ?? this.defaultTimeoutMs),
    );
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> =
      body === undefined ? {} : { 'Content-Type': options.contentType ?? 'application/json' };
    try {
      const response = await this.send(method, options.path, options.query, headers, signal, body);
      const text = await readBody(response);
      const statusCode = response.statusCode ?? 0;
      if (statusCode < 200 || statusCode > 299) throw this.apiError(method, options.path, statusCode, text);
      return (text === '' ? undefined : JSON.parse(text)) as T;
    } catch (error) {
      if (error instanceof KubeApiError) throw error;
      const cause = signal.aborted ? String(signal.reason) : String(error);
      throw new Error(`${method} ${options.path}: ${cause}`, { cause: error });
    } finally {
      dispose();
    }
  }

  /** A GET whose body is read as it arrives (a watch). Answers other than 200 throw KubeApiError. */
  async stream(options: StreamOptions): Promise<IncomingMessage> {
    const { path, query, signal, connectTimeoutMs } = options;
    const response = await this.send('GET', path, query, {}, signal, undefined, connectTimeoutMs);
    if (response.statusCode !== 200) {
      throw this.apiError('GET', path, response.statusCode ?? 0, await readBody(response));
    }
    return response;
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

  /** The kubeconfig's credentials, the CA and client certificates, and a keep-alive agent for this cluster and user. */
  private applied(): Promise<https.RequestOptions> {
    const now = Date.now();
    if (this.credentials !== undefined && now - this.credentials.at < this.credentialsTtlMs) {
      return this.credentials.options;
    }
    const options = (async () => {
      const applied: https.RequestOptions = {};
      await this.kubeConfig.applyToHTTPSOptions(applied);
      applied.agent = keepAliveAgent(applied.agent);
      return applied;
    })();
    const credentials = { at: now, options };
    this.credentials = credentials;
    // A failure (an exec plugin that failed) is not kept: the next request tries again.
    options.catch(() => {
      if (this.credentials === credentials) this.credentials = undefined;
    });
    return options;
  }

  private async send(
    method: HttpMethod,
    path: string,
    query: Query | undefined,
    headers: Record<string, string>,
    signal: AbortSignal,
    body: string | undefined,
    /** Destroys the request if no response headers arrive in time; the body may then take as long as it takes. */
    headersTimeoutMs?: number,
  ): Promise<IncomingMessage> {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (cluster === null) throw new Error('the kubeconfig has no current cluster');
    const server = new URL(cluster.server);
    // A server URL may carry a path prefix (an API proxy); the resource path goes after it.
    const url = new URL(`${server.pathname.replace(/\/$/, '')}${path}${queryString(query)}`, server);
    const credentials = await this.applied();
    const requestOptions: https.RequestOptions = {
      ...credentials,
      method,
      headers: {
        ...(credentials.headers as OutgoingHttpHeaders | undefined),
        Accept: 'application/json',
        ...headers,
      },
      signal,
    };
    const transport = url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const request = transport.request(url, requestOptions, (response) => {
        clearTimeout(headersTimer);
        resolve(response);
      });
      const headersTimer =
        headersTimeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              request.destroy(new Error(`no response within ${headersTimeoutMs} ms`));
            }, headersTimeoutMs);
      request.once('error', (error) => {
        clearTimeout(headersTimer);
        reject(error);
      });
      request.end(body);
    });
  }
}

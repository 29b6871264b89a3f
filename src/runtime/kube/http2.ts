// HTTP/2 to the API server, as client-go speaks it: every request and watch multiplexed on one TLS connection
// (a third less of the operator's CPU per request than a keep-alive HTTP/1.1 connection per request in flight,
// docs/benchmarks.md), client-go's flow-control windows, PING health checks, and a new connection once the server
// sends GOAWAY or the connection dies. A server that does not offer h2 is spoken to over HTTP/1.1 from then on.
import http2, { type ClientHttp2Session, type OutgoingHttpHeaders } from 'node:http2';
import { isIP } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import { unlessAborted } from '../abort.js';
import { Http1Transport } from './http1.js';
import {
  headersDeadline,
  type Answer,
  type Exchange,
  type TlsSettings,
  type Transport,
} from './transport.js';

export interface Http2Timing {
  /** How often the connection must answer a PING (client-go: ReadIdleTimeout, 30 s). */
  pingIntervalMs: number;
  /** How long an unanswered PING waits before the connection counts as dead (client-go: PingTimeout, 15 s). */
  pingTimeoutMs: number;
  /** For the TCP connection and the TLS handshake (client-go: TLSHandshakeTimeout, 10 s). */
  connectTimeoutMs: number;
}

export const HTTP2_TIMING: Http2Timing = {
  pingIntervalMs: 30_000,
  pingTimeoutMs: 15_000,
  connectTimeoutMs: 10_000,
};

// client-go's windows (x/net/http2's transportDefaultStreamFlow and transportDefaultConnFlow). With Node's default
// 64 KiB the watch fell behind a burst of 1,000 creates until the caches were stale enough for 409s.
const STREAM_WINDOW_BYTES = 4 << 20;
const SESSION_WINDOW_BYTES = 1 << 30;

/** A request the server never processed: refused, or its session was closing before it went out. Safe to resend. */
class NotProcessedError extends Error {}

/** The session's own errors that mean it took no new request. */
const SESSION_GONE = new Set(['ERR_HTTP2_GOAWAY_SESSION', 'ERR_HTTP2_INVALID_SESSION']);

function connectTls(url: URL, settings: TlsSettings, timeoutMs: number): Promise<TLSSocket> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const socket = tls.connect({
    ...settings,
    host,
    port: url.port === '' ? 443 : Number(url.port),
    // As node:https does: SNI names a host, never an address.
    servername: settings.servername ?? (isIP(host) === 0 ? host : undefined),
    ALPNProtocols: ['h2', 'http/1.1'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy(new Error(`no TLS connection to ${url.host} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error: Error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** One HTTP/2 connection: its streams, its health, and the moment it stops taking new ones. */
class Session {
  private readonly session: ClientHttp2Session;
  private readonly healthTimer: NodeJS.Timeout;
  private streams = 0;
  private pinging = false;

  constructor(
    socket: TLSSocket,
    url: URL,
    private readonly timing: Http2Timing,
    /** Called as soon as it takes no new streams: the next request makes a new connection. */
    private readonly gone: () => void,
  ) {
    this.session = http2.connect(url.origin, {
      createConnection: () => socket,
      settings: { initialWindowSize: STREAM_WINDOW_BYTES, enablePush: false },
    });
    this.session.once('connect', () => {
      this.session.setLocalWindowSize(SESSION_WINDOW_BYTES);
    });
    // After a GOAWAY the streams already open finish here; new ones need a new connection.
    this.session.once('goaway', gone);
    this.session.once('close', () => {
      clearInterval(this.healthTimer);
      gone();
    });
    // Each open stream hears of it, and 'close' follows.
    this.session.on('error', () => undefined);
    this.healthTimer = setInterval(() => {
      this.checkHealth();
    }, timing.pingIntervalMs).unref();
    // Open streams hold the process, an idle connection does not (a CLI exits when its work is done).
    this.session.unref();
  }

  request(headers: OutgoingHttpHeaders, exchange: Exchange): Promise<Answer> {
    if (this.session.closed || this.session.destroyed) {
      this.gone();
      return Promise.reject(new NotProcessedError('the connection to the API server has closed'));
    }
    const stream = this.session.request(headers, {
      endStream: exchange.body === undefined,
      signal: exchange.signal,
    });
    if (this.streams++ === 0) this.session.ref();
    stream.once('close', () => {
      if (--this.streams === 0) this.session.unref();
    });
    if (exchange.body !== undefined) stream.end(exchange.body);
    return new Promise((resolve, reject) => {
      let answered = false;
      const cancel = headersDeadline(exchange.headersTimeoutMs, (error) => stream.destroy(error));
      stream.once('response', (responseHeaders) => {
        answered = true;
        cancel();
        resolve({
          statusCode: Number(responseHeaders[':status']),
          body: stream,
          brokenOff: () => {
            // Node's types say a number; it is undefined until the stream has closed.
            const code = stream.rstCode as number | undefined;
            return code !== undefined && code !== http2.constants.NGHTTP2_NO_ERROR;
          },
        });
      });
      // Before an answer; after one, the body's reader hears of the end.
      const fail = (error?: Error) => {
        cancel();
        if (answered) return;
        const code = (error as { code?: unknown } | undefined)?.code;
        if (typeof code === 'string' && SESSION_GONE.has(code)) {
          // Node reports a session that closed under the request on its stream.
          this.gone();
          reject(new NotProcessedError(String(error), { cause: error }));
          return;
        }
        if (stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM) {
          reject(new NotProcessedError('the API server refused the stream', { cause: error }));
          return;
        }
        reject(
          error ?? new Error(`the stream closed before an answer (HTTP/2 error code ${stream.rstCode})`),
        );
        // A request that got nowhere may be the first sign of a dead connection.
        this.checkHealth();
      };
      stream.once('error', fail);
      stream.once('close', fail);
    });
  }

  /** A PING that must come back in time, or the connection and every stream on it are given up. */
  private checkHealth(): void {
    if (this.pinging || this.session.destroyed) return;
    this.pinging = true;
    const timer = setTimeout(() => {
      this.session.destroy(
        new Error(`the API server did not answer a PING within ${this.timing.pingTimeoutMs} ms`),
      );
    }, this.timing.pingTimeoutMs).unref();
    const answered = (error: Error | null) => {
      clearTimeout(timer);
      this.pinging = false;
      if (error !== null) this.session.destroy(error);
    };
    try {
      this.session.ping(answered);
    } catch (error) {
      answered(error as Error);
    }
  }

  close(): void {
    this.session.close();
  }
}

export class Http2Transport implements Transport {
  private peer: Promise<Session | Http1Transport> | undefined;
  /** What `peer` resolved to, while it is current: a request then waits for no promise before its stream. */
  private established: Session | Http1Transport | undefined;
  private readonly basicAuth: string | undefined;

  constructor(
    private readonly server: URL,
    private readonly tls: TlsSettings,
    private readonly auth: string | undefined,
    private readonly timing: Http2Timing,
  ) {
    this.basicAuth = auth === undefined ? undefined : `Basic ${Buffer.from(auth).toString('base64')}`;
  }

  async send(exchange: Exchange): Promise<Answer> {
    const headers: OutgoingHttpHeaders = {
      ':method': exchange.method,
      ':path': `${exchange.url.pathname}${exchange.url.search}`,
    };
    for (const [name, value] of Object.entries(exchange.headers)) headers[name.toLowerCase()] = value;
    if (this.basicAuth !== undefined) headers.authorization ??= this.basicAuth;
    // Sent again once, on a new connection if need be, when the server never processed it (a GOAWAY raced it).
    for (let attempt = 1; ; attempt++) {
      const peer = this.established ?? (await unlessAborted(this.connection(), exchange.signal));
      if (peer instanceof Http1Transport) return peer.send(exchange);
      try {
        return await peer.request(headers, exchange);
      } catch (error) {
        if (!(error instanceof NotProcessedError) || attempt > 1) throw error;
      }
    }
  }

  close(): void {
    void this.peer?.then(
      (peer) => {
        peer.close();
      },
      () => undefined,
    );
  }

  /** The current connection, or a new one if there is none or it has gone away. */
  private connection(): Promise<Session | Http1Transport> {
    if (this.peer !== undefined) return this.peer;
    const gone = () => {
      if (this.peer !== peer) return;
      this.peer = undefined;
      this.established = undefined;
    };
    const peer = (async () => {
      const socket = await connectTls(this.server, this.tls, this.timing.connectTimeoutMs);
      if (socket.alpnProtocol === 'h2') return new Session(socket, this.server, this.timing, gone);
      socket.destroy();
      return new Http1Transport('https:', this.tls, undefined, this.auth);
    })();
    this.peer = peer;
    peer.then(
      (established) => {
        if (this.peer === peer) this.established = established;
      },
      // A failed connection is not kept: the next request tries again.
      gone,
    );
    return peer;
  }
}

// What the REST client asks of a connection to the API server, whichever HTTP version carries it: one request
// out, its status and a body to read as it arrives. Also the identity of a kubeconfig's TLS settings, so that a
// connection made with a certificate that has since rotated is not reused.
import { createHash } from 'node:crypto';
import type { RequestOptions } from 'node:https';
import type { Readable } from 'node:stream';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Exchange {
  method: HttpMethod;
  url: URL;
  /** Authorization and the like from the kubeconfig, Accept and Content-Type from the client. */
  headers: Record<string, string>;
  body: string | undefined;
  /** Aborting it ends the request, and its body if that is still streaming. */
  signal: AbortSignal;
  /** Ends the request if no response headers arrive in time; the body may then take as long as it takes. */
  headersTimeoutMs?: number;
}

export interface Answer {
  statusCode: number;
  body: Readable;
  /**
   * Once the body has ended: whether it ended short, the connection gone under it. Node ends an HTTP/2 stream
   * whose connection dropped as if the body were whole.
   */
  brokenOff?: () => boolean;
}

export interface Transport {
  send(exchange: Exchange): Promise<Answer>;
  /** No new requests; those in flight (a watch among them) finish on their own. */
  close(): void;
}

/** The settings, out of client-node's applyToHTTPSOptions, that make a TLS connection what it is. */
export type TlsSettings = Pick<
  RequestOptions,
  'ca' | 'cert' | 'key' | 'pfx' | 'passphrase' | 'rejectUnauthorized' | 'servername'
>;

export function tlsSettings(options: RequestOptions): TlsSettings {
  const { ca, cert, key, pfx, passphrase, rejectUnauthorized, servername } = options;
  return { ca, cert, key, pfx, passphrase, rejectUnauthorized, servername };
}

/** A digest of the server and the TLS settings: equal exactly when a connection made with one serves the other. */
export function connectionIdentity(server: URL, settings: TlsSettings): string {
  const hash = createHash('sha256').update(server.origin);
  for (const value of Object.values(settings)) {
    // Each field framed by its length, so that no two different settings run together into the same bytes.
    const parts: unknown[] = Array.isArray(value) ? value : [value];
    for (const part of parts) {
      const bytes = Buffer.isBuffer(part)
        ? part
        : Buffer.from(typeof part === 'string' ? part : part === undefined ? '\0' : JSON.stringify(part));
      hash.update(`${bytes.length}:`).update(bytes);
    }
  }
  return hash.digest('hex');
}

/** Calls `expire` if `cancel` is not called within `ms`; nothing at all when there is no deadline. */
export function headersDeadline(ms: number | undefined, expire: (error: Error) => void): () => void {
  if (ms === undefined) return () => undefined;
  const timer = setTimeout(() => {
    expire(new Error(`no response within ${ms} ms`));
  }, ms);
  return () => {
    clearTimeout(timer);
  };
}

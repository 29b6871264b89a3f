// HTTP/1.1 to the API server: for a plain http: server, a proxy from the kubeconfig, and a server that does not
// offer HTTP/2. Requests reuse their connections through a keep-alive agent.
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import {
  headersDeadline,
  type Answer,
  type Exchange,
  type TlsSettings,
  type Transport,
} from './transport.js';

export class Http1Transport implements Transport {
  /**
   * `agent` is the kubeconfig's own (a proxy's, say) when given; otherwise one with keep-alive and `tls`. client-node
   * caches its agent per cluster and user without keep-alive, so every request would open a new TCP and TLS
   * connection (a third of the operator's CPU under load, see docs/benchmarks.md), and with the TLS settings it
   * was first made with, so a rotated client certificate would never be used.
   */
  private readonly agent: http.Agent;
  private readonly ownAgent: boolean;

  constructor(
    private readonly protocol: 'http:' | 'https:',
    tls: TlsSettings,
    agent?: http.Agent,
    private readonly auth?: string,
  ) {
    this.ownAgent = agent === undefined;
    this.agent =
      agent ??
      (protocol === 'http:'
        ? new http.Agent({ keepAlive: true, scheduling: 'lifo' })
        : new https.Agent({ ...tls, keepAlive: true, scheduling: 'lifo' }));
  }

  send(exchange: Exchange): Promise<Answer> {
    const options: https.RequestOptions = {
      method: exchange.method,
      headers: exchange.headers,
      signal: exchange.signal,
      agent: this.agent,
      ...(this.auth === undefined ? {} : { auth: this.auth }),
    };
    const transport = this.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const request = transport.request(exchange.url, options, (response) => {
        cancel();
        resolve({ statusCode: response.statusCode ?? 0, body: response });
      });
      const cancel = headersDeadline(exchange.headersTimeoutMs, (error) => request.destroy(error));
      request.once('error', (error) => {
        cancel();
        reject(error);
      });
      request.end(exchange.body);
    });
  }

  close(): void {
    // The kubeconfig's own agent serves whatever transport comes next.
    if (!this.ownAgent) return;
    // Idle connections go now; those in use once their request is over.
    for (const sockets of Object.values(this.agent.freeSockets)) {
      for (const socket of sockets ?? []) socket.destroy();
    }
    this.agent.on('free', (socket: Socket) => socket.destroy());
  }
}

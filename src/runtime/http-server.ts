// /healthz (the process answers), /readyz (every cache synced and its watch not failing) and /metrics.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../observability/logger.js';
import type { RuntimeMetrics } from '../observability/metrics.js';

export interface ReadinessCheck {
  name: string;
  isReady(): boolean;
}

export interface HttpServerOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  metrics: RuntimeMetrics;
  readiness: () => readonly ReadinessCheck[];
  logger: Logger;
}

export interface RunningHttpServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const send = (status: number, body: string, contentType = 'text/plain; charset=utf-8') => {
      response.writeHead(status, { 'Content-Type': contentType }).end(body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(405, 'method not allowed\n');
      return;
    }
    switch (path) {
      case '/healthz':
        send(200, 'ok\n');
        return;
      case '/readyz': {
        const lines = options.readiness().map((check) => `[${check.isReady() ? '+' : '-'}]${check.name}`);
        const ready = lines.every((line) => line.startsWith('[+]'));
        send(ready ? 200 : 503, `${lines.join('\n')}\n${ready ? 'ok' : 'not ready'}\n`);
        return;
      }
      case '/metrics':
        options.metrics.registry.metrics().then(
          (text) => {
            send(200, text, options.metrics.registry.contentType);
          },
          (error: unknown) => {
            options.logger.error('collecting metrics failed', { error });
            send(500, 'collecting metrics failed\n');
          },
        );
        return;
      default:
        send(404, 'not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  options.logger.info('http server listening', { port });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        // Keep-alive connections from a scraper would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

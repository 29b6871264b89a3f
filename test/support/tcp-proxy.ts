// A loopback TCP proxy that a test can cut and heal: the network between one client and the API server fails while
// the API server goes on serving everyone else (kubectl, other tests), so changes can be made during the cut.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { onCleanup } from './cleanup.js';

export interface TcpProxy {
  port: number;
  /** Resets every connection through the proxy and every new one until heal(). */
  cut(): void;
  heal(): void;
  /** The connections open now go silent, both ways, without being closed (a half-open link); new ones work. */
  stall(): void;
  /** Connections accepted so far. */
  connections(): number;
}

export async function tcpProxy(t: TestContext, target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const stallers: (() => void)[] = [];
  let open = true;
  let accepted = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer((downstream) => {
    track(downstream);
    accepted += 1;
    if (!open) {
      downstream.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    track(upstream);
    const end = () => {
      downstream.destroy();
      upstream.destroy();
    };
    downstream.on('error', end).on('close', end).pipe(upstream);
    upstream.on('error', end).on('close', end).pipe(downstream);
    stallers.push(() => {
      downstream.unpipe(upstream);
      upstream.unpipe(downstream);
      // Read and dropped, so that neither end sees its writes back up.
      downstream.on('data', () => undefined);
      upstream.on('data', () => undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cut = () => {
    open = false;
    for (const socket of sockets) socket.resetAndDestroy();
  };
  onCleanup(t, () => {
    cut();
    return new Promise((resolve) => server.close(resolve));
  });
  return {
    port: (server.address() as AddressInfo).port,
    cut,
    heal: () => {
      open = true;
    },
    stall: () => {
      for (const stall of stallers.splice(0)) stall();
    },
    connections: () => accepted,
  };
}

/**
 * A copy of `kubeconfig`, in a folder of the test's own (gone when it ends), whose https://127.0.0.1 server goes
 * through a proxy of its own.
 */
export async function proxiedKubeconfig(
  t: TestContext,
  kubeconfig: string,
): Promise<{ kubeconfig: string; proxy: TcpProxy }> {
  const text = readFileSync(kubeconfig, 'utf8');
  const match = /server: https:\/\/127\.0\.0\.1:(\d+)/.exec(text);
  if (match === null) throw new Error(`${kubeconfig}: no https://127.0.0.1 server to proxy`);
  const dir = mkdtempSync(join(tmpdir(), 'proxied-'));
  onCleanup(t, () => {
    rmSync(dir, { recursive: true, force: true });
  });
  const proxy = await tcpProxy(t, { host: '127.0.0.1', port: Number(match[1]) });
  const proxied = join(dir, 'kubeconfig');
  writeFileSync(proxied, text.replace(match[0], `server: https://127.0.0.1:${proxy.port}`));
  return { kubeconfig: proxied, proxy };
}

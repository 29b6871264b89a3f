import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The lowest port the kernel hands out for outgoing connections and `listen(0)` (Linux; IANA's elsewhere). */
function ephemeralFloor(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 0) return low;
  } catch {
    // not Linux
  }
  return 49_152;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once('error', () => {
      resolveFree(false);
    });
    server.listen(port, '127.0.0.1', () => {
      server.close(() => {
        resolveFree(true);
      });
    });
  });
}

function anyPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolvePort(address.port);
        else reject(new Error('could not allocate a port'));
      });
    });
  });
}

const handedOut = new Set<number>();

/**
 * A free loopback port for a server we start later. It is drawn below the ephemeral range: a port from that range
 * (what `listen(0)` gives) can become the local end of any outgoing connection, such as a health check or the
 * broker dialing its own controller, before our server binds it; a port below it can only be taken by a bind.
 * Never the same port twice in one process.
 */
export async function freePort(): Promise<number> {
  const ceiling = ephemeralFloor();
  const floor = Math.max(1024, ceiling - 20_000);
  const roomBelow = ceiling - floor >= 1_000;
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = roomBelow ? randomInt(floor, ceiling) : await anyPort();
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error('found no free loopback port in 100 attempts');
}

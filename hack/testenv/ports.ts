import { createServer } from 'node:net';

/** Asks the kernel for a free loopback port. The tiny window before our process binds it is acceptable here. */
export async function freePort(): Promise<number> {
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

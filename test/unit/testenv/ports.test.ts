import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { freePort } from '../../../hack/testenv/ports.js';

function listen(port: number): Promise<void> {
  return new Promise((resolveListen, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.close(() => {
        resolveListen();
      });
    });
  });
}

// A port from the ephemeral range can become the local end of any outgoing connection (a health check, the
// broker dialing its own controller) before the server it was chosen for binds it.
test('ports are free, distinct, and below the range the kernel hands out to outgoing connections', async () => {
  const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
    .trim()
    .split(/\s+/)
    .map(Number);
  const ports = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const port = await freePort();
    assert.ok(port >= 1024 && port < (low ?? 0), `${port} is in the ephemeral range from ${String(low)}`);
    assert.ok(!ports.has(port), `${port} handed out twice`);
    ports.add(port);
    await listen(port);
  }
});

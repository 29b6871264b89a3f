// How the operator process talks to the API server: by default every request and watch on one HTTP/2
// connection; with --api-http2=false (for a proxy in between that mishandles HTTP/2) HTTP/1.1, a connection per
// watch and per request in flight. A loopback TCP proxy between the two counts the connections.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxiedKubeconfig } from '../support/tcp-proxy.js';
import { requireKafkaBrokers, requireKube } from '../support/testenv.js';
import { startOperator } from './support/operator.js';
import { apply, newScope, ready, registration, until } from './support/registrations.js';

const cases: [label: string, args: string[], connections: (count: number) => boolean, expected: string][] = [
  ['by default', [], (count) => count === 1, 'one connection'],
  // Two watches (ClusterRegistrations, Secrets) hold one each, and requests need another.
  ['with --api-http2=false', ['--api-http2=false'], (count) => count >= 3, 'at least three connections'],
];

for (const [label, args, connections, expected] of cases) {
  test(`the operator ${label}: ${expected} to the API server, through a registration`, async (t) => {
    const { kubeconfig, proxy } = await proxiedKubeconfig(t, requireKube().kubeconfig);
    const scope = await newScope(t, 'conn');
    const operator = startOperator(t, { ...scope, kubeconfig, args });
    await operator.waitForLog('controller start', (line) => line.message === 'started');
    const manifest = registration(scope, { kafka: { brokers: [requireKafkaBrokers()] } });
    await apply(manifest);
    await until('Ready', manifest.metadata.name, ready('True', 'Registered'), { operator });
    const count = proxy.connections();
    t.diagnostic(`${count} connections`);
    assert.ok(connections(count), `${expected}, not ${count}`);
  });
}

// What the operator's API client costs beside the least a client can do: the same small request, one at a time,
// through the operator's own client (src/runtime/kube/client.ts: keep-alive, the kubeconfig's credentials applied
// to every request so that a rotated token is picked up) and through a bare keep-alive agent whose TLS settings are
// loaded once. Measured in the bench's process: wall time and CPU time per request.
import https from 'node:https';
import { KubeClient } from '../../src/runtime/kube/client.js';
import { summarize, type Summary } from './stats.js';

export interface ClientRun {
  client: string;
  wallMs: Summary;
  cpuMsPerRequest: number;
}

export interface ApiClientResult {
  requests: number;
  operatorClient: ClientRun;
  keepAlive: ClientRun;
}

const PATH = '/api/v1/namespaces/default';

async function timed(client: string, requests: number, one: () => Promise<void>): Promise<ClientRun> {
  for (let i = 0; i < 10; i++) await one(); // warm-up: JIT, DNS-free loopback, first handshake
  const wall: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < requests; i++) {
    const t0 = performance.now();
    await one();
    wall.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  return { client, wallMs: summarize(wall), cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / requests };
}

export async function benchApiClient(kubeconfig: string, quick: boolean): Promise<ApiClientResult> {
  const requests = quick ? 100 : 500;
  const operatorClient = KubeClient.fromFile(kubeconfig);
  const kubeConfig = operatorClient.kubeConfig;
  const server = kubeConfig.getCurrentCluster()?.server;
  if (server === undefined) throw new Error('the kubeconfig has no current cluster');
  // The kubeconfig's CA, certificate, key or token, read once; one agent that keeps its connections open.
  const tlsOptions: https.RequestOptions = {};
  await kubeConfig.applyToHTTPSOptions(tlsOptions);
  const agent = new https.Agent({
    keepAlive: true,
    maxSockets: 16,
    ...(tlsOptions.ca !== undefined ? { ca: tlsOptions.ca } : {}),
    ...(tlsOptions.cert !== undefined ? { cert: tlsOptions.cert } : {}),
    ...(tlsOptions.key !== undefined ? { key: tlsOptions.key } : {}),
  });
  const url = new URL(PATH, server);
  // A token, when the kubeconfig authenticates with one, comes as a header.
  const headers = { ...(tlsOptions.headers as Record<string, string> | undefined) };
  const keepAliveGet = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const request = https.request(
        url,
        { agent, headers: { ...headers, Accept: 'application/json' } },
        (response) => {
          response.resume();
          response.once('end', () => {
            if (response.statusCode === 200) resolve();
            else reject(new Error(`GET ${PATH}: ${response.statusCode ?? 0}`));
          });
        },
      );
      request.once('error', reject);
      request.end();
    });
  try {
    return {
      requests,
      operatorClient: await timed(
        'operator client (keep-alive, credentials applied per request)',
        requests,
        async () => {
          await operatorClient.request({ path: PATH });
        },
      ),
      keepAlive: await timed('keep-alive agent, TLS settings loaded once', requests, keepAliveGet),
    };
  } finally {
    agent.destroy();
  }
}

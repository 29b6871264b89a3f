// What the operator's API client costs beside the least a client can do: the same small request through the
// operator's own client (src/runtime/kube/client.ts: the kubeconfig's credentials applied afresh every 10 s and
// after a 401, so that a rotated token is picked up), over HTTP/2 as it runs and over HTTP/1.1 as it speaks to a
// server without HTTP/2, and through a bare keep-alive agent and one bare node:http2 connection whose TLS settings
// are loaded once: one at a time, and 16 in flight. Measured in the bench's process: wall time and CPU time per
// request; with 16 in flight also the API server's CPU per request, which the two protocols might cost it
// differently.
import http2 from 'node:http2';
import https from 'node:https';
import { KubeClient } from '../../src/runtime/kube/client.js';
import { readProc } from './proc.js';
import { summarize, type Summary } from './stats.js';

export interface ClientRun {
  client: string;
  wallMs: Summary;
  cpuMsPerRequest: number;
}

export interface ApiClientResult {
  requests: number;
  operatorClient: ClientRun;
  /** The operator's client with HTTP/2 off (absent from results written before its client spoke HTTP/2). */
  operatorHttp1?: ClientRun;
  keepAlive: ClientRun;
  /** One HTTP/2 connection, one request at a time (absent from results written before it was measured). */
  http2?: ClientRun;
  /** CPU per request with 16 requests in flight, 4 times as many requests: the keep-alive agent and HTTP/2. */
  inFlight16?: {
    requests: number;
    keepAliveCpuMs: number;
    http2CpuMs: number;
    /** The operator's client over HTTP/2 and over HTTP/1.1 (absent before its client spoke HTTP/2). */
    operatorHttp2CpuMs?: number;
    operatorHttp1CpuMs?: number;
    /** The API server's CPU per request in the same runs, two runs each, in the order they ran. */
    apiServer?: { keepAliveCpuMs: number[]; http2CpuMs: number[] };
  };
}

interface CpuPerRequest {
  /** The bench's. */
  clientMs: number;
  /** The API server's, its idle work included (the requests take a second or two). */
  serverMs: number | undefined;
}

/** CPU ms per request for `requests` requests, `concurrency` at a time, in the bench and in the API server. */
async function cpuPerRequest(
  requests: number,
  concurrency: number,
  one: () => Promise<void>,
  apiServerPid: number | undefined,
): Promise<CpuPerRequest> {
  for (let i = 0; i < 10; i++) await one();
  let next = 0;
  const serverCpu = () => (apiServerPid === undefined ? undefined : readProc(apiServerPid, 0)?.cpuSeconds);
  const server0 = serverCpu();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        next += 1;
        await one();
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  const server1 = serverCpu();
  return {
    clientMs: (cpu.user + cpu.system) / 1000 / requests,
    serverMs:
      server0 === undefined || server1 === undefined ? undefined : ((server1 - server0) * 1000) / requests,
  };
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

export async function benchApiClient(
  kubeconfig: string,
  quick: boolean,
  apiServerPid: number | undefined,
): Promise<ApiClientResult> {
  const requests = quick ? 100 : 500;
  const operatorClient = KubeClient.fromFile(kubeconfig);
  const kubeConfig = operatorClient.kubeConfig;
  const operatorHttp1 = new KubeClient(kubeConfig, { http2: false });
  const operatorGet = (client: KubeClient) => async () => {
    await client.request({ path: PATH });
  };
  const server = kubeConfig.getCurrentCluster()?.server;
  if (server === undefined) throw new Error('the kubeconfig has no current cluster');
  // The kubeconfig's CA, certificate, key or token, read once; one agent that keeps its connections open.
  const tlsOptions: https.RequestOptions = {};
  await kubeConfig.applyToHTTPSOptions(tlsOptions);
  const tls = {
    ...(tlsOptions.ca !== undefined ? { ca: tlsOptions.ca } : {}),
    ...(tlsOptions.cert !== undefined ? { cert: tlsOptions.cert } : {}),
    ...(tlsOptions.key !== undefined ? { key: tlsOptions.key } : {}),
  };
  const agent = new https.Agent({ keepAlive: true, maxSockets: 16, ...tls });
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
  const session = http2.connect(server, tls);
  session.on('error', () => undefined);
  const http2Get = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const stream = session.request({ ...headers, ':path': PATH, accept: 'application/json' });
      let status = 0;
      stream.once('response', (answer) => {
        status = Number(answer[':status']);
      });
      stream.resume();
      stream.once('end', () => {
        if (status === 200) resolve();
        else reject(new Error(`GET ${PATH} over HTTP/2: ${String(status)}`));
      });
      stream.once('error', reject);
      stream.end();
    });
  try {
    const many = requests * 4;
    // Alternating, so that neither protocol gets the quieter seconds.
    const variants = {
      keepAlive: keepAliveGet,
      http2: http2Get,
      operatorHttp2: operatorGet(operatorClient),
      operatorHttp1: operatorGet(operatorHttp1),
    };
    const runs: Record<keyof typeof variants, CpuPerRequest[]> = {
      keepAlive: [],
      http2: [],
      operatorHttp2: [],
      operatorHttp1: [],
    };
    for (let round = 0; round < 2; round++) {
      for (const [name, one] of Object.entries(variants) as [keyof typeof variants, () => Promise<void>][]) {
        runs[name].push(await cpuPerRequest(many, 16, one, apiServerPid));
      }
    }
    const clientMs = (of: CpuPerRequest[]) => summarize(of.map((r) => r.clientMs)).mean;
    const serverMs = (of: CpuPerRequest[]) =>
      of.map((r) => r.serverMs).filter((ms): ms is number => ms !== undefined);
    const apiServer = { keepAliveCpuMs: serverMs(runs.keepAlive), http2CpuMs: serverMs(runs.http2) };
    return {
      requests,
      operatorClient: await timed(
        'operator client over HTTP/2, credentials applied every 10 s',
        requests,
        variants.operatorHttp2,
      ),
      operatorHttp1: await timed(
        'operator client over HTTP/1.1 (keep-alive), credentials applied every 10 s',
        requests,
        variants.operatorHttp1,
      ),
      keepAlive: await timed('keep-alive agent, TLS settings loaded once', requests, keepAliveGet),
      http2: await timed('one HTTP/2 connection, TLS settings loaded once', requests, http2Get),
      inFlight16: {
        requests: many,
        keepAliveCpuMs: clientMs(runs.keepAlive),
        http2CpuMs: clientMs(runs.http2),
        operatorHttp2CpuMs: clientMs(runs.operatorHttp2),
        operatorHttp1CpuMs: clientMs(runs.operatorHttp1),
        ...(apiServer.keepAliveCpuMs.length > 0 ? { apiServer } : {}),
      },
    };
  } finally {
    agent.destroy();
    session.close();
  }
}

// The node's Kubernetes processes: kube-controller-manager and kube-scheduler beside the API server (loopback),
// kubelet and kube-proxy in the node's network namespace. Each is started with its configuration and waited for
// until it answers, with a bounded wait that ends with its last log lines.
import { writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import type { Pki } from '../pki.js';
import { freePort } from '../ports.js';
import { startProcess, waitReady, type ProcessRecord } from '../processes.js';
import type { NodeCerts } from './certs.js';
import { NODE_TAINT, POD_CIDR, type NodeLayout } from './layout.js';
import { inNodeNetns } from './network.js';

export const KUBE_CONTROLLER_MANAGER = 'kube-controller-manager';
export const KUBE_SCHEDULER = 'kube-scheduler';
export const KUBELET = 'kubelet';
export const KUBE_PROXY = 'kube-proxy';

/**
 * The controllers pods need (Deployments, Jobs, their garbage, namespaces, service accounts and the CA bundle a
 * projected token mounts, EndpointSlices for kube-proxy, node health). Not every default one: others' tests
 * share this API server and expect objects to stay as they left them.
 */
const CONTROLLERS = [
  'deployment',
  'replicaset',
  'job',
  'garbagecollector',
  'namespace',
  'serviceaccount',
  'root-ca-cert-publisher',
  'endpointslice',
  'nodelifecycle',
  'podgc',
];

/** True once `url` answers 200 (TLS unverified: this only asks whether the process serves yet). */
function answers200(url: string): Promise<boolean> {
  return new Promise((resolveOk) => {
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    const req = get(url, { rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      resolveOk(res.statusCode === 200);
    });
    req.on('error', () => {
      resolveOk(false);
    });
    req.on('timeout', () => {
      req.destroy();
    });
  });
}

/** kube-controller-manager or kube-scheduler: on loopback beside the API server, ready when /healthz answers. */
async function startLoopbackComponent(
  layout: NodeLayout,
  name: typeof KUBE_CONTROLLER_MANAGER | typeof KUBE_SCHEDULER,
  binary: string,
  certs: NodeCerts,
  args: string[],
): Promise<ProcessRecord> {
  const port = await freePort();
  const kubeconfig = certs.kubeconfigs[name];
  const record = startProcess(layout.stateDir, name, binary, [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    '--leader-elect=false',
    '--v=1',
    ...args,
  ]);
  await waitReady(record, () => answers200(`https://127.0.0.1:${port}/healthz`), 90_000);
  return record;
}

export function startControllerManager(
  layout: NodeLayout,
  binary: string,
  certs: NodeCerts,
  pki: Pki,
): Promise<ProcessRecord> {
  return startLoopbackComponent(layout, KUBE_CONTROLLER_MANAGER, binary, certs, [
    `--cert-dir=${join(layout.dir, 'kcm-certs')}`,
    `--controllers=${CONTROLLERS.join(',')}`,
    `--root-ca-file=${pki.caCert}`,
  ]);
}

export function startScheduler(layout: NodeLayout, binary: string, certs: NodeCerts): Promise<ProcessRecord> {
  return startLoopbackComponent(layout, KUBE_SCHEDULER, binary, certs, []);
}

const KUBELET_HEALTHZ_PORT = 10248;
const KUBE_PROXY_HEALTHZ_PORT = 10256;

function kubeletConfig(layout: NodeLayout, certs: NodeCerts, pki: Pki): string {
  const resolvConf = join(layout.dir, 'resolv.conf');
  // Pods get no name servers: none is reachable from the node's namespace, and none may be asked.
  writeFileSync(resolvConf, '');
  return JSON.stringify(
    {
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      // cgroups v1 here, no systemd: the kubelet writes cgroupfs itself, under a root of this node's own.
      cgroupDriver: 'cgroupfs',
      cgroupRoot: layout.cgroupRoot,
      failCgroupV1: false,
      failSwapOn: false,
      containerRuntimeEndpoint: `unix://${layout.containerdSocket}`,
      address: layout.nodeIp,
      port: 10250,
      readOnlyPort: 0,
      healthzBindAddress: layout.nodeIp,
      healthzPort: KUBELET_HEALTHZ_PORT,
      tlsCertFile: certs.kubeletServingCert,
      tlsPrivateKeyFile: certs.kubeletServingKey,
      authentication: {
        anonymous: { enabled: false },
        webhook: { enabled: false },
        x509: { clientCAFile: pki.caCert },
      },
      // Only the API server (with the environment's client certificate) talks to the kubelet.
      authorization: { mode: 'AlwaysAllow' },
      registerWithTaints: [NODE_TAINT],
      resolvConf,
      clusterDomain: 'cluster.local',
      podLogsDir: join(layout.dir, 'pod-logs'),
      maxPods: 30,
      // A shared disk that others fill: never evict test pods for it, never collect images we imported.
      evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%' },
      imageGCHighThresholdPercent: 100,
      imageGCLowThresholdPercent: 99,
      serializeImagePulls: false,
      shutdownGracePeriod: '0s',
      nodeStatusReportFrequency: '10s',
    },
    null,
    2,
  );
}

export async function startKubelet(
  layout: NodeLayout,
  binary: string,
  certs: NodeCerts,
  pki: Pki,
): Promise<ProcessRecord> {
  const config = join(layout.dir, 'kubelet.json');
  writeFileSync(config, kubeletConfig(layout, certs, pki));
  const [command, args] = inNodeNetns(layout, binary, [
    `--config=${config}`,
    `--kubeconfig=${certs.kubeconfigs[KUBELET]}`,
    `--root-dir=${join(layout.dir, 'kubelet')}`,
    `--cert-dir=${join(layout.dir, 'kubelet-certs')}`,
    `--hostname-override=${layout.nodeName}`,
    `--node-ip=${layout.nodeIp}`,
    '--v=1',
  ]);
  const record = startProcess(layout.stateDir, KUBELET, command, args);
  await waitReady(
    record,
    () => answers200(`http://${layout.nodeIp}:${KUBELET_HEALTHZ_PORT}/healthz`),
    90_000,
  );
  return record;
}

export async function startKubeProxy(
  layout: NodeLayout,
  binary: string,
  certs: NodeCerts,
): Promise<ProcessRecord> {
  const config = join(layout.dir, 'kube-proxy.json');
  writeFileSync(
    config,
    JSON.stringify(
      {
        apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
        kind: 'KubeProxyConfiguration',
        mode: 'iptables',
        clientConnection: { kubeconfig: certs.kubeconfigs[KUBE_PROXY] },
        hostnameOverride: layout.nodeName,
        bindAddress: layout.nodeIp,
        clusterCIDR: POD_CIDR,
        healthzBindAddress: `${layout.nodeIp}:${KUBE_PROXY_HEALTHZ_PORT}`,
        metricsBindAddress: '127.0.0.1:10249',
        // Conntrack limits are the host's, shared with everyone: leave them as they are.
        conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
      },
      null,
      2,
    ),
  );
  const [command, args] = inNodeNetns(layout, binary, [`--config=${config}`, '--v=1']);
  const record = startProcess(layout.stateDir, KUBE_PROXY, command, args);
  await waitReady(
    record,
    () => answers200(`http://${layout.nodeIp}:${KUBE_PROXY_HEALTHZ_PORT}/healthz`),
    90_000,
  );
  return record;
}

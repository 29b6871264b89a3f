import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import type { EnvConfig } from './config.js';
import { etcdUrl } from './etcd.js';
import type { ApiserverNodeOptions } from './node/node.js';
import type { Pki } from './pki.js';
import { startProcess, waitReady, type ProcessRecord } from './processes.js';

export const KUBE_APISERVER = 'kube-apiserver';

export function apiserverUrl(config: EnvConfig): string {
  return `https://127.0.0.1:${config.ports.apiserver}`;
}

function kubeconfigYaml(config: EnvConfig, pki: Pki, user: string, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: testenv',
    '  cluster:',
    `    server: ${apiserverUrl(config)}`,
    `    certificate-authority: ${pki.caCert}`,
    'users:',
    `- name: ${user}`,
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: testenv',
    '  context:',
    '    cluster: testenv',
    `    user: ${user}`,
    'current-context: testenv',
    '',
  ].join('\n');
}

/** Kubeconfigs of the admin (system:masters) and of a user with no rights at all, for RBAC tests. */
export function writeKubeconfigs(
  stateDir: string,
  config: EnvConfig,
  pki: Pki,
): { admin: string; unprivileged: string } {
  const admin = join(stateDir, 'kubeconfig');
  const unprivileged = join(stateDir, 'kubeconfig-unprivileged');
  writeFileSync(admin, kubeconfigYaml(config, pki, 'admin', config.tokens.admin), { mode: 0o600 });
  writeFileSync(unprivileged, kubeconfigYaml(config, pki, 'unprivileged', config.tokens.unprivileged), {
    mode: 0o600,
  });
  return { admin, unprivileged };
}

function readyz(config: EnvConfig, pki: Pki): Promise<boolean> {
  return new Promise((resolveReady) => {
    const req = request(
      `${apiserverUrl(config)}/readyz`,
      {
        agent: new Agent({ ca: readFileSync(pki.caCert) }),
        headers: { authorization: `Bearer ${config.tokens.admin}` },
        timeout: 2000,
      },
      (res) => {
        res.resume();
        resolveReady(res.statusCode === 200);
      },
    );
    req.on('error', () => {
      resolveReady(false);
    });
    req.on('timeout', () => {
      req.destroy();
    });
    req.end();
  });
}

/** Starts kube-apiserver the way controller-runtime's envtest does: no kubelet, RBAC, static tokens. */
export async function startApiserver(
  stateDir: string,
  apiserverBin: string,
  config: EnvConfig,
  pki: Pki,
  node?: ApiserverNodeOptions,
  extraFlags: string[] = [],
): Promise<ProcessRecord> {
  const tokens = join(stateDir, 'tokens.csv');
  writeFileSync(
    tokens,
    `${config.tokens.admin},admin,admin,"system:masters"\n${config.tokens.unprivileged},unprivileged,unprivileged\n`,
    { mode: 0o600 },
  );
  const record = startProcess(stateDir, KUBE_APISERVER, apiserverBin, [
    `--etcd-servers=${etcdUrl(config)}`,
    `--secure-port=${config.ports.apiserver}`,
    '--bind-address=127.0.0.1',
    ...(node === undefined
      ? // There is no default route here, and no kubelet to reconcile endpoints for.
        ['--advertise-address=127.0.0.1', '--endpoint-reconciler-type=none']
      : // The `kubernetes` Service points where the node's pods reach us (hack/testenv/node/network.ts).
        [
          `--advertise-address=${node.advertiseAddress}`,
          `--kubelet-client-certificate=${pki.clientCert}`,
          `--kubelet-client-key=${pki.clientKey}`,
          '--kubelet-preferred-address-types=InternalIP',
        ]),
    `--cert-dir=${join(stateDir, 'kube-certs')}`,
    `--tls-cert-file=${pki.serverCert}`,
    `--tls-private-key-file=${pki.serverKey}`,
    `--client-ca-file=${pki.caCert}`,
    `--token-auth-file=${tokens}`,
    `--authorization-mode=${node === undefined ? 'RBAC' : 'Node,RBAC'}`,
    `--service-cluster-ip-range=${node?.serviceCidr ?? '10.0.0.0/24'}`,
    `--service-account-issuer=${apiserverUrl(config)}`,
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    // Without a node no controller-manager makes service accounts, so pods could not be admitted with this plugin.
    ...(node === undefined ? ['--disable-admission-plugins=ServiceAccount'] : []),
    '--allow-privileged=true',
    '--v=1',
    ...extraFlags,
  ]);
  await waitReady(record, () => readyz(config, pki), 90_000);
  return record;
}

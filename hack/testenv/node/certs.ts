// The node components' identities, from the environment's CA: a client certificate each (the groups give the
// rights: system:nodes through the Node authorizer, system:masters for the controllers and kube-proxy), the
// kubelet's serving certificate, and kubeconfigs that use them.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signed, type Pki } from '../pki.js';
import type { NodeLayout } from './layout.js';

export type NodeIdentity = 'kubelet' | 'kube-controller-manager' | 'kube-scheduler' | 'kube-proxy';

export interface NodeCerts {
  /** A kubeconfig per component, for an API server at `server`. */
  kubeconfigs: Record<NodeIdentity, string>;
  kubeletServingCert: string;
  kubeletServingKey: string;
}

const CLIENT =
  'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n';

function subjects(layout: NodeLayout): Record<NodeIdentity, string> {
  return {
    kubelet: `/CN=system:node:${layout.nodeName}/O=system:nodes`,
    'kube-controller-manager': '/CN=system:kube-controller-manager/O=system:masters',
    'kube-scheduler': '/CN=system:kube-scheduler/O=system:masters',
    'kube-proxy': '/CN=system:kube-proxy/O=system:masters',
  };
}

/** Issues what is missing and writes the kubeconfigs; `servers` is the API server's URL as each one dials it. */
export async function ensureNodeCerts(
  layout: NodeLayout,
  pki: Pki,
  servers: Record<NodeIdentity, string>,
): Promise<NodeCerts> {
  const dir = join(layout.dir, 'pki');
  mkdirSync(dir, { recursive: true });
  const ca = { cert: pki.caCert, key: pki.caKey };
  const kubeconfigs = {} as Record<NodeIdentity, string>;
  for (const [name, subject] of Object.entries(subjects(layout)) as [NodeIdentity, string][]) {
    if (!existsSync(join(dir, `${name}.crt`))) await signed(dir, name, subject, CLIENT, ca);
    const kubeconfig = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'testenv', cluster: { server: servers[name], 'certificate-authority': pki.caCert } },
      ],
      users: [
        {
          name,
          user: { 'client-certificate': join(dir, `${name}.crt`), 'client-key': join(dir, `${name}.key`) },
        },
      ],
      contexts: [{ name: 'testenv', context: { cluster: 'testenv', user: name } }],
      'current-context': 'testenv',
    };
    kubeconfigs[name] = join(dir, `${name}.kubeconfig`);
    writeFileSync(kubeconfigs[name], JSON.stringify(kubeconfig, null, 2), { mode: 0o600 });
  }
  if (!existsSync(join(dir, 'kubelet-serving.crt'))) {
    await signed(
      dir,
      'kubelet-serving',
      `/CN=${layout.nodeName}`,
      'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' +
        `subjectAltName=IP:${layout.nodeIp},DNS:${layout.nodeName}\n`,
      ca,
    );
  }
  return {
    kubeconfigs,
    kubeletServingCert: join(dir, 'kubelet-serving.crt'),
    kubeletServingKey: join(dir, 'kubelet-serving.key'),
  };
}

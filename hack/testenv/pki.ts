import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './exec.js';

/** Certificates and keys of one environment; the CA is generated per environment. */
export interface Pki {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  /** Key, certificate and CA in one PEM file: Kafka's PEM keystore format. */
  serverKeystore: string;
  clientCert: string;
  clientKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

const DAYS = '3650';

/** A key and a certificate for `subject` (e.g. `/CN=name/O=group`) signed by the CA, in `dir/<name>.{key,crt}`. */
export async function signed(
  dir: string,
  name: string,
  subject: string,
  extensions: string,
  ca: { cert: string; key: string },
) {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  await run('openssl', [
    'req',
    '-new',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    csr,
    '-subj',
    subject,
  ]);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-out',
    cert,
    '-days',
    DAYS,
    '-extfile',
    ext,
  ]);
  return { key, cert };
}

const SERVER_SANS = ['IP:127.0.0.1', 'DNS:localhost'];

function serverExtensions(sans: string[]): string {
  return (
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' +
    `subjectAltName=${sans.join(',')}\n`
  );
}

async function issueServer(dir: string, pki: Pki, sans: string[]): Promise<void> {
  await signed(dir, 'server', '/CN=localhost', serverExtensions(sans), { cert: pki.caCert, key: pki.caKey });
  await run('sh', [
    '-c',
    `cat "${pki.serverKey}" "${pki.serverCert}" "${pki.caCert}" > "${pki.serverKeystore}"`,
  ]);
  writeFileSync(join(dir, 'server.sans'), sans.join(','));
}

/**
 * Creates the environment's PKI once; later calls return the existing files so restarts keep trust. The
 * server certificate (API server and broker) names loopback and `extraSans` (the node's: the `kubernetes`
 * Service's address and the host end of the node's link, which pods dial); it is issued again, by the same CA,
 * when those change.
 */
export async function ensurePki(stateDir: string, extraSans: string[] = []): Promise<Pki> {
  const dir = join(stateDir, 'pki');
  const pki: Pki = {
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    serverKeystore: join(dir, 'server-keystore.pem'),
    clientCert: join(dir, 'client.crt'),
    clientKey: join(dir, 'client.key'),
    serviceAccountKey: join(dir, 'service-account.key'),
    serviceAccountPub: join(dir, 'service-account.pub'),
  };
  const sans = [...SERVER_SANS, ...extraSans];
  if (existsSync(pki.serviceAccountPub)) {
    const issued = existsSync(join(dir, 'server.sans')) ? readFileSync(join(dir, 'server.sans'), 'utf8') : '';
    if (issued !== sans.join(',') && extraSans.length > 0) await issueServer(dir, pki, sans);
    return pki;
  }
  mkdirSync(dir, { recursive: true });
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    pki.caKey,
    '-out',
    pki.caCert,
    '-days',
    DAYS,
    '-subj',
    '/CN=cluster-registry-operator testenv CA',
  ]);
  const ca = { cert: pki.caCert, key: pki.caKey };
  await issueServer(dir, pki, sans);
  await signed(
    dir,
    'client',
    '/CN=testenv-client',
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
    ca,
  );
  await run('openssl', [
    'genpkey',
    '-algorithm',
    'RSA',
    '-pkeyopt',
    'rsa_keygen_bits:2048',
    '-out',
    pki.serviceAccountKey,
  ]);
  await run('openssl', ['pkey', '-in', pki.serviceAccountKey, '-pubout', '-out', pki.serviceAccountPub]);
  return pki;
}

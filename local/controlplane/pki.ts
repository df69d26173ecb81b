// Certificates and keys for a local control plane, made with the openssl CLI (Node cannot sign X.509).
// EC P-256 keys: fast to generate and accepted by every component.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Pki {
  caCert: string;
  caKey: string;
  apiserverCert: string;
  apiserverKey: string;
  adminCert: string;
  adminKey: string;
  controllerManagerCert: string;
  controllerManagerKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

async function openssl(args: string[]): Promise<void> {
  await run('openssl', args);
}

async function ecKey(file: string): Promise<void> {
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
}

interface Leaf {
  name: string;
  subject: string;
  usage: 'serverAuth' | 'clientAuth';
  altNames?: string[];
}

async function signLeaf(dir: string, leaf: Leaf, ca: { cert: string; key: string }): Promise<void> {
  const key = path.join(dir, `${leaf.name}.key`);
  const csr = path.join(dir, `${leaf.name}.csr`);
  const ext = path.join(dir, `${leaf.name}.ext`);
  await ecKey(key);
  await openssl(['req', '-new', '-key', key, '-subj', leaf.subject, '-out', csr]);
  const lines = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${leaf.usage}`,
  ];
  if (leaf.altNames) lines.push(`subjectAltName=${leaf.altNames.join(',')}`);
  await writeFile(ext, lines.join('\n') + '\n');
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-days',
    '3650',
    '-sha256',
    '-extfile',
    ext,
    '-out',
    path.join(dir, `${leaf.name}.crt`),
  ]);
}

/**
 * A further client certificate signed by the instance's CA (`subject` as openssl writes it, e.g.
 * "/O=system:nodes/CN=system:node:n1"), written as `<dir>/<name>.crt` and `.key`.
 */
export async function signClientCertificate(
  pki: Pick<Pki, 'caCert' | 'caKey'>,
  dir: string,
  leaf: { name: string; subject: string },
): Promise<{ cert: string; key: string }> {
  await signLeaf(dir, { ...leaf, usage: 'clientAuth' }, { cert: pki.caCert, key: pki.caKey });
  return { cert: path.join(dir, `${leaf.name}.crt`), key: path.join(dir, `${leaf.name}.key`) };
}

/**
 * Creates a CA, the apiserver serving certificate (valid for loopback, the `kubernetes` Service and
 * `extraIps`), client certificates and the service-account key pair.
 */
export async function createPki(dir: string, extraIps: readonly string[] = []): Promise<Pki> {
  const p = (file: string): string => path.join(dir, file);
  await ecKey(p('ca.key'));
  await openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    p('ca.key'),
    '-subj',
    '/CN=walt-local-ca',
    '-days',
    '3650',
    '-sha256',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    p('ca.crt'),
  ]);
  const ca = { cert: p('ca.crt'), key: p('ca.key') };
  await signLeaf(
    dir,
    {
      name: 'apiserver',
      subject: '/CN=kube-apiserver',
      usage: 'serverAuth',
      altNames: [
        'DNS:localhost',
        'DNS:kubernetes',
        'DNS:kubernetes.default',
        'DNS:kubernetes.default.svc',
        'DNS:kubernetes.default.svc.cluster.local',
        'IP:127.0.0.1',
        'IP:10.96.0.1',
        ...extraIps.filter((ip) => ip !== '127.0.0.1').map((ip) => `IP:${ip}`),
      ],
    },
    ca,
  );
  await signLeaf(dir, { name: 'admin', subject: '/O=system:masters/CN=walt-admin', usage: 'clientAuth' }, ca);
  await signLeaf(
    dir,
    { name: 'controller-manager', subject: '/CN=system:kube-controller-manager', usage: 'clientAuth' },
    ca,
  );
  await ecKey(p('service-account.key'));
  await openssl(['pkey', '-in', p('service-account.key'), '-pubout', '-out', p('service-account.pub')]);
  return {
    caCert: ca.cert,
    caKey: ca.key,
    apiserverCert: p('apiserver.crt'),
    apiserverKey: p('apiserver.key'),
    adminCert: p('admin.crt'),
    adminKey: p('admin.key'),
    controllerManagerCert: p('controller-manager.crt'),
    controllerManagerKey: p('controller-manager.key'),
    serviceAccountKey: p('service-account.key'),
    serviceAccountPub: p('service-account.pub'),
  };
}

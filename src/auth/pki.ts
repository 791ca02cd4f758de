/**
 * The control plane's certificates, as kubeadm lays them out in its `pki` folder: a CA
 * (`ca.crt`, `ca.key`), the API server's serving certificate signed by it (`apiserver.crt`,
 * `apiserver.key`) and the client certificate it shows kubelets (`apiserver-kubelet-client.crt`,
 * in `system:masters`); and a kubelet's self-signed serving certificate (`kubelet.crt`). ECDSA
 * P-256, made with @peculiar/x509 on Node's WebCrypto (no openssl). They are generated at first
 * start and kept; a serving certificate that does not cover the address served is made again.
 */
import { X509Certificate as NodeX509, type webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
// @peculiar/x509 resolves its parts through tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

const crypto = globalThis.crypto;
x509.cryptoProvider.set(crypto);

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { ...KEY_ALGORITHM, hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

/** A CA and the serving certificate it signed, PEM. */
export interface ServingPki {
  caCert: string;
  cert: string;
  key: string;
}

/** The names a serving certificate covers: loopback, the host's name, Kubernetes' service names and `hosts`. */
function namesFor(hosts: string[]): { dns: string[]; ips: string[] } {
  const all = new Set(['localhost', hostname(), 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', '127.0.0.1', '::1', ...hosts]);
  all.delete('0.0.0.0');
  all.delete('::');
  const dns = [...all].filter((h) => isIP(h) === 0);
  const ips = [...all].filter((h) => isIP(h) !== 0);
  return { dns, ips };
}

/** The CA and serving certificate in `dir` (made when missing, or when the certificate does not cover `hosts`). */
export async function ensureServingPki(dir: string, hosts: string[]): Promise<ServingPki> {
  const { cert: caCert, key: caKey } = await ensureCa(dir);
  const file = (name: string) => join(dir, name);
  const names = namesFor(hosts);
  if (!existsSync(file('apiserver.crt')) || !existsSync(file('apiserver.key')) || !covers(readFileSync(file('apiserver.crt'), 'utf8'), names)) {
    const serving = await makeSigned(caCert, caKey, 'CN=kube-apiserver', [
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([...names.dns.map((value) => ({ type: 'dns' as const, value })), ...names.ips.map((value) => ({ type: 'ip' as const, value }))]),
    ]);
    writeFileSync(file('apiserver.key'), serving.key, { mode: 0o600 });
    writeFileSync(file('apiserver.crt'), serving.cert);
  }
  return { caCert, cert: readFileSync(file('apiserver.crt'), 'utf8'), key: readFileSync(file('apiserver.key'), 'utf8') };
}

/** The CA in `dir` (made when missing), PEM, with its key. */
async function ensureCa(dir: string): Promise<{ cert: string; key: string }> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (name: string) => join(dir, name);
  if (!existsSync(file('ca.crt')) || !existsSync(file('ca.key'))) {
    const ca = await makeCa();
    writeFileSync(file('ca.key'), ca.key, { mode: 0o600 });
    writeFileSync(file('ca.crt'), ca.cert);
  }
  return { cert: readFileSync(file('ca.crt'), 'utf8'), key: readFileSync(file('ca.key'), 'utf8') };
}

/** The subject the control plane shows kubelets: a `system:masters` client (kubeadm's `apiserver-kubelet-client`). */
export const KUBELET_CLIENT_SUBJECT = 'CN=kube-apiserver-kubelet-client, O=system:masters';

/**
 * The client certificate and key the control plane shows kubelets (for container logs), signed by
 * the CA in `dir` (made when missing); and that CA, which kubelets trust for clients.
 */
export async function ensureKubeletClientCert(dir: string): Promise<{ caCert: string; cert: string; key: string }> {
  const ca = await ensureCa(dir);
  const file = (name: string) => join(dir, name);
  if (!existsSync(file('apiserver-kubelet-client.crt')) || !existsSync(file('apiserver-kubelet-client.key')) || expiring(readFileSync(file('apiserver-kubelet-client.crt'), 'utf8'))) {
    const client = await makeSigned(ca.cert, ca.key, KUBELET_CLIENT_SUBJECT, [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])]);
    writeFileSync(file('apiserver-kubelet-client.key'), client.key, { mode: 0o600 });
    writeFileSync(file('apiserver-kubelet-client.crt'), client.cert);
  }
  return { caCert: ca.cert, cert: readFileSync(file('apiserver-kubelet-client.crt'), 'utf8'), key: readFileSync(file('apiserver-kubelet-client.key'), 'utf8') };
}

/** A kubelet's self-signed serving certificate in `dir` (`kubelet.crt`, `kubelet.key`), for `hosts`; made when missing or not covering them. */
export async function ensureKubeletServing(dir: string, hosts: string[]): Promise<{ cert: string; key: string }> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (name: string) => join(dir, name);
  const names = { dns: [hostname(), ...hosts.filter((h) => isIP(h) === 0)], ips: hosts.filter((h) => isIP(h) !== 0) };
  if (!existsSync(file('kubelet.crt')) || !existsSync(file('kubelet.key')) || !covers(readFileSync(file('kubelet.crt'), 'utf8'), names)) {
    const keys = await crypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: `CN=${hostname()}@${Math.floor(now / 1000)}`,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 365 * DAY_MS),
      signingAlgorithm: SIGNING,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([...names.dns.map((value) => ({ type: 'dns' as const, value })), ...names.ips.map((value) => ({ type: 'ip' as const, value }))]),
      ],
    });
    writeFileSync(file('kubelet.key'), await pemKey(keys.privateKey), { mode: 0o600 });
    writeFileSync(file('kubelet.crt'), cert.toString('pem'));
  }
  return { cert: readFileSync(file('kubelet.crt'), 'utf8'), key: readFileSync(file('kubelet.key'), 'utf8') };
}

/** The signer of node client certificates (TLS bootstrapping): Kubernetes' `kubernetes.io/kube-apiserver-client-kubelet`. */
export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';

/** Why a node's certificate request cannot be signed (a message for a 400/403 Status). */
export class CsrRefusedError extends Error {
  override readonly name = 'CsrRefusedError';
}

/**
 * Signs a node's client certificate request with the CA in `dir` — what kube-controller-manager's
 * CSR approver and signer do for a kubelet that bootstraps — when its subject is exactly
 * `CN=system:node:NAME, O=system:nodes` and its signature holds (the requester has the key).
 * `node`: the requester's own node when it is a node renewing (it may ask only for itself).
 * Returns the node's name and the certificate (PEM, a year, client authentication only).
 */
export async function signNodeClientCsr(dir: string, csrPem: string, node?: string): Promise<{ node: string; cert: string }> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (err) {
    throw new CsrRefusedError(`spec.request: Invalid value: not a PEM certificate request: ${(err as Error).message}`);
  }
  if (!(await csr.verify())) throw new CsrRefusedError('spec.request: Invalid value: the request\'s signature does not verify');
  const cn = csr.subjectName.getField('CN');
  const o = csr.subjectName.getField('O');
  const name = cn.length === 1 && cn[0]!.startsWith('system:node:') ? cn[0]!.slice('system:node:'.length) : '';
  if (!name || o.length !== 1 || o[0] !== 'system:nodes' || csr.subjectName.toJSON().length !== 2) {
    throw new CsrRefusedError(`a kubelet's client certificate is for "CN=system:node:<name>, O=system:nodes", not "${csr.subject}"`);
  }
  if (node !== undefined && name !== node) throw new CsrRefusedError(`node "${node}" may only ask for its own certificate, not for "${name}"`);
  const ca = await ensureCa(dir);
  const cert = await issue(ca.cert, ca.key, csr.subject, csr.publicKey, [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])]);
  return { node: name, cert };
}

/** A node's new key and its certificate request for `CN=system:node:NAME, O=system:nodes` (PEM). */
export async function nodeClientCsr(name: string): Promise<{ key: string; csr: string }> {
  const keys = await crypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=system:node:${name}, O=system:nodes`, keys, signingAlgorithm: SIGNING });
  return { key: await pemKey(keys.privateKey), csr: csr.toString('pem') };
}

function expiring(certPem: string): boolean {
  return Date.parse(new NodeX509(certPem).validTo) < Date.now() + 30 * DAY_MS;
}

function covers(certPem: string, names: { dns: string[]; ips: string[] }): boolean {
  const cert = new NodeX509(certPem);
  if (expiring(certPem)) return false;
  return names.dns.every((d) => cert.checkHost(d) !== undefined) && names.ips.every((ip) => cert.checkIP(ip) !== undefined);
}

async function makeCa(): Promise<{ cert: string; key: string }> {
  const keys = await crypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=helmsman-ca',
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 3650 * DAY_MS),
    signingAlgorithm: SIGNING,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await pemKey(keys.privateKey) };
}

/** A new key and a certificate for it, for `subject`, signed by the CA, with `extensions` besides the usual ones. */
async function makeSigned(caPem: string, caKeyPem: string, subject: string, extensions: x509.Extension[]): Promise<{ cert: string; key: string }> {
  const keys = await crypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  return { cert: await issue(caPem, caKeyPem, subject, keys.publicKey, extensions), key: await pemKey(keys.privateKey) };
}

/** A certificate (PEM, a year) for `subject` and `publicKey`, signed by the CA, with `extensions` besides the usual ones. */
async function issue(caPem: string, caKeyPem: string, subject: string, publicKey: x509.PublicKeyType, extensions: x509.Extension[]): Promise<string> {
  const ca = new x509.X509Certificate(caPem);
  const caKey = await crypto.subtle.importKey('pkcs8', pemBody(caKeyPem), KEY_ALGORITHM, false, ['sign']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: ca.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 365 * DAY_MS),
    signingAlgorithm: SIGNING,
    publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      ...extensions,
      await x509.AuthorityKeyIdentifierExtension.create(ca, false),
    ],
  });
  return cert.toString('pem');
}

function serial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0]! &= 0x7f; // positive
  return Buffer.from(bytes).toString('hex');
}

async function pemKey(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key)).toString('base64');
  return `-----BEGIN PRIVATE KEY-----\n${der.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

function pemBody(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

/**
 * The control plane's certificates, as kubeadm lays them out in its `pki` folder: a CA
 * (`ca.crt`, `ca.key`) and the API server's serving certificate signed by it (`apiserver.crt`,
 * `apiserver.key`), ECDSA P-256, made with @peculiar/x509 on Node's WebCrypto (no openssl). They
 * are generated at first start and kept; a serving certificate that does not cover the address
 * served is made again from the same CA.
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
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (name: string) => join(dir, name);
  if (!existsSync(file('ca.crt')) || !existsSync(file('ca.key'))) {
    const ca = await makeCa();
    writeFileSync(file('ca.key'), ca.key, { mode: 0o600 });
    writeFileSync(file('ca.crt'), ca.cert);
  }
  const caCert = readFileSync(file('ca.crt'), 'utf8');
  const names = namesFor(hosts);
  if (!existsSync(file('apiserver.crt')) || !existsSync(file('apiserver.key')) || !covers(readFileSync(file('apiserver.crt'), 'utf8'), names)) {
    const serving = await makeServing(caCert, readFileSync(file('ca.key'), 'utf8'), names);
    writeFileSync(file('apiserver.key'), serving.key, { mode: 0o600 });
    writeFileSync(file('apiserver.crt'), serving.cert);
  }
  return { caCert, cert: readFileSync(file('apiserver.crt'), 'utf8'), key: readFileSync(file('apiserver.key'), 'utf8') };
}

function covers(certPem: string, names: { dns: string[]; ips: string[] }): boolean {
  const cert = new NodeX509(certPem);
  if (Date.parse(cert.validTo) < Date.now() + 30 * DAY_MS) return false;
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

async function makeServing(caPem: string, caKeyPem: string, names: { dns: string[]; ips: string[] }): Promise<{ cert: string; key: string }> {
  const ca = new x509.X509Certificate(caPem);
  const caKey = await crypto.subtle.importKey('pkcs8', pemBody(caKeyPem), KEY_ALGORITHM, false, ['sign']);
  const keys = await crypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=kube-apiserver',
    issuer: ca.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 365 * DAY_MS),
    signingAlgorithm: SIGNING,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([...names.dns.map((value) => ({ type: 'dns' as const, value })), ...names.ips.map((value) => ({ type: 'ip' as const, value }))]),
      await x509.AuthorityKeyIdentifierExtension.create(ca, false),
    ],
  });
  return { cert: cert.toString('pem'), key: await pemKey(keys.privateKey) };
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

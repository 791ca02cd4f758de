/**
 * The admin's way in, as kubeadm's `admin.conf`: a kubeconfig in the data folder with the server's
 * URL, the CA that signed its certificate (when it serves TLS) and a bearer token of a user in
 * `system:masters`. The token is made at first start and kept (`admin.token`, readable by the
 * owner only), so the kubeconfig stays valid across restarts; the file is written again at every
 * start, for the URL of the day.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { MASTERS, type UserInfo } from './user.js';

/** The admin user, as its token authenticates it. */
export const ADMIN: UserInfo = { name: 'kubernetes-admin', uid: 'kubernetes-admin', groups: [MASTERS] };

/** The admin token kept in `dataDir` (made when missing). */
export function adminToken(dataDir: string): string {
  const file = join(dataDir, 'admin.token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/** Writes `dataDir/admin.conf` for `server`; returns its path. */
export function writeAdminKubeconfig(dataDir: string, server: string, token: string, caCert?: string): string {
  const file = join(dataDir, 'admin.conf');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    // Over plain HTTP there is no certificate to verify; saying so lets @kubernetes/client-node,
    // which otherwise refuses http:// servers, use the file too (kubectl ignores it there).
    clusters: [{ name: 'helmsman', cluster: { server, ...(caCert ? { 'certificate-authority-data': Buffer.from(caCert).toString('base64') } : server.startsWith('http:') ? { 'insecure-skip-tls-verify': true } : {}) } }],
    users: [{ name: ADMIN.name, user: { token } }],
    contexts: [{ name: `${ADMIN.name}@helmsman`, context: { cluster: 'helmsman', user: ADMIN.name } }],
    'current-context': `${ADMIN.name}@helmsman`,
    preferences: {},
  };
  writeFileSync(file, stringify(config), { mode: 0o600 });
  return file;
}

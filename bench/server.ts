/**
 * The benchmarks' API server, in a process of its own (as a user runs it): `node server.js
 * '<json>'` starts an API server on a free port — on a memory, lmdb or etcd store, optionally with
 * TLS (a generated CA) and a bearer token required — optionally fills it with pods through the
 * registry, prints one JSON line (`url`, and for `secure` the `token` and the CA's PEM `ca`) and
 * serves until stdin closes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RegistryReply } from '../src/registry/protocol.js';
import { decodeV1beta1 } from '../src/api/v1beta1.js';
import { randomBytes } from 'node:crypto';
import { startApiServer, type ApiServerOptions } from '../src/server.js';
import { ADMIN } from '../src/auth/admin-credentials.js';
import { podJson } from './pod-json.js';

/** What to serve: the store, for `etcd` where (servers and key prefix), and how many pods to fill in. */
export interface BenchServerConfig {
  store: 'memory' | 'lmdb' | 'etcd';
  etcd?: { servers: string[]; prefix: string };
  fill?: number;
  /** TLS with a generated certificate, and requests authenticated by a bearer token (no anonymous ones). */
  secure?: boolean;
}

const config = JSON.parse(process.argv[2]!) as BenchServerConfig;
const dir = config.store === 'lmdb' || config.secure ? mkdtempSync(join(tmpdir(), 'helmsman-bench-')) : undefined;
let secure: { token: string; ca: string; options: Pick<ApiServerOptions, 'authentication' | 'tls'> } | undefined;
if (config.secure) {
  const { ensureServingPki } = await import('../src/auth/pki.js');
  const pki = await ensureServingPki(join(dir!, 'pki'), ['127.0.0.1']);
  const token = randomBytes(24).toString('base64url');
  secure = { token, ca: pki.caCert, options: { tls: { cert: pki.cert, key: pki.key }, authentication: { tokens: new Map([[token, ADMIN]]), anonymous: false } } };
}
const server = await startApiServer({ port: 0, store: config.store, dataDir: dir, etcd: config.etcd, shards: 2, ...secure?.options });

// Filling goes straight to the registry: the benchmark times reading the list, not writing it.
const BATCH = 2000;
for (let start = 0; start < (config.fill ?? 0); start += BATCH) {
  const replies = await Promise.all(
    Array.from({ length: Math.min(BATCH, config.fill! - start) }, (_, i) => {
      const object = decodeV1beta1('pods', JSON.parse(podJson(`pod-${start + i}`)), { namespace: 'default' });
      return server.system.ask<RegistryReply>(server.registry, { op: 'create', resource: 'pods', object, version: 'v1beta1' }, 60_000);
    }),
  );
  const failed = replies.find((r) => !r.ok);
  if (failed && !failed.ok) throw new Error(`filling failed: ${failed.error.message}`);
}
process.stdout.write(`${JSON.stringify({ url: server.url, ...(secure ? { token: secure.token, ca: secure.ca } : {}) })}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  await server.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});

/**
 * The api benchmark's server, in a process of its own (as a user runs it): `node server.js
 * '<json>'` starts an API server on a free port — on a memory, lmdb or etcd store — optionally
 * fills it with pods through the registry, prints its URL and serves until stdin closes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RegistryReply } from '../src/registry/protocol.js';
import { decodeV1beta1 } from '../src/api/v1beta1.js';
import { startApiServer } from '../src/server.js';
import { podJson } from './pod-json.js';

/** What to serve: the store, for `etcd` where (servers and key prefix), and how many pods to fill in. */
export interface BenchServerConfig {
  store: 'memory' | 'lmdb' | 'etcd';
  etcd?: { servers: string[]; prefix: string };
  fill?: number;
}

const config = JSON.parse(process.argv[2]!) as BenchServerConfig;
const dir = config.store === 'lmdb' ? mkdtempSync(join(tmpdir(), 'helmsman-bench-')) : undefined;
const server = await startApiServer({ port: 0, store: config.store, dataDir: dir, etcd: config.etcd, shards: 2 });

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
process.stdout.write(`${server.url}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  await server.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});

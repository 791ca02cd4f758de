/**
 * The API server: an actor system with the registry actor (owner of the store) and the Koa gateway
 * in front of it, listening on 127.0.0.1:8080 unless told otherwise.
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ActorSystem, type ActorRef } from './kernel/index.js';
import { Registry, type RegistryProps } from './registry/registry.js';
import { createGateway, type GatewayOptions } from './api/gateway.js';
import { Metrics } from './api/metrics.js';
import type { StoreKind } from './store/store.js';

/** Options of `startApiServer`. */
export interface ApiServerOptions {
  /** TCP port (default 8080; 0 picks a free one). */
  port?: number;
  /** Address to bind (default 127.0.0.1). */
  address?: string;
  /** `lmdb` (default, durable, under `dataDir`), `memory`, or `etcd` (at `etcd.servers`). */
  store?: StoreKind;
  /** The etcd cluster of the `etcd` store: its client URLs and the key prefix (default /registry). */
  etcd?: EtcdConfig;
  /** Where the lmdb store lives (default ./data). */
  dataDir?: string;
  /** Shards of the actor system it starts (default: available parallelism). Ignored with `system`. */
  shards?: number;
  /** Run on an existing actor system (its modules must include src/registry/registry.js). */
  system?: ActorSystem;
  /** Serve an existing registry actor of `system` instead of starting one (it is not stopped by close). */
  registry?: ActorRef;
  /** Changes kept for resuming watches (default 10,000). */
  historySize?: number;
  /** How often the store is compacted (kube-apiserver's `--etcd-compaction-interval`; default 300,000 ms; 0: never). */
  compactionIntervalMs?: number;
  /** Reads container output for `GET .../pods/{name}/log` (the cluster provides it). */
  logs?: GatewayOptions['logs'];
}

/** A running API server. */
export interface ApiServer {
  readonly url: string;
  readonly port: number;
  readonly system: ActorSystem;
  readonly registry: ActorRef;
  /** Stops listening, closes open connections (watches), and stops the actor system it started. */
  close(): Promise<void>;
}

/** The modules an actor system needs to host the API server's actors. */
export const API_ACTOR_MODULES = [new URL('./registry/registry.js', import.meta.url)];

/** Where an etcd store is: `--etcd-servers` and `--etcd-prefix`. */
export interface EtcdConfig {
  servers: string[];
  prefix?: string;
}

/** The registry's props for a store kind: an lmdb folder under `dataDir` (created), a fresh memory store, or an etcd cluster. */
export function registryProps(store: StoreKind, options: { dataDir?: string; historySize?: number; compactionIntervalMs?: number; etcd?: EtcdConfig } = {}): RegistryProps {
  const { etcd, historySize, compactionIntervalMs } = options;
  switch (store) {
    case 'memory':
      return { store, path: `memory-${Date.now()}-${Math.random()}`, historySize, compactionIntervalMs };
    case 'etcd':
      if (!etcd?.servers.length) throw new TypeError('the etcd store needs etcd.servers (--etcd-servers)');
      for (const url of etcd.servers) if (!/^https?:\/\/[^/\s]+\/?$/.test(url)) throw new TypeError(`etcd server "${url}" must be a URL such as http://127.0.0.1:2379`);
      if (etcd.prefix !== undefined && !/^\/[A-Za-z0-9._/-]*$/.test(etcd.prefix)) throw new TypeError(`etcd prefix "${etcd.prefix}" must be a path such as /registry`);
      return { store, path: `etcd:${etcd.servers.join(',')}${etcd.prefix ?? '/registry'}`, etcd, historySize, compactionIntervalMs };
    case 'lmdb': {
      const dir = resolve(options.dataDir ?? 'data');
      mkdirSync(dir, { recursive: true });
      return { store, path: resolve(dir, 'registry.lmdb'), historySize, compactionIntervalMs };
    }
    default:
      throw new TypeError(`store must be "memory", "lmdb" or "etcd", not "${String(store)}"`);
  }
}

/** Starts the registry and the gateway and listens. */
export async function startApiServer(opts: ApiServerOptions = {}): Promise<ApiServer> {
  const port = opts.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError('port must be an integer from 0 to 65535');
  const store = opts.store ?? 'lmdb';
  const owned = !opts.system;
  const system = opts.system ?? (await ActorSystem.start({ shards: opts.shards, modules: API_ACTOR_MODULES }));
  try {
    const registry = opts.registry ?? system.spawn(Registry, 'registry', registryProps(store, opts), { slot: 0 });
    const metrics = new Metrics(system);
    const app = createGateway({ system, registry, metrics, logs: opts.logs });
    const server: Server = createServer(app.callback());
    // Keep-alive connections must not outlive close(): watches are long-lived on purpose.
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(port, opts.address ?? '127.0.0.1', () => ok());
    });
    const bound = (server.address() as AddressInfo).port;
    const host = opts.address ?? '127.0.0.1';
    return {
      url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
      port: bound,
      system,
      registry,
      async close() {
        await new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        });
        if (owned) await system.stop();
        else if (!opts.registry) await system.stopActor(registry);
      },
    };
  } catch (err) {
    if (owned) await system.stop();
    throw err;
  }
}

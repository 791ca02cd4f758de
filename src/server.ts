/**
 * The API server: an actor system with the registry actor (owner of the store) and the Koa gateway
 * in front of it, listening on 127.0.0.1:8080 unless told otherwise.
 */
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { isIP } from 'node:net';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { renderStatus, type StatusReason } from './api/status.js';
import { ActorSystem, type ActorRef } from './kernel/index.js';
import { Registry, type RegistryProps } from './registry/registry.js';
import { createGateway, type GatewayOptions } from './api/gateway.js';
import { Metrics } from './api/metrics.js';
import type { StoreKind } from './store/store.js';
import type { AccessControl } from './auth/access.js';
import type { InflightLimits } from './api/inflight.js';
import { authenticator } from './auth/authenticator.js';
import { authorizeByGroup } from './auth/authorizer.js';
import type { Credentials } from './auth/credentials-file.js';
import type { NodeCsrSigner } from './auth/bootstrap.js';

/** A request must have arrived whole within this (kube-apiserver's request timeout); answers may take longer (watches). */
const REQUEST_TIMEOUT_MS = 60_000;

/** How long an idle kept-alive connection stays open. */
const KEEP_ALIVE_MS = 120_000;

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
  /** With `registry`: the registry of events, when they are kept apart (src/registry/routing.ts). */
  events?: ActorRef;
  /** Changes kept for resuming watches (default 10,000). */
  historySize?: number;
  /** How often the store is compacted (kube-apiserver's `--etcd-compaction-interval`; default 300,000 ms; 0: never). */
  compactionIntervalMs?: number;
  /** Reads container output for `GET .../pods/{name}/log` (the cluster provides it). */
  logs?: GatewayOptions['logs'];
  /** Who the server knows; see `ApiAuthentication`. Default: anonymous requests, with every right. */
  authentication?: ApiAuthentication;
  /**
   * Serve HTTPS with this certificate (PEM, its chain after it) and private key. Required off
   * loopback. `clientCA`: client certificates it signed authenticate (CN the user, O the groups).
   */
  tls?: { cert: string; key: string; clientCA?: string };
  /** Signs nodes' client certificates for TLS bootstrapping (see src/auth/bootstrap.ts). */
  csrSigner?: NodeCsrSigner;
  /** Requests served at once, at most (kube-apiserver's `--max-requests-inflight` 400, `--max-mutating-requests-inflight` 200). */
  limits?: InflightLimits;
}

/**
 * The server's users, as kube-apiserver's `--token-auth-file`, `--basic-auth-file` and
 * `--anonymous-auth`. With `anonymous: true` (the default) a request without credentials is served
 * with every right, as before authentication existed (kube-apiserver's AlwaysAllow; only on
 * loopback); credentials that are given must still be right. With `anonymous: false` every request
 * needs them, and what a user may do follows its groups (src/auth/authorizer.ts).
 */
export interface ApiAuthentication {
  tokens?: Credentials;
  passwords?: Credentials;
  anonymous?: boolean;
}

/**
 * A request Node's HTTP parser refused (a NUL or a space in the path, a malformed header, headers
 * too large) never reaches the gateway: it gets its Status here, instead of Node's bare 400.
 */
function answerMalformed(err: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable || err.code === 'ECONNRESET') return void socket.destroy();
  const [code, reason, phrase, message]: [number, StatusReason, string, string] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'BadRequest', 'Request Header Fields Too Large', 'the request headers are too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Timeout', 'Request Timeout', `the request was not received within ${REQUEST_TIMEOUT_MS / 1000} s`]
        : [400, 'BadRequest', 'Bad Request', `the request could not be parsed: ${err.message.replace(/^Parse Error: /, '')}`];
  const body = JSON.stringify(renderStatus({ code, reason, message }, 'v1'));
  socket.end(`HTTP/1.1 ${code} ${phrase}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** Whether `address` is a loopback address (127.0.0.0/8, ::1, localhost). */
export function isLoopback(address: string): boolean {
  if (address === 'localhost' || address === '::1') return true;
  return isIP(address) === 4 && address.startsWith('127.');
}

/** The gateway's access control for `auth`: none at all when every request is anonymous and allowed. */
function accessControl(auth: ApiAuthentication | undefined): AccessControl | undefined {
  if (!auth) return undefined;
  const anonymous = auth.anonymous ?? true;
  const authenticate = authenticator({ tokens: auth.tokens, passwords: auth.passwords, anonymous });
  return { authenticate, authorize: anonymous ? () => undefined : authorizeByGroup };
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

/**
 * The props of the registry of events beside a registry of `main`'s props (routing.ts): a store of
 * its own — another memory store, `events.lmdb` beside `registry.lmdb`, or the same etcd cluster
 * under the prefix `<prefix>-events` (the main registry's watch of its prefix must not carry them).
 */
export function eventsRegistryProps(main: RegistryProps): RegistryProps {
  switch (main.store) {
    case 'memory':
      return { ...main, path: `${main.path}/events` };
    case 'lmdb':
      return { ...main, path: resolve(dirname(main.path), 'events.lmdb') };
    case 'etcd': {
      const prefix = `${(main.etcd!.prefix ?? '/registry').replace(/\/+$/, '')}-events`;
      return { ...main, path: `etcd:${main.etcd!.servers.join(',')}${prefix}`, etcd: { ...main.etcd!, prefix } };
    }
  }
}

/** Starts the registry and the gateway and listens. */
export async function startApiServer(opts: ApiServerOptions = {}): Promise<ApiServer> {
  const port = opts.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError('port must be an integer from 0 to 65535');
  const store = opts.store ?? 'lmdb';
  const host = opts.address ?? '127.0.0.1';
  if (!isLoopback(host) && (!opts.tls || !opts.authentication || opts.authentication.anonymous !== false)) {
    throw new Error(`refusing to serve on ${host} without authentication (a token or basic-auth file, anonymous requests refused) and TLS; only loopback addresses may go without`);
  }
  const owned = !opts.system;
  const system = opts.system ?? (await ActorSystem.start({ shards: opts.shards, modules: API_ACTOR_MODULES }));
  try {
    const registry = opts.registry ?? system.spawn(Registry, 'registry', registryProps(store, opts), { slot: 0 });
    const metrics = new Metrics(system);
    const app = createGateway({ system, registry, events: opts.events, metrics, logs: opts.logs, access: accessControl(opts.authentication), limits: opts.limits, csrSigner: opts.csrSigner });
    const tls = opts.tls;
    // A client certificate is asked for (not required): kubectl with a token sends none.
    const server: Server = tls ? createTlsServer({ cert: tls.cert, key: tls.key, ca: tls.clientCA, requestCert: tls.clientCA !== undefined, rejectUnauthorized: false }, app.callback()) : createServer(app.callback());
    server.on('clientError', answerMalformed);
    server.requestTimeout = REQUEST_TIMEOUT_MS;
    // Kept-alive connections stay open between a kubelet's heartbeats (Node's default closes them
    // after 5 s idle, and a thousand remote minions then pay a TLS handshake for every request).
    server.keepAliveTimeout = KEEP_ALIVE_MS;
    // Keep-alive connections must not outlive close(): watches are long-lived on purpose.
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(port, host, () => ok());
    });
    const bound = (server.address() as AddressInfo).port;
    return {
      url: `${opts.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${bound}`,
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

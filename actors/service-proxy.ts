/**
 * The service proxy: one per minion (a child of its minion actor). It keeps the routing table of
 * every service — the service's port and the current endpoints — and picks endpoints round-robin.
 * With a real runtime (`listen`), it also listens on its minion's address at each service's port
 * and forwards every TCP connection to the next endpoint, trying the following ones when an
 * endpoint refuses; a change of endpoints never touches connections already established.
 * It tells its minion the 2014 service variables (`REDIS_SERVICE_HOST`, `..._PORT`) whenever
 * services change, for the containers started afterwards.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { ActorRef } from '../src/kernel/index.js';
import type { Endpoints, EnvVar, Service } from '../src/api/model.js';
import { Controller, type ControllerProps } from '../src/cluster/controller.js';
import type { Informer } from '../src/cluster/informer.js';

/** Props of a service proxy. */
export interface ServiceProxyProps extends ControllerProps {
  minion: string;
  /** The minion's address: where services are served. */
  address: string;
  /** Whether to listen for TCP (real runtimes), or only keep the table (the fake runtime). */
  listen: boolean;
}

/** A route: where the next connection to a service goes. */
export interface Route {
  service: string;
  port: number;
  endpoint: { ip: string; port: number } | null;
}

/** What a service proxy handles. */
export type ServiceProxyMsg = { op: 'route'; namespace: string; service: string; replyTo: ActorRef } | { op: 'listenFailed'; key: string; message: string };

/** One listening service. */
interface Listener {
  port: number;
  server: Server;
  sockets: Set<Socket>;
}

/** The service proxy actor. */
export class ServiceProxy extends Controller<ServiceProxyMsg, ServiceProxyProps> {
  static override readonly kind = 'helmsman.service-proxy';

  private services!: Informer<Service>;
  private endpoints!: Informer<Endpoints>;
  /** Round-robin positions by `namespace/name`. */
  private readonly next = new Map<string, number>();
  private readonly listeners = new Map<string, Listener>();
  private lastEnv = '';

  override preStart(): void {
    this.services = this.inform<Service>('services', 'services', {}, {
      onChange: (key, svc) => {
        if (!svc) this.next.delete(key);
        if (this.props.listen) this.serve(key, svc);
        if (this.services.synced) this.publishEnv();
      },
      onSynced: () => this.publishEnv(),
    });
    this.endpoints = this.inform<Endpoints>('endpoints', 'endpoints', {}, {});
  }

  override async postStop(): Promise<void> {
    await Promise.all([...this.listeners.keys()].map((key) => this.unserve(key)));
  }

  protected handle(msg: ServiceProxyMsg): void {
    if (msg.op === 'listenFailed') {
      this.ctx.send(this.ctx.parent, { op: 'proxyError', message: msg.message });
      return;
    }
    const key = `${msg.namespace}/${msg.service}`;
    const svc = this.services.objects.get(key);
    const route: Route = { service: msg.service, port: svc?.spec.ports[0]?.port ?? 0, endpoint: svc ? this.pick(key) : null };
    this.ctx.send(msg.replyTo, route);
  }

  /** The next endpoint of a service, round-robin. */
  private pick(key: string): Route['endpoint'] {
    const eps = this.endpoints.objects.get(key)?.endpoints ?? [];
    if (eps.length === 0) return null;
    const i = (this.next.get(key) ?? 0) % eps.length;
    this.next.set(key, i + 1);
    return eps[i]!;
  }

  /** Listens for a service (again, if its port changed), or stops when it is gone. */
  private serve(key: string, svc: Service | undefined): void {
    const port = svc?.spec.ports[0]?.port;
    const current = this.listeners.get(key);
    if (current && current.port === port) return;
    if (current) void this.unserve(key);
    if (!port) return;
    const sockets = new Set<Socket>();
    const server = createServer((client) => this.forward(key, client, sockets));
    const self = this.ctx.self;
    server.on('error', (err) => this.ctx.send(self, { op: 'listenFailed', key, message: `service ${key} on ${this.props.address}:${port}: ${err.message}` }));
    server.listen(port, this.props.address);
    this.listeners.set(key, { port, server, sockets });
  }

  private async unserve(key: string): Promise<void> {
    const listener = this.listeners.get(key);
    if (!listener) return;
    this.listeners.delete(key);
    for (const s of listener.sockets) s.destroy();
    await new Promise<void>((done) => listener.server.close(() => done()));
  }

  /** Connects a client to the next endpoint that answers (each endpoint tried at most once). */
  private forward(key: string, client: Socket, sockets: Set<Socket>, tried = 0): void {
    const eps = this.endpoints.objects.get(key)?.endpoints.length ?? 0;
    const endpoint = this.pick(key);
    if (!endpoint || tried >= eps) {
      client.destroy();
      return;
    }
    client.pause();
    const upstream = createConnection({ host: endpoint.ip, port: endpoint.port });
    upstream.once('error', () => {
      if (upstream.connecting || !upstream.remoteAddress) {
        upstream.destroy();
        this.forward(key, client, sockets, tried + 1);
      } else client.destroy();
    });
    upstream.once('connect', () => {
      client.setNoDelay(true);
      upstream.setNoDelay(true);
      sockets.add(client);
      sockets.add(upstream);
      client.once('close', () => sockets.delete(client));
      upstream.once('close', () => sockets.delete(upstream));
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  }

  /** Sends the minion the service variables of every service now known. */
  private publishEnv(): void {
    const env: EnvVar[] = [];
    for (const svc of this.services.objects.values()) {
      const name = svc.metadata.name.toUpperCase().replace(/-/g, '_');
      const port = svc.spec.ports[0]?.port;
      if (port === undefined) continue;
      env.push({ name: `${name}_SERVICE_HOST`, value: this.props.address }, { name: `${name}_SERVICE_PORT`, value: String(port) });
    }
    env.sort((a, b) => a.name.localeCompare(b.name));
    const text = JSON.stringify(env);
    if (text === this.lastEnv) return;
    this.lastEnv = text;
    this.ctx.send(this.ctx.parent, { op: 'serviceEnv', env });
  }
}

/**
 * The user-space proxy (kube-proxy's 2014 mode): a TCP listener per service on the minion's
 * address, relaying every connection to the next endpoint round-robin and trying the following
 * ones when an endpoint refuses. Works anywhere, unprivileged; every byte passes through this thread.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { ProxyBackend, RoundRobin, ServiceTable } from './table.js';

interface Listener {
  port: number;
  server: Server;
  sockets: Set<Socket>;
}

/** The user-space relay of one minion. */
export class UserspaceRelay implements ProxyBackend {
  private readonly listeners = new Map<string, Listener>();

  /**
   * @param address where services are served (the minion's address)
   * @param routes the table and its round-robin positions (shared with the proxy actor)
   * @param onError told when a service cannot be served (its port taken, say)
   */
  constructor(
    private readonly address: string,
    private readonly routes: RoundRobin,
    private readonly onError: (message: string) => void,
  ) {}

  sync(table: ServiceTable): void {
    for (const key of this.listeners.keys()) if (!table.has(key)) void this.unserve(key);
    for (const [key, route] of table) this.serve(key, route.port);
  }

  async close(): Promise<void> {
    await Promise.all([...this.listeners.keys()].map((key) => this.unserve(key)));
  }

  /** Listens for a service (again, if its port changed). */
  private serve(key: string, port: number): void {
    const current = this.listeners.get(key);
    if (current && current.port === port) return;
    if (current) void this.unserve(key);
    const sockets = new Set<Socket>();
    const server = createServer((client) => this.forward(key, client, sockets));
    server.on('error', (err) => this.onError(`service ${key} on ${this.address}:${port}: ${err.message}`));
    server.listen(port, this.address);
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
    const eps = this.routes.table.get(key)?.endpoints.length ?? 0;
    const endpoint = this.routes.pick(key);
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
}

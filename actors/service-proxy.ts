/**
 * The service proxy: one per minion (a child of its minion actor). It keeps the routing table of
 * every service — the service's port and the current endpoints — and picks endpoints round-robin.
 * With a real runtime it also serves that table on its minion's address, through one of two
 * backends (`src/proxy/`): NAT rules in the kernel (`iptables`, as kube-proxy does by default) or a
 * user-space TCP relay (`userspace`, kube-proxy's 2014 mode, which also skips refused endpoints).
 * It tells its minion the 2014 service variables (`REDIS_SERVICE_HOST`, `..._PORT`) whenever
 * services change, for the containers started afterwards.
 */
import type { ActorRef } from '../src/kernel/index.js';
import type { Endpoints, EnvVar, Service } from '../src/api/model.js';
import { Controller, type ControllerProps } from '../src/cluster/controller.js';
import type { Informer } from '../src/cluster/informer.js';
import { IptablesProxy } from '../src/proxy/iptables.js';
import { UserspaceRelay } from '../src/proxy/relay.js';
import { RoundRobin, type ProxyBackend, type ProxyMode } from '../src/proxy/table.js';

/** Props of a service proxy. */
export interface ServiceProxyProps extends ControllerProps {
  minion: string;
  /** The minion's address: where services are served. */
  address: string;
  /** How services are served: `none` keeps only the table (the fake runtime). */
  mode: ProxyMode;
}

/** A route: where the next connection to a service goes. */
export interface Route {
  service: string;
  port: number;
  endpoint: { ip: string; port: number } | null;
}

/** What a service proxy handles. */
export type ServiceProxyMsg = { op: 'route'; namespace: string; service: string; replyTo: ActorRef } | { op: 'proxyError'; message: string };

/** The service proxy actor. */
export class ServiceProxy extends Controller<ServiceProxyMsg, ServiceProxyProps> {
  static override readonly kind = 'helmsman.service-proxy';

  private services!: Informer<Service>;
  private endpoints!: Informer<Endpoints>;
  private readonly routes = new RoundRobin();
  private backend: ProxyBackend | undefined;
  private lastEnv = '';

  override preStart(): void {
    const self = this.ctx.self;
    const onError = (message: string) => this.ctx.send(self, { op: 'proxyError', message });
    const { mode, address, minion } = this.props;
    this.backend = mode === 'iptables' ? new IptablesProxy(address, minion, onError) : mode === 'userspace' ? new UserspaceRelay(address, this.routes, onError) : undefined;
    this.services = this.inform<Service>({
      name: 'services',
      resource: 'services',
      onChange: (key) => {
        this.update(key);
        if (this.services.synced) this.publishEnv();
      },
      onSynced: () => this.publishEnv(),
    });
    this.endpoints = this.inform<Endpoints>({ name: 'endpoints', resource: 'endpoints', onChange: (key) => this.update(key) });
  }

  override async postStop(): Promise<void> {
    await this.backend?.close();
  }

  protected override handle(msg: ServiceProxyMsg): void {
    if (msg.op === 'proxyError') {
      this.ctx.send(this.ctx.parent, msg);
      return;
    }
    const key = `${msg.namespace}/${msg.service}`;
    const svc = this.services.objects.get(key);
    const route: Route = { service: msg.service, port: svc?.spec.ports[0]?.port ?? 0, endpoint: svc ? this.routes.pick(key) : null };
    this.ctx.send(msg.replyTo, route);
  }

  /** Brings one service's route up to date with the informers, and the backend with the table. */
  private update(key: string): void {
    const port = this.services.objects.get(key)?.spec.ports[0]?.port;
    this.routes.set(key, port ? { port, endpoints: this.endpoints.objects.get(key)?.endpoints ?? [] } : undefined);
    this.backend?.sync(this.routes.table);
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

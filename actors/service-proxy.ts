/**
 * The service proxy: one per minion (a child of its minion actor). It keeps the routing table of
 * every service — the service's port and the current endpoints — and picks endpoints round-robin.
 * (The TCP listener that forwards connections through this table is the process and docker
 * runtimes' business; with the fake runtime the table is observable through `route`.)
 */
import type { ActorRef } from '../src/kernel/index.js';
import type { Endpoints, Service } from '../src/api/model.js';
import { Controller, type ControllerProps } from '../src/cluster/controller.js';
import type { Informer } from '../src/cluster/informer.js';

/** Props of a service proxy. */
export interface ServiceProxyProps extends ControllerProps {
  minion: string;
}

/** A route: where the next connection to a service goes. */
export interface Route {
  service: string;
  port: number;
  endpoint: { ip: string; port: number } | null;
}

/** What a service proxy handles. */
export type ServiceProxyMsg = { op: 'route'; namespace: string; service: string; replyTo: ActorRef };

/** The service proxy actor. */
export class ServiceProxy extends Controller<ServiceProxyMsg, ServiceProxyProps> {
  static override readonly kind = 'helmsman.service-proxy';

  private services!: Informer<Service>;
  private endpoints!: Informer<Endpoints>;
  /** Round-robin positions by `namespace/name`. */
  private readonly next = new Map<string, number>();

  override preStart(): void {
    this.services = this.inform<Service>('services', 'services', {}, {
      onChange: (key, svc) => {
        if (!svc) this.next.delete(key);
      },
    });
    this.endpoints = this.inform<Endpoints>('endpoints', 'endpoints', {}, {});
  }

  protected handle(msg: ServiceProxyMsg): void {
    const key = `${msg.namespace}/${msg.service}`;
    const svc = this.services.objects.get(key);
    const eps = this.endpoints.objects.get(key)?.endpoints ?? [];
    let endpoint: Route['endpoint'] = null;
    if (svc && eps.length > 0) {
      const i = (this.next.get(key) ?? 0) % eps.length;
      this.next.set(key, i + 1);
      endpoint = eps[i]!;
    }
    const route: Route = { service: msg.service, port: svc?.spec.ports[0]?.port ?? 0, endpoint };
    this.ctx.send(msg.replyTo, route);
  }
}

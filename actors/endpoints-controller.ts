/**
 * The endpoints controller: for every service, an Endpoints object of the same name listing
 * `ip:port` of the ready pods its selector picks (the port is the service's `containerPort`,
 * by number or by a container port's name). Each service has its own pod watch, so pods that no
 * service selects cost nothing here.
 */
import type { Endpoints, Pod, Service } from '../src/api/model.js';
import { selectorFromSet } from '../src/api/selector.js';
import { Controller, type ControllerProps } from '../src/cluster/controller.js';
import type { Informer } from '../src/cluster/informer.js';

/** What the endpoints controller handles. */
export type EndpointsControllerMsg = { op: 'sync'; key: string };

/** The endpoints controller actor. */
export class EndpointsController extends Controller<EndpointsControllerMsg, ControllerProps> {
  static override readonly kind = 'helmsman.endpoints-controller';

  private services!: Informer<Service>;
  private endpoints!: Informer<Endpoints>;
  /** Each service's pod watch, by `namespace/name`, with the selector it was made for. */
  private readonly podWatches = new Map<string, { selector: string; pods: Informer<Pod> }>();
  private readonly pending = new Set<string>();

  override preStart(): void {
    this.endpoints = this.inform<Endpoints>('endpoints', 'endpoints', {}, {});
    this.services = this.inform<Service>('services', 'services', {}, {
      onChange: (key, svc) => this.serviceChanged(key, svc),
    });
  }

  protected handle(msg: EndpointsControllerMsg): void {
    this.pending.delete(msg.key);
    this.sync(msg.key);
  }

  private serviceChanged(key: string, svc: Service | undefined): void {
    const watch = this.podWatches.get(key);
    const selector = svc ? JSON.stringify(svc.spec.selector) : '';
    if (watch && watch.selector !== selector) {
      this.uninform(watch.pods);
      this.podWatches.delete(key);
    }
    if (svc && !this.podWatches.has(key)) {
      const pods = this.inform<Pod>(`pods:${key}`, 'pods', { namespace: svc.metadata.namespace, labels: selectorFromSet(svc.spec.selector) }, {
        onChange: () => this.requestSync(key),
        onSynced: () => this.requestSync(key),
      });
      this.podWatches.set(key, { selector, pods });
    }
    this.requestSync(key);
  }

  private requestSync(key: string): void {
    if (this.pending.has(key)) return;
    this.pending.add(key);
    this.ctx.send(this.ctx.self, { op: 'sync', key });
  }

  private sync(key: string): void {
    const svc = this.services.objects.get(key);
    const existing = this.endpoints.objects.get(key);
    const [namespace, name] = key.split('/') as [string, string];
    if (!svc) {
      if (existing) this.ctx.send(this.props.registry, { op: 'delete', resource: 'endpoints', namespace, name, version: 'internal', reply: false });
      return;
    }
    const watch = this.podWatches.get(key);
    if (!watch?.pods.synced) return;
    const wanted = endpointsOf(svc, watch.pods.objects.values());
    if (existing && JSON.stringify(existing.endpoints) === JSON.stringify(wanted)) return;
    const object: Endpoints = {
      kind: 'Endpoints',
      metadata: { name, namespace, uid: '', resourceVersion: 0, creationTimestamp: '', labels: {}, annotations: {} },
      endpoints: wanted,
    };
    this.ctx.send(this.props.registry, { op: existing ? 'update' : 'create', resource: 'endpoints', object, version: 'internal', reply: false });
  }
}

/** The endpoints of a service: ready pods with an address, sorted, at the service's target port. */
export function endpointsOf(svc: Service, pods: Iterable<Pod>): Endpoints['endpoints'] {
  const target = svc.spec.ports[0]?.targetPort;
  const out: Endpoints['endpoints'] = [];
  for (const pod of pods) {
    // Ready pods only: Running, with every container up (a crash-looping one takes no traffic).
    if (pod.status.phase !== 'Running' || !pod.status.podIP) continue;
    if (Object.values(pod.status.containers).some((c) => !c.ready)) continue;
    let port: number | undefined;
    if (typeof target === 'number') port = target;
    else {
      for (const c of pod.spec.containers) {
        const p = target ? c.ports.find((p) => p.name === target) : c.ports[0];
        if (p) {
          port = p.containerPort;
          break;
        }
      }
    }
    if (port !== undefined && port > 0) out.push({ ip: pod.status.podIP, port });
  }
  return out.sort((a, b) => a.ip.localeCompare(b.ip, 'en', { numeric: true }) || a.port - b.port);
}

/**
 * The endpoints controller: for every service, an Endpoints object of the same name listing
 * `ip:port` of the ready pods its selector picks (the port is the service's `containerPort`,
 * by number or by a container port's name). Each service has its own pod watch, so pods that no
 * service selects cost nothing here. Services are the keys of its work queue: a change of a
 * service, of its endpoints or of a pod it selects enqueues the service.
 */
import type { Endpoints, Pod, Service } from '../src/api/model.js';
import { selectorFromSet } from '../src/api/selector.js';
import { Controller, type ControllerProps } from '../src/cluster/controller.js';
import type { Informer } from '../src/cluster/informer.js';

/** The endpoints controller actor. */
export class EndpointsController extends Controller<never, ControllerProps> {
  static override readonly kind = 'helmsman.endpoints-controller';

  private services!: Informer<Service>;
  private endpoints!: Informer<Endpoints>;
  /** Each service's pod watch, by `namespace/name`, with the selector it was made for. */
  private readonly podWatches = new Map<string, { selector: string; pods: Informer<Pod> }>();

  override preStart(): void {
    // Endpoints deleted by someone else are written again (as Kubernetes' controller does).
    this.endpoints = this.inform<Endpoints>({
      name: 'endpoints',
      resource: 'endpoints',
      onChange: (key, endpoints) => {
        if (!endpoints) this.enqueue(key);
      },
      onSynced: () => this.enqueueAll(),
    });
    this.services = this.inform<Service>({
      name: 'services',
      resource: 'services',
      onChange: (key, svc) => this.serviceChanged(key, svc),
      onSynced: () => this.enqueueAll(),
    });
  }

  /** Every service and every endpoints object (those of services gone are deleted). */
  private enqueueAll(): void {
    for (const key of this.services.objects.keys()) this.enqueue(key);
    for (const key of this.endpoints.objects.keys()) this.enqueue(key);
  }

  private serviceChanged(key: string, svc: Readonly<Service> | undefined): void {
    const watch = this.podWatches.get(key);
    const selector = svc ? JSON.stringify(svc.spec.selector) : '';
    if (watch && watch.selector !== selector) {
      this.uninform(watch.pods);
      this.podWatches.delete(key);
    }
    if (svc && !this.podWatches.has(key)) {
      const pods = this.inform<Pod>({
        name: `pods:${key}`,
        resource: 'pods',
        filter: { namespace: svc.metadata.namespace, labels: selectorFromSet(svc.spec.selector) },
        onChange: () => this.enqueue(key),
        onSynced: () => this.enqueue(key),
      });
      this.podWatches.set(key, { selector, pods });
    }
    this.enqueue(key);
  }

  protected override reconcile(key: string): void {
    if (!this.services.synced || !this.endpoints.synced) return; // enqueueAll brings it back
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
export function endpointsOf(svc: Readonly<Service>, pods: Iterable<Readonly<Pod>>): Endpoints['endpoints'] {
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

/**
 * The replication controller actor: one per ReplicationController. Level-triggered: it watches the
 * pods its selector picks, counts the active ones (not Succeeded or Failed), creates pods from the
 * template or deletes the surplus until there are `replicas`, and records the count in the
 * controller's status. Writes it has sent but not yet seen come back are counted as done
 * ("expectations", as in Kubernetes), so it never creates twice for one shortfall. It records the
 * replication manager's events on the controller: `SuccessfulCreate` and `SuccessfulDelete` when
 * its watch shows a write of its own landed, `FailedCreate` when the registry refused one. Changes
 * of the controller and of its pods enqueue its key; one reconcile settles each burst. Refused
 * creates are tried again after a backoff that doubles with each refusal in a row (as Kubernetes'
 * rate-limited work queue does), so a namespace being deleted or a bad template is no hot loop.
 */
import { podReady, type Pod, type ReplicationController } from '../src/api/model.js';
import { selectorFromSet } from '../src/api/selector.js';
import { generatedNameBase } from '../src/api/names.js';
import { Controller, type ControllerProps } from '../src/cluster/controller.js';
import { objectKey, type Informer } from '../src/cluster/informer.js';
import { EventRecorder, referenceTo } from '../src/cluster/events.js';
import { DEFAULT_RATE_LIMIT, retryDelayMs, type Reconciled } from '../src/cluster/work-queue.js';
import type { RegistryReply } from '../src/registry/protocol.js';

/** Props of a replication controller actor. */
export interface ReplicationControllerProps extends ControllerProps {
  rc: ReplicationController;
}

/** What a replication controller actor handles. */
export type ReplicationControllerMsg =
  | { op: 'update'; rc: ReplicationController }
  /** The registry's answer to a create that failed. */
  | RegistryReply;

/** How long a create may go unseen before it no longer counts (Kubernetes: 5 min). */
const EXPECTATION_MS = 60_000;

/** The replication controller actor. */
export class ReplicationControllerActor extends Controller<ReplicationControllerMsg, ReplicationControllerProps> {
  static override readonly kind = 'helmsman.replication-controller';

  private rc!: ReplicationController;
  private pods!: Informer<Pod>;
  /** Names created but not yet seen, with when. */
  private readonly creating = new Map<string, number>();
  /** Keys deleted but not yet gone. */
  private readonly deleting = new Set<string>();
  /** Creates refused in a row (none of this controller's pods seen created since), and when to create again. */
  private refusals = 0;
  private retryAt = 0;
  private reportedReplicas = -1;
  private reportedReady = -1;
  private events!: EventRecorder;

  override preStart(): void {
    this.events = new EventRecorder(this.ctx, this.props, { component: 'replication-controller' });
    this.rc = this.props.rc;
    this.reportedReplicas = this.rc.status.replicas;
    this.reportedReady = this.rc.status.readyReplicas ?? -1;
    this.watchPods();
  }

  protected override handle(msg: ReplicationControllerMsg): void {
    if ('ok' in msg) {
      if (!msg.ok && msg.error.name && this.creating.delete(msg.error.name)) {
        this.events.event(referenceTo(this.rc), 'Warning', 'FailedCreate', `Error creating: ${msg.error.message}`);
        // One backoff step per round of refusals: the creates of one reconcile fail together.
        if (this.retryAt <= this.ctx.clock.now()) this.retryAt = this.ctx.clock.now() + retryDelayMs(DEFAULT_RATE_LIMIT, ++this.refusals);
      }
      this.requestReconcile();
      return;
    }
    const rewatch =
      JSON.stringify(msg.rc.spec.selector) !== JSON.stringify(this.rc.spec.selector) ||
      msg.rc.spec.template.spec.restartPolicy !== this.rc.spec.template.spec.restartPolicy;
    this.rc = msg.rc;
    if (rewatch) this.watchPods();
    else this.requestReconcile();
  }

  private watchPods(): void {
    if (this.pods) this.uninform(this.pods);
    const { namespace } = this.rc.metadata;
    this.pods = this.inform<Pod>({
      name: 'pods',
      resource: 'pods',
      filter: { namespace, labels: selectorFromSet(this.rc.spec.selector) },
      onChange: (key, pod, prev) => {
        if (pod) {
          if (this.creating.delete(pod.metadata.name)) {
            this.refusals = 0;
            this.events.event(referenceTo(this.rc), 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
          }
        } else if (this.deleting.delete(key)) this.events.event(referenceTo(this.rc), 'Normal', 'SuccessfulDelete', `Deleted pod: ${prev!.metadata.name}`);
        this.requestReconcile();
      },
      onSynced: () => this.requestReconcile(),
      // Pods that always restart never finish: of their status changes, only readiness flips change what is counted.
      statusChanges: this.rc.spec.template.spec.restartPolicy !== 'Always' ? true : 'readiness',
    });
  }

  /** Enqueues this controller's key (its pods must be listed first: until then it counts nothing). */
  private requestReconcile(): void {
    if (this.pods.synced) this.enqueue(objectKey(this.rc));
  }

  protected override reconcile(): Reconciled {
    const now = this.ctx.clock.now();
    for (const [name, at] of this.creating) if (now - at > EXPECTATION_MS) this.creating.delete(name);
    const active: [string, Readonly<Pod>][] = [];
    for (const entry of this.pods.objects) {
      const phase = entry[1].status.phase;
      if (phase !== 'Succeeded' && phase !== 'Failed' && !this.deleting.has(entry[0])) active.push(entry);
    }
    const diff = this.rc.spec.replicas - active.length - this.creating.size;
    let result: Reconciled = undefined;
    if (diff > 0) {
      if (now < this.retryAt) result = { requeueAfterMs: this.retryAt - now };
      else for (let i = 0; i < diff; i++) this.create();
    } else if (diff < 0) {
      // The least useful go first: unscheduled, then pending, then the youngest.
      active.sort(([, a], [, b]) => rank(a) - rank(b) || b.metadata.creationTimestamp.localeCompare(a.metadata.creationTimestamp));
      for (const [key, pod] of active.slice(0, -diff)) {
        this.deleting.add(key);
        const { namespace, name, uid } = pod.metadata;
        this.ctx.send(this.props.registry, { op: 'delete', resource: 'pods', namespace, name, uid, version: 'internal', reply: false });
      }
    }
    let ready = 0;
    for (const [, pod] of active) if (podReady(pod)) ready++;
    if (active.length !== this.reportedReplicas || ready !== this.reportedReady) {
      this.reportedReplicas = active.length;
      this.reportedReady = ready;
      const { namespace, name, uid } = this.rc.metadata;
      this.ctx.send(this.props.registry, { op: 'setStatus', resource: 'replicationcontrollers', namespace, name, uid, status: { replicas: active.length, readyReplicas: ready }, reply: false });
    }
    return result;
  }

  private create(): void {
    const { metadata, spec } = this.rc;
    const base = `${generatedNameBase(metadata.name)}-`;
    const name = `${base}${suffix()}`;
    const template = spec.template;
    const pod: Pod = {
      kind: 'Pod',
      metadata: {
        name,
        namespace: metadata.namespace,
        uid: '',
        resourceVersion: 0,
        creationTimestamp: '',
        labels: { ...template.metadata.labels },
        annotations: { ...template.metadata.annotations },
        generateName: base,
        ownerReferences: [{ kind: 'ReplicationController', name: metadata.name, uid: metadata.uid, controller: true }],
      },
      spec: { ...template.spec, host: '', manifest: { ...template.spec.manifest, id: name } },
      status: { phase: 'Pending', containers: {} },
    };
    this.creating.set(name, this.ctx.clock.now());
    this.ctx.send(this.props.registry, { op: 'create', resource: 'pods', object: pod, version: 'internal', reply: 'errors' });
  }
}

function rank(pod: Readonly<Pod>): number {
  if (!pod.spec.host) return 0;
  if (pod.status.phase === 'Pending') return 1;
  return pod.status.phase === 'Running' ? 3 : 2;
}

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Five random characters, as Kubernetes' generateName uses. */
function suffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += ALPHABET[Math.floor(Math.random() * ALPHABET.length)];
  return s;
}

/**
 * The pod actor: one per pod bound to a minion, a supervised child of that minion's actor on the
 * same shard. It drives the pod's containers through the shard's ContainerRuntime, applies the
 * restartPolicy with CrashLoopBackOff, and reports the pod's status to the registry.
 *
 * It is level-triggered: a restarted pod actor (after it threw) lists the runtime's containers of
 * its pod and adopts them, so a restart never starts duplicates.
 *
 * It records the kubelet's events about its containers (`Pulled`, `Created`, `Started`, `BackOff`,
 * `Unhealthy`, `Killing`, `Failed`), on the pod with the container's field path.
 */
import { Actor, type ActorRef } from '../src/kernel/index.js';
import { timestamp, type Container, type ContainerStatus, type EnvVar, type Pod, type PodPhase, type PodStatus } from '../src/api/model.js';
import { Backoff, type BackoffConfig } from '../src/cluster/backoff.js';
import { probeTiming, runProbe, type ProbeDefaults } from '../src/cluster/probe.js';
import { containerPath, EventRecorder, referenceTo, type EventType } from '../src/cluster/events.js';
import { ContainerStartError, runtimeFor, type ContainerExit, type ContainerRuntime, type RuntimeConfig, type RuntimeContainer } from '../src/runtimes/index.js';

/** Props of a pod actor. */
export interface PodProps {
  registry: ActorRef;
  /** The registry of events, when they are kept apart. */
  eventsRegistry?: ActorRef;
  /** The pod as its minion first saw it. */
  pod: Pod;
  /** The minion running it. */
  host: { name: string; hostIP: string };
  /** The pod's address (allocated by the minion). */
  podIP: string;
  runtime: RuntimeConfig;
  backoff: BackoffConfig;
  /** The service variables known when the pod was placed. */
  serviceEnv: EnvVar[];
  /** The kubelet's liveness probe defaults. */
  probe: ProbeDefaults;
  /** Whether the kubelet records its container events (Pulled, Created, Started, BackOff…). */
  events: boolean;
}

/** What a pod actor handles. */
export type PodMsg =
  /** A newer version of the pod (from the minion's watch). */
  | { op: 'update'; pod: Pod }
  /** Fault injection: kill the pod's running containers (or one) as the OOM killer would. */
  | { op: 'kill'; container?: string }
  /** Fault injection: make this actor throw, to exercise its supervision and adoption. */
  | { op: 'throw' }
  | { op: 'started'; name: string; gen: number; container: RuntimeContainer }
  | { op: 'startFailed'; name: string; gen: number; reason: string; message: string }
  | { op: 'exited'; exit: ContainerExit }
  | { op: 'restart'; name: string }
  | { op: 'report' }
  /** The service variables for containers started from now on (2014: those existing at start). */
  | { op: 'serviceEnv'; env: EnvVar[] }
  /** A container's output, answered to `replyTo` as `{ ok, text }` or `{ ok: false, message }`. */
  | { op: 'logs'; container: string; tailLines?: number; replyTo: ActorRef }
  | { op: 'probe'; name: string; gen: number }
  | { op: 'probed'; name: string; gen: number; failure: string | undefined };

/** How long containers may take to start before the pod reports them as ContainerCreating. */
const CREATING_REPORT_MS = 1000;

/** One container as this actor tracks it. */
interface Tracked {
  spec: Container;
  /** The runtime's container, once started or adopted. */
  id?: string;
  phase: 'waiting' | 'running' | 'terminated';
  reason?: string;
  message?: string;
  restartCount: number;
  startedAt?: number;
  exitCode?: number;
  finishedAt?: number;
  /** Whether it has run at least once. */
  ranOnce: boolean;
  /** Bumped on every start, so a late answer from an earlier start is ignored. */
  gen: number;
  starting?: Promise<unknown>;
  backoff: Backoff;
  /** Liveness probe failures in a row. */
  probeFailures: number;
}

/** The pod actor. */
export class PodActor extends Actor<PodMsg, PodProps> {
  static override readonly kind = 'helmsman.pod';

  private pod!: Pod;
  private runtime!: ContainerRuntime;
  private readonly containers = new Map<string, Tracked>();
  private unsubscribe: (() => void) | undefined;
  private lastReported = '';
  private serviceEnv: EnvVar[] = [];
  /** Made on the first event: most pods of a hollow (fake runtime) minion record none. */
  private events: EventRecorder | undefined;

  override async preStart(): Promise<void> {
    this.pod = this.props.pod;
    this.serviceEnv = this.props.serviceEnv;
    this.runtime = runtimeFor(this.props.runtime, this.ctx.clock);
    this.unsubscribe = this.runtime.onExit(this.pod.metadata.uid, (exit) => this.ctx.send(this.ctx.self, { op: 'exited', exit }));
    const existing = await this.runtime.list(this.pod.metadata.uid);
    for (const spec of this.pod.spec.containers) {
      const c: Tracked = { spec, phase: 'waiting', reason: 'ContainerCreating', restartCount: 0, ranOnce: false, gen: 0, backoff: new Backoff(this.props.backoff), probeFailures: 0 };
      this.containers.set(spec.name, c);
      const mine = existing.filter((e) => e.name === spec.name).sort((a, b) => a.startedAt - b.startedAt);
      const adopted = mine.at(-1);
      // Older containers of the same name are leftovers of earlier restarts.
      for (const old of mine.slice(0, -1)) void this.runtime.remove(old.id, 0);
      if (!adopted) {
        this.start(c);
        continue;
      }
      c.id = adopted.id;
      c.restartCount = adopted.restartCount;
      c.startedAt = adopted.startedAt;
      c.ranOnce = true;
      if (adopted.state === 'running') {
        c.phase = 'running';
        this.scheduleProbe(c, true);
      }
      else this.exited(c, { exitCode: adopted.exitCode ?? 0, finishedAt: adopted.finishedAt ?? this.ctx.clock.now(), reason: adopted.reason });
    }
    // Containers that start at once report Running without a Pending write first; a slow start
    // reports ContainerCreating after a second.
    if ([...this.containers.values()].some((c) => c.phase !== 'waiting' || c.reason !== 'ContainerCreating')) this.report();
    else this.ctx.timers.once('report', CREATING_REPORT_MS, { op: 'report' });
  }

  override async postStop(): Promise<void> {
    this.unsubscribe?.();
    // Nothing may start once this actor is gone: let the starts under way land first.
    await Promise.allSettled([...this.containers.values()].map((c) => c.starting));
  }

  receive(msg: PodMsg): void {
    switch (msg.op) {
      case 'update':
        this.pod = msg.pod;
        return;
      case 'kill':
        for (const c of this.containers.values()) {
          if (c.id && c.phase === 'running' && (msg.container === undefined || msg.container === c.spec.name)) void this.runtime.kill(c.id);
        }
        return;
      case 'report':
        break;
      case 'serviceEnv':
        this.serviceEnv = msg.env;
        return;
      case 'logs': {
        const c = this.containers.get(msg.container);
        const replyTo = msg.replyTo;
        if (!c?.id) {
          this.ctx.send(replyTo, { ok: false, message: `container ${msg.container} in pod ${this.pod.metadata.name} has not started` });
          return;
        }
        this.runtime.logs(c.id, msg.tailLines).then(
          (text) => this.ctx.send(replyTo, { ok: true, text }),
          (err: Error) => this.ctx.send(replyTo, { ok: false, message: err.message }),
        );
        return;
      }
      case 'throw':
        throw new Error(`pod ${this.pod.metadata.name}: failure injected`);
      case 'started': {
        const c = this.containers.get(msg.name);
        if (!c || c.gen !== msg.gen) return;
        c.id = msg.container.id;
        c.phase = 'running';
        c.reason = c.message = undefined;
        c.startedAt = msg.container.startedAt;
        c.ranOnce = true;
        // The runtime seam does not tell whether a start pulled its image: the kubelet's words for one it found.
        this.record(c, 'Normal', 'Pulled', `Container image "${c.spec.image}" already present on machine`);
        this.record(c, 'Normal', 'Created', `Created container ${c.spec.name}`);
        this.record(c, 'Normal', 'Started', `Started container ${c.spec.name}`);
        this.scheduleProbe(c, true);
        break;
      }
      case 'probe': {
        const c = this.containers.get(msg.name);
        if (!c?.id || c.gen !== msg.gen || c.phase !== 'running' || !c.spec.livenessProbe) return;
        const { timeoutMs } = probeTiming(c.spec.livenessProbe, this.props.probe);
        const self = this.ctx.self;
        const target = { container: c.spec, podIP: this.props.podIP, id: c.id, runtime: this.runtime };
        void runProbe(c.spec.livenessProbe, target, timeoutMs).then((failure) => this.ctx.send(self, { op: 'probed', name: msg.name, gen: msg.gen, failure }));
        return;
      }
      case 'probed': {
        const c = this.containers.get(msg.name);
        if (!c?.id || c.gen !== msg.gen || c.phase !== 'running') return;
        c.probeFailures = msg.failure === undefined ? 0 : c.probeFailures + 1;
        if (msg.failure !== undefined) this.record(c, 'Warning', 'Unhealthy', `Liveness probe failed: ${msg.failure}`);
        const { failureThreshold } = probeTiming(c.spec.livenessProbe!, this.props.probe);
        if (c.probeFailures >= failureThreshold) {
          // As the kubelet: an unhealthy container is killed, and its restartPolicy decides.
          c.message = `Liveness probe failed: ${msg.failure}`;
          const restart = this.pod.spec.restartPolicy === 'Never' ? '' : ', will be restarted';
          this.record(c, 'Normal', 'Killing', `Container ${c.spec.name} failed liveness probe${restart}`);
          void this.runtime.kill(c.id);
          return;
        }
        this.scheduleProbe(c, false);
        return;
      }
      case 'startFailed': {
        const c = this.containers.get(msg.name);
        if (!c || c.gen !== msg.gen) return;
        c.phase = 'waiting';
        c.reason = msg.reason;
        c.message = msg.message;
        // The kubelet's two events for a failed pull; one for any other failure to create.
        if (msg.reason === 'ErrImagePull') this.record(c, 'Warning', 'Failed', `Failed to pull image "${c.spec.image}": ${msg.message}`);
        this.record(c, 'Warning', 'Failed', `Error: ${msg.reason === 'ErrImagePull' ? msg.reason : msg.message}`);
        this.ctx.timers.once(`restart:${c.spec.name}`, c.backoff.delayAfter(0), { op: 'restart', name: c.spec.name });
        break;
      }
      case 'exited': {
        const c = this.containers.get(msg.exit.name);
        if (!c || c.id !== msg.exit.id || c.phase !== 'running') return;
        this.exited(c, msg.exit);
        break;
      }
      case 'restart': {
        const c = this.containers.get(msg.name);
        if (!c || c.phase === 'running') return;
        if (c.ranOnce) c.restartCount++;
        this.start(c);
        break;
      }
    }
    this.report();
  }

  /** Runs the container's liveness probe after its initial delay, or its period. */
  private scheduleProbe(c: Tracked, first: boolean): void {
    if (!c.spec.livenessProbe) return;
    c.probeFailures = first ? 0 : c.probeFailures;
    const timing = probeTiming(c.spec.livenessProbe, this.props.probe);
    this.ctx.timers.once(`probe:${c.spec.name}`, first ? timing.initialDelayMs || timing.periodMs : timing.periodMs, { op: 'probe', name: c.spec.name, gen: c.gen });
  }

  /** Applies the restartPolicy to a container that exited. */
  private exited(c: Tracked, exit: { exitCode: number; finishedAt: number; reason?: string }): void {
    c.phase = 'terminated';
    c.exitCode = exit.exitCode;
    c.finishedAt = exit.finishedAt;
    c.reason = exit.reason;
    const policy = this.pod.spec.restartPolicy;
    if (policy === 'Never' || (policy === 'OnFailure' && exit.exitCode === 0)) return;
    if (c.id) void this.runtime.remove(c.id, 0);
    const delay = c.backoff.delayAfter(exit.finishedAt - (c.startedAt ?? exit.finishedAt));
    if (delay === 0) {
      c.restartCount++;
      this.start(c);
      return;
    }
    c.phase = 'waiting';
    c.reason = 'CrashLoopBackOff';
    c.message = `back-off ${formatSeconds(delay)} restarting failed container=${c.spec.name} pod=${this.pod.metadata.name}`;
    const { name, namespace, uid } = this.pod.metadata;
    this.record(c, 'Warning', 'BackOff', `Back-off restarting failed container ${c.spec.name} in pod ${name}_${namespace}(${uid})`);
    this.ctx.timers.once(`restart:${c.spec.name}`, delay, { op: 'restart', name: c.spec.name });
  }

  /** Starts a container; the outcome comes back as a message. */
  private start(c: Tracked): void {
    const gen = ++c.gen;
    const name = c.spec.name;
    c.phase = 'waiting';
    c.reason ??= 'ContainerCreating';
    const self = this.ctx.self;
    const { metadata } = this.pod;
    const env: EnvVar[] = [...this.serviceEnv, { name: 'POD_IP', value: this.props.podIP }];
    const port = c.spec.ports[0]?.containerPort;
    if (port !== undefined) env.push({ name: 'PORT', value: String(port) });
    const started = this.runtime.start({
      pod: { uid: metadata.uid, namespace: metadata.namespace, name: metadata.name, labels: metadata.labels, annotations: metadata.annotations },
      container: c.spec,
      restartCount: c.restartCount,
      podIP: this.props.podIP,
      env,
      node: this.props.host.name,
    });
    c.starting = started.then(
      (container) => this.ctx.send(self, { op: 'started', name, gen, container }),
      (err: Error) => {
        const reason = err instanceof ContainerStartError ? err.reason : 'CreateContainerError';
        this.ctx.send(self, { op: 'startFailed', name, gen, reason, message: err.message });
      },
    );
  }

  /** Records an event about one of the pod's containers. */
  private record(c: Tracked, type: EventType, reason: string, message: string): void {
    if (!this.props.events) return;
    this.events ??= new EventRecorder(this.ctx, this.props, { component: 'kubelet', host: this.props.host.name });
    this.events.event(referenceTo(this.pod, containerPath(c.spec.name)), type, reason, message);
  }

  /** Sends the pod's status to the registry when it changed. */
  private report(): void {
    this.ctx.timers.cancel('report');
    const status = this.status();
    const text = JSON.stringify(status);
    if (text === this.lastReported) return;
    this.lastReported = text;
    const { namespace, name, uid } = this.pod.metadata;
    this.ctx.send(this.props.registry, { op: 'setStatus', resource: 'pods', namespace, name, uid, status, reply: false });
  }

  private status(): PodStatus {
    const containers: Record<string, ContainerStatus> = {};
    let running = 0;
    let restarting = 0;
    let failed = 0;
    let allStarted = true;
    for (const c of this.containers.values()) {
      const s: ContainerStatus = { state: {}, restartCount: c.restartCount, image: c.spec.image, podIP: this.props.podIP, ready: c.phase === 'running' };
      if (c.id) s.containerID = `${this.runtime.kind}://${c.id}`;
      if (c.phase === 'running') {
        running++;
        s.state.running = { startedAt: timestamp(c.startedAt!) };
      } else if (c.phase === 'waiting') {
        if (c.ranOnce || c.reason === 'CrashLoopBackOff') restarting++;
        s.state.waiting = { reason: c.reason };
      } else {
        if (c.exitCode !== 0) failed++;
        s.state.termination = { exitCode: c.exitCode!, reason: c.reason, startedAt: c.startedAt === undefined ? undefined : timestamp(c.startedAt), finishedAt: timestamp(c.finishedAt!) };
      }
      if (!c.ranOnce) allStarted = false;
      containers[c.spec.name] = s;
    }
    let phase: PodPhase;
    if (!allStarted && running === 0 && restarting === 0) phase = 'Pending';
    else if (running > 0 || restarting > 0) phase = 'Running';
    else phase = failed > 0 ? 'Failed' : 'Succeeded';
    const message = [...this.containers.values()].find((c) => c.phase === 'waiting' && c.message)?.message;
    const status: PodStatus = { phase, host: this.props.host.name, hostIP: this.props.host.hostIP, podIP: this.props.podIP, containers };
    if (message) status.message = message;
    return status;
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

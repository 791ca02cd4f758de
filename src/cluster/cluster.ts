/**
 * Cluster: a whole helmsman cluster in this process — the registry, the scheduler, the
 * replication, node, endpoints and event TTL controllers, and N minions with their pods — on an actor system
 * of worker-thread shards, optionally behind the HTTP gateway. `helmsman up` runs one; test suites
 * embed one (`await Cluster.start({ minions: 1000 })`) and drive it through `client`, `waitFor`
 * and the fault-injection methods.
 */
import { availableParallelism, hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { ResourceLimits } from 'node:worker_threads';
import { ActorSystem, VirtualClock, type ActorRef } from '../kernel/index.js';
import type { StoreKind } from '../store/store.js';
import { eventsRegistryProps, registryProps, startApiServer, type ApiAuthentication, type ApiServer, type ApiServerOptions, type EtcdConfig } from '../server.js';
import { Registry } from '../registry/registry.js';
import { Scheduler } from '../../actors/scheduler.js';
import { ReplicationManager } from '../../actors/replication-manager.js';
import { NodeController } from '../../actors/node-controller.js';
import { NodeIpamController } from '../../actors/node-ipam-controller.js';
import { EndpointsController } from '../../actors/endpoints-controller.js';
import { DEFAULT_MAX_EVENTS, EventTtlController } from '../../actors/event-ttl-controller.js';
import { LeaderElector, type LedActor, type LeaderElectorProps, type LeaderStatus } from '../../actors/leader-elector.js';
import { Minion, podCIDROf, type MinionCensus, type MinionMsg, type MinionProps } from '../../actors/minion.js';
import type { PodMsg } from '../../actors/pod.js';
import type { Route } from '../../actors/service-proxy.js';
import { DEFAULT_BACKOFF, type BackoffConfig } from './backoff.js';
import { DEFAULT_PROBE, type ProbeDefaults } from './probe.js';
import { ClusterClient } from './client.js';
import { KubeletClient } from './kubelet-client.js';
import { badRequest } from '../api/status.js';
import { parseClusterCidr } from '../api/cidr.js';
import type { LogQuery } from '../api/gateway.js';
import type { RuntimeConfig } from '../runtimes/index.js';
import { iptablesUsable } from '../proxy/iptables.js';
import type { ProxyMode } from '../proxy/table.js';

/** The pods' addresses of remote minions unless told otherwise (Kubernetes' usual `--cluster-cidr`). */
export const DEFAULT_CLUSTER_CIDR = '10.244.0.0/16';

/** Shards' heap limits unless told otherwise (see `ClusterOptions.shardResourceLimits`). */
const DEFAULT_SHARD_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 128 };

/** The modules every shard of a cluster imports: the actor kinds. */
export const CLUSTER_MODULES = [
  '../registry/registry.js',
  '../../actors/scheduler.js',
  '../../actors/replication-manager.js',
  '../../actors/replication-controller.js',
  '../../actors/node-controller.js',
  '../../actors/node-ipam-controller.js',
  '../../actors/endpoints-controller.js',
  '../../actors/event-ttl-controller.js',
  '../../actors/leader-elector.js',
  '../../actors/minion.js',
  '../../actors/pod.js',
  '../../actors/service-proxy.js',
].map((path) => new URL(path, import.meta.url));

/** Options of `Cluster.start`; every one is optional. */
export interface ClusterOptions {
  /**
   * Run the controllers (scheduler, replication, node, endpoints, event TTL) only while this
   * process holds the lease `kube-system/helmsman-controller-manager`, so several control planes
   * can share one store: `true`, or client-go's timings (default 15 s lease, 10 s renew deadline,
   * 2 s retry). Default: on with the etcd store, off otherwise (no other process can share it).
   */
  leaderElection?: boolean | Partial<Pick<LeaderElectorProps, 'identity' | 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'>>;
  /** Minions to start (default 3). */
  minions?: number;
  /** The container runtime: `'fake'` (default), `'process'`, `'docker'` (host networking), or a config with its options. */
  runtime?: RuntimeConfig['kind'] | RuntimeConfig;
  /**
   * How minions serve services with a real runtime: `'iptables'` (NAT rules in the kernel, as
   * kube-proxy's default; needs root), `'userspace'` (a TCP relay per minion, which also skips
   * refused endpoints), or `'auto'` (default: iptables where it can be used, else userspace).
   */
  proxyMode?: 'auto' | 'userspace' | 'iptables';
  /** Actor shards (worker threads; default: one per core). */
  shards?: number;
  /** `memory` (default for an embedded cluster), `lmdb` (under `dataDir`) or `etcd` (at `etcd.servers`, shared with other control planes). */
  store?: StoreKind;
  /** The etcd cluster of the `etcd` store: client URLs (kube-apiserver's `--etcd-servers`) and key prefix (`--etcd-prefix`, default /registry). */
  etcd?: EtcdConfig;
  /** Where the lmdb store lives (default ./data). */
  dataDir?: string;
  /** How often the store is compacted (kube-apiserver's `--etcd-compaction-interval`; default 300,000 ms; 0: never). */
  compactionIntervalMs?: number;
  /** `'real'` (default), `'virtual'`, or a VirtualClock: timers (heartbeats, backoff) then move only on `advance`. */
  clock?: 'real' | 'virtual' | VirtualClock;
  /** Serve the REST API too: `true` (127.0.0.1, a free port), or where and how (users, TLS). Default: no HTTP. */
  api?: boolean | { port?: number; address?: string; authentication?: ApiAuthentication; tls?: ApiServerOptions['tls']; csrSigner?: ApiServerOptions['csrSigner'] };
  /** How often minions heartbeat (default 10,000 ms). */
  heartbeatMs?: number;
  /** Silence after which a minion is NotReady and its pods evicted (default 40,000 ms). */
  nodeGracePeriodMs?: number;
  /** How often the node controller looks (default 5,000 ms). */
  nodeMonitorPeriodMs?: number;
  /** Minions whose pods may be evicted per second, at most (default 1). */
  evictionsPerSec?: number;
  /**
   * The pods' addresses across the cluster (kube-controller-manager's `--cluster-cidr`; default
   * 10.244.0.0/16): a minion that registers without a pod range (a remote one) gets a block of it.
   * The embedded minions bring their own (10.0.0.0/8, or loopback for host processes).
   */
  clusterCIDR?: string;
  /** The prefix length of each minion's block of `clusterCIDR` (`--node-cidr-mask-size`; default 24). */
  nodeCidrMaskSize?: number;
  /** The client certificate shown to remote minions' kubelets for their containers' logs (`--kubelet-client-certificate`). */
  kubeletClient?: { cert: string; key: string };
  /** CrashLoopBackOff settings (default 10 s doubling to 300 s, reset after 10 min). */
  backoff?: Partial<BackoffConfig>;
  /** Liveness probe defaults where a probe does not say (default every 10 s, 1 s timeout, 3 failures). */
  probe?: Partial<ProbeDefaults>;
  /**
   * Whether the kubelets record container events (Pulled, Created, Started, Killing, BackOff,
   * Unhealthy, Failed). Default: yes with a real runtime; no with the fake one, as kwok's simulated
   * kubelets record none (the scheduler's and controllers' events are recorded either way).
   */
  kubeletEvents?: boolean;
  /** How long an event lives after its last write (default 3,600,000 ms: Kubernetes' `--event-ttl` of 1 hour). */
  eventTtlMs?: number;
  /**
   * Events kept at most (default 10,000): beyond it, those written longest ago are deleted first.
   * The registry holds every object in memory, where Kubernetes keeps events in etcd.
   */
  maxEvents?: number;
  /**
   * The shards' worker heap limits (default: a young generation of 128 MB, V8's defaults otherwise).
   * A burst allocates at a high rate (every watch event, every message), much of it kept (a third
   * of what a scavenge finds survives it), and scavenges took a fifth of the shards' CPU. Measured
   * on 100,000 pods (bench/RESULTS.md): V8's default 17–19 s, 32 MB ~18 s, 64 MB ~16 s, then
   * (events apart) 64 MB 13.5–16.0 s and 128 MB 13.5–14.0 s; at 5,000 minions × 150,000 pods
   * 24–28 s against 21–25 s at the same RSS (192 MB: 300 MB more). The price is latency: larger
   * young generations' longer scavenges take the churn's pod startup p99 from 16–19 ms (V8's
   * default) to 26–36 ms. A latency benchmark may prefer `{}` (V8's defaults).
   */
  shardResourceLimits?: ResourceLimits;
  /** Each minion's capacity (default: unlimited). */
  minionCapacity?: { cpu?: number; memory?: number };
  /** Each minion's labels, by index (default none). */
  minionLabels?: (index: number) => Record<string, string>;
  /** Called as start-up proceeds (for `helmsman up`'s progress lines). */
  onProgress?: (message: string) => void;
}

/** A running cluster. */
export class Cluster {
  /** The typed client (CRUD, watch, waitFor). */
  readonly client: ClusterClient;
  private readonly minionProps = new Map<string, { props: MinionProps; slot: number }>();
  private readonly minionRefs = new Map<string, ActorRef<MinionMsg>>();
  /** Reads remote minions' container logs. */
  private kubelets: KubeletClient | undefined;

  private constructor(
    /** The actor system the cluster runs on. */
    readonly system: ActorSystem,
    /** The registry actor. */
    readonly registry: ActorRef,
    /** The registry of events (src/registry/routing.ts). */
    readonly eventsRegistry: ActorRef,
    /** The leader elector, when the controllers run only while this process leads. */
    private readonly elector: ActorRef | undefined,
    /** The clock (a VirtualClock when started with `clock: 'virtual'`). */
    readonly clock: VirtualClock | undefined,
    /** How minions serve services (`none` with the fake runtime). */
    readonly proxyMode: ProxyMode,
    private api: ApiServer | undefined,
  ) {
    this.client = new ClusterClient(system, { main: registry, events: eventsRegistry });
  }

  /** Starts a cluster and resolves once every minion has registered. */
  static async start(options: ClusterOptions = {}): Promise<Cluster> {
    const minions = options.minions ?? 3;
    if (!Number.isInteger(minions) || minions < 0 || minions > 65_535) throw new RangeError('minions must be an integer from 0 to 65535');
    const shards = options.shards ?? availableParallelism();
    const progress = options.onProgress ?? (() => {});
    const clock = options.clock === 'virtual' ? new VirtualClock() : options.clock === 'real' ? undefined : options.clock;
    const runtime: RuntimeConfig = options.runtime === undefined ? { kind: 'fake' } : typeof options.runtime === 'string' ? { kind: options.runtime } : options.runtime;
    // Host processes share this machine: each minion and each pod gets its own loopback address,
    // from a range no other cluster of this process uses (and, picked at random, unlikely another's).
    const local = runtime.kind !== 'fake';
    if (local && minions > LOOPBACK_BLOCKS) throw new RangeError(`the process runtime has loopback addresses for ${LOOPBACK_BLOCKS} minions`);
    const offset = local ? takeLoopbackBlocks(minions) : 0;
    const proxyMode = local ? await resolveProxyMode(options.proxyMode ?? 'auto') : 'none';
    const backoff: BackoffConfig = { ...DEFAULT_BACKOFF, ...options.backoff };
    const store = options.store ?? 'memory';
    const eventTtlMs = options.eventTtlMs ?? 3_600_000;
    if (!(typeof eventTtlMs === 'number' && eventTtlMs > 0 && Number.isFinite(eventTtlMs))) throw new RangeError(`eventTtlMs must be a positive number of milliseconds (got ${String(eventTtlMs)})`);
    const maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
    if (!(Number.isInteger(maxEvents) && maxEvents > 0)) throw new RangeError(`maxEvents must be a positive integer (got ${String(maxEvents)})`);
    const mask = options.nodeCidrMaskSize ?? 24;
    parseClusterCidr(options.clusterCIDR ?? DEFAULT_CLUSTER_CIDR, mask);

    progress(`starting ${shards} actor shards`);
    const system = await ActorSystem.start({ shards, modules: CLUSTER_MODULES, clock: clock ?? 'real', resourceLimits: options.shardResourceLimits ?? DEFAULT_SHARD_LIMITS });
    let cluster: Cluster | undefined;
    try {
      progress(`starting the registry (${store} store)`);
      const controllerSlot = shards > 1 ? 1 : 0;
      // Events apart, on a shard without the main registry: on the controllers' (the scheduler's
      // and replication controllers' events are then sent without crossing a thread), or with
      // more shards, on one of their own.
      const registry = system.reserve(0);
      const eventsRegistry = system.reserve(shards > 2 ? 2 : controllerSlot);
      const mainProps = registryProps(store, options);
      system.spawn(Registry, 'registry', { ...mainProps, events: eventsRegistry }, { ref: registry });
      system.spawn(Registry, 'registry-events', { ...eventsRegistryProps(mainProps), namespaces: registry }, { ref: eventsRegistry });
      const controllers: LedActor[] = [
        { kind: Scheduler.kind, name: 'scheduler', props: { registry, eventsRegistry }, slot: controllerSlot },
        { kind: ReplicationManager.kind, name: 'replication-manager', props: { registry, eventsRegistry, shards }, slot: controllerSlot },
        {
          kind: NodeController.kind,
          name: 'node-controller',
          props: { registry, eventsRegistry, gracePeriodMs: options.nodeGracePeriodMs ?? 40_000, monitorPeriodMs: options.nodeMonitorPeriodMs ?? 5_000, evictionsPerSec: options.evictionsPerSec },
          slot: controllerSlot,
        },
        { kind: EndpointsController.kind, name: 'endpoints-controller', props: { registry }, slot: controllerSlot },
        {
          kind: NodeIpamController.kind,
          name: 'node-ipam-controller',
          props: { registry, eventsRegistry, clusterCIDR: options.clusterCIDR ?? DEFAULT_CLUSTER_CIDR, nodeCidrMaskSize: mask },
          slot: controllerSlot,
        },
        // Beside the registry of events: a watcher on its shard gets events without any encoding.
        { kind: EventTtlController.kind, name: 'event-ttl-controller', props: { registry: eventsRegistry, ttlMs: eventTtlMs, maxEvents }, slot: eventsRegistry.slot },
      ];
      const election = options.leaderElection ?? store === 'etcd';
      let elector: ActorRef | undefined;
      if (election) {
        const config = election === true ? {} : election;
        progress('electing the controllers\' leader (lease kube-system/helmsman-controller-manager)');
        elector = system.spawn(LeaderElector, 'leader-elector', {
          registry,
          namespace: 'kube-system',
          name: 'helmsman-controller-manager',
          identity: config.identity ?? `${hostname()}_${randomUUID()}`,
          ...config,
          controllers,
        }, { slot: controllerSlot });
      } else for (const c of controllers) system.spawn(c.kind, c.name, c.props as never, { slot: c.slot });
      let api: ApiServer | undefined;
      if (options.api) {
        const where = options.api === true ? {} : options.api;
        const logs = (q: LogQuery) => cluster!.logs(q.name, q.namespace, q);
        api = await startApiServer({ system, registry, events: eventsRegistry, port: where.port ?? 0, address: where.address, logs, authentication: where.authentication, tls: where.tls, csrSigner: where.csrSigner });
        progress(`API server listening on ${api.url}`);
      }
      cluster = new Cluster(system, registry, eventsRegistry, elector, clock, proxyMode, api);
      cluster.kubelets = new KubeletClient(options.kubeletClient);
      progress(`starting ${minions} minions (${runtime.kind} runtime${local ? `, ${proxyMode} service proxy` : ''})`);
      for (let i = 0; i < minions; i++) {
        const name = `minion-${i + 1}`;
        const props: MinionProps = {
          registry,
          eventsRegistry,
          name,
          hostIP: local ? loopbackHostIPOf((offset + i) % LOOPBACK_BLOCKS) : hostIPOf(i),
          podCIDR: local ? podCIDROf((offset + i) % LOOPBACK_BLOCKS, 127) : podCIDROf(i),
          labels: options.minionLabels?.(i) ?? {},
          capacity: options.minionCapacity ?? {},
          runtime,
          proxyMode,
          kubeletEvents: options.kubeletEvents ?? local,
          backoff,
          probe: { ...DEFAULT_PROBE, ...options.probe },
          heartbeatMs: options.heartbeatMs ?? 10_000,
        };
        cluster.minionProps.set(name, { props, slot: i % shards });
        cluster.startMinion(name);
      }
      await cluster.client.waitFor('nodes', {}, (nodes) => nodes.length >= minions, 60_000 + minions * 10);
      progress(`${minions} minions registered`);
      return cluster;
    } catch (err) {
      if (cluster) await cluster.stop();
      else await system.stop();
      throw err;
    }
  }

  /**
   * Whether this process runs the controllers now: always without leader election, else while
   * it holds the lease (with the identity it holds it as, and the holder last seen).
   */
  async leadership(): Promise<LeaderStatus> {
    if (!this.elector) return { leading: true, identity: '', holder: undefined };
    return this.system.ask<LeaderStatus>(this.elector, { op: 'status' });
  }

  /** The REST API's URL, when the cluster serves one. */
  get url(): string | undefined {
    return this.api?.url;
  }

  /** The minions' names. */
  get minions(): string[] {
    return [...this.minionProps.keys()];
  }

  /** Moves a virtual clock on by `ms`, running every timer due on the way (real clock: an error). */
  async advance(ms: number): Promise<void> {
    if (!this.clock) throw new TypeError('advance() needs a cluster started with clock: "virtual"');
    await this.clock.advance(ms);
  }

  /** Fault injection: kills a pod's running containers (or one), as the OOM killer would. */
  async crashPod(name: string, namespace = 'default', container?: string): Promise<void> {
    await this.toPod(name, namespace, { op: 'kill', container });
  }

  /** Fault injection: makes a pod's actor throw, so its supervisor restarts it (and it adopts its containers). */
  async failPodActor(name: string, namespace = 'default'): Promise<void> {
    await this.toPod(name, namespace, { op: 'throw' });
  }

  /** Fault injection: a minion dies with its containers; it stops heartbeating, so it is NotReady after the grace period. */
  async killMinion(name: string): Promise<void> {
    const ref = this.minionRefs.get(name);
    if (!ref) throw new Error(`minion "${name}" is not running`);
    this.minionRefs.delete(name);
    await this.system.stopActor(ref);
  }

  /**
   * What runs, as the minions see it: the containers their runtimes run (each shard's runtime
   * counted once) and the pod actors they have. After a cluster settles, containers beyond its
   * Running pods' containers are leaked ones.
   */
  async census(): Promise<{ containers: number; podActors: number }> {
    const answers = await Promise.all([...this.minionRefs.values()].map((ref) => this.system.ask<MinionCensus>(ref, { op: 'census' })));
    const byThread = new Map(answers.map((a) => [a.thread, a.containers]));
    return { containers: [...byThread.values()].reduce((a, b) => a + b, 0), podActors: answers.reduce((n, a) => n + a.pods, 0) };
  }

  /** Brings a killed minion back (it registers and heartbeats again). */
  restoreMinion(name: string): void {
    if (!this.minionProps.has(name)) throw new Error(`no minion "${name}" in this cluster`);
    if (this.minionRefs.has(name)) throw new Error(`minion "${name}" is running`);
    this.startMinion(name);
  }

  /**
   * A container's output (the pod's only container unless `container` names one), or its last
   * `tailLines` lines. A missing pod is a 404 StatusError; an unknown or unnamed container a 400.
   */
  async logs(name: string, namespace = 'default', options: { container?: string; tailLines?: number } = {}): Promise<string> {
    const pod = await this.client.get('pods', name, namespace);
    const names = pod.spec.containers.map((c) => c.name);
    const container = options.container ?? (names.length === 1 ? names[0] : undefined);
    if (container === undefined) throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`);
    if (!names.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
    const ref = this.minionRefs.get(pod.spec.host);
    if (!ref) {
      // A remote minion: its kubelet endpoint has the logs.
      const node = pod.spec.host ? await this.client.get('nodes', pod.spec.host).catch(() => undefined) : undefined;
      if (node?.status.kubeletPort && this.kubelets) return this.kubelets.logs(node, namespace, name, container, options.tailLines);
      throw badRequest(`pod ${name} is not running on a minion that answers (host "${pod.spec.host}")`);
    }
    const reply = await this.system.ask<{ ok: true; text: string } | { ok: false; message: string }>(ref, { op: 'logs', uid: pod.metadata.uid, container, tailLines: options.tailLines });
    if (!reply.ok) throw badRequest(reply.message);
    return reply.text;
  }

  /** Fault injection: the shard (worker thread) hosting `minion` dies; the kernel respawns it and the cluster converges again. */
  crashShardOf(minion: string): void {
    const ref = this.minionRefs.get(minion);
    if (!ref) throw new Error(`minion "${minion}" is not running`);
    this.system.send(ref, { op: 'exitShard' });
  }

  /** Where `minion`'s service proxy sends the next connection to a service (round-robin). */
  async route(service: string, options: { namespace?: string; minion?: string } = {}): Promise<Route> {
    const minion = options.minion ?? this.minionRefs.keys().next().value;
    const ref = minion === undefined ? undefined : this.minionRefs.get(minion);
    if (!ref) throw new Error(`minion "${minion}" is not running`);
    return this.system.ask<Route>(ref, { op: 'route', namespace: options.namespace ?? 'default', service });
  }

  /** Stops the API, the actors (minions remove their containers) and the shards. */
  async stop(): Promise<void> {
    const api = this.api;
    this.api = undefined;
    await api?.close();
    await this.kubelets?.close();
    if (!this.system.stopped) await this.system.stop();
  }

  private startMinion(name: string): void {
    const { props, slot } = this.minionProps.get(name)!;
    this.minionRefs.set(name, this.system.spawn(Minion, name, props, { slot }));
  }

  private async toPod(name: string, namespace: string, msg: PodMsg): Promise<void> {
    const pod = await this.client.get('pods', name, namespace);
    const ref = this.minionRefs.get(pod.spec.host);
    if (!ref) throw new Error(`pod "${name}" is not on a running minion (host "${pod.spec.host}")`);
    this.system.send(ref, { op: 'toPod', uid: pod.metadata.uid, msg });
  }
}

/** Loopback /21 blocks for minions' pods: 127.0.0.0–127.127.255.255. */
const LOOPBACK_BLOCKS = 4096;
let nextLoopbackBlock = Math.floor(Math.random() * LOOPBACK_BLOCKS);

/** Reserves `n` consecutive loopback blocks (mod LOOPBACK_BLOCKS) for one cluster; returns the first. */
function takeLoopbackBlocks(n: number): number {
  const first = nextLoopbackBlock;
  nextLoopbackBlock = (nextLoopbackBlock + n) % LOOPBACK_BLOCKS;
  return first;
}

/** The proxy mode minions on a real runtime use: `auto` is iptables where it can be used. */
export async function resolveProxyMode(requested: 'auto' | 'userspace' | 'iptables'): Promise<ProxyMode> {
  if (requested === 'userspace') return requested;
  if (!(requested === 'auto' || requested === 'iptables')) throw new TypeError(`proxyMode must be auto, userspace or iptables, not "${String(requested)}"`);
  if (await iptablesUsable()) return 'iptables';
  if (requested === 'iptables') throw new Error('proxyMode iptables needs root and a working iptables (try proxyMode userspace)');
  return 'userspace';
}

/** Minion `index`'s loopback address for host processes, in 127.255.0.0/16 (pods use 127.0–127.127). */
function loopbackHostIPOf(index: number): string {
  const n = index + 1;
  return `127.255.${(n >> 8) & 255}.${n & 255}`;
}

/** Minion `index`'s address in 172.16.0.0/12. */
function hostIPOf(index: number): string {
  const n = index + 1;
  return `172.${16 + ((n >> 16) & 15)}.${(n >> 8) & 255}.${n & 255}`;
}

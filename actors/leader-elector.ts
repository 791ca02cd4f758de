/**
 * The leader elector: client-go's leader election on a coordination.k8s.io/v1 Lease, so that of
 * several control planes on one store exactly one runs the controllers. Every `retryPeriodMs` it
 * tries to acquire or renew the lease by compare-and-swap on its resourceVersion; the holder's lease
 * counts as expired only after `leaseDurationMs` of seeing the same record on this process's
 * monotonic clock (never by comparing its clocks with another host's). While it leads, its
 * children are the controllers; a leader that has not renewed for `renewDeadlineMs` stops them —
 * before its lease can expire in anybody else's eyes, since the deadline is shorter than the
 * duration — and goes back to trying to acquire.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Actor, type ActorRef, type TerminationReason } from '../src/kernel/index.js';
import { emptyMeta, microTime, type Lease, type LeaseSpec } from '../src/api/model.js';
import type { RegistryReply } from '../src/registry/protocol.js';

/** client-go's defaults (and kube-controller-manager's). */
export const LEADER_ELECTION_DEFAULTS = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

/** A controller the leader runs, as a child. */
export interface LedActor {
  /** The actor kind's registered name. */
  kind: string;
  name: string;
  props: unknown;
  slot: number;
}

/** Props of the leader elector. */
export interface LeaderElectorProps {
  registry: ActorRef;
  /** The lease: `kube-system/helmsman-controller-manager` for the cluster's controllers. */
  namespace: string;
  name: string;
  /** Who this process is in the lease (default `hostname_uuid`, as client-go). */
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** What runs while this process leads. */
  controllers: LedActor[];
}

type Msg = { op: 'retry' } | { op: 'status' };

/** What `status` answers: whether this process leads, as whom, and the lease's holder as last seen. */
export interface LeaderStatus {
  leading: boolean;
  identity: string;
  holder: string | undefined;
}

/** The leader elector actor. */
export class LeaderElector extends Actor<Msg, LeaderElectorProps> {
  static override readonly kind = 'helmsman.leader-elector';

  private identity = '';
  private config = LEADER_ELECTION_DEFAULTS;
  private leading = false;
  /** When the lease was last renewed by this process (monotonic ms). */
  private renewedAt = 0;
  /** The lease's record as last read, and when it last changed (monotonic ms). */
  private observed: { lease: Lease; record: string; at: number } | undefined;
  /** Controllers of an earlier term that are still stopping: a new term waits for them. */
  private stopping = 0;

  override preStart(): void {
    const p = this.props;
    this.identity = p.identity ?? `${hostname()}_${randomUUID()}`;
    this.config = {
      leaseDurationMs: p.leaseDurationMs ?? LEADER_ELECTION_DEFAULTS.leaseDurationMs,
      renewDeadlineMs: p.renewDeadlineMs ?? LEADER_ELECTION_DEFAULTS.renewDeadlineMs,
      retryPeriodMs: p.retryPeriodMs ?? LEADER_ELECTION_DEFAULTS.retryPeriodMs,
    };
    const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = this.config;
    // client-go's checks: the deadline must leave room before expiry, and retries before the deadline.
    if (!(leaseDurationMs > renewDeadlineMs)) throw new RangeError('leaseDurationMs must be greater than renewDeadlineMs');
    if (!(renewDeadlineMs > retryPeriodMs * 1.2)) throw new RangeError('renewDeadlineMs must be greater than 1.2 × retryPeriodMs');
    this.ctx.timers.once('retry', 0, { op: 'retry' });
  }

  async receive(msg: Msg): Promise<void> {
    if (msg.op === 'status') {
      this.ctx.reply({ leading: this.leading, identity: this.identity, holder: this.observed?.lease.spec.holderIdentity } satisfies LeaderStatus);
      return;
    }
    const renewed = await this.tryAcquireOrRenew();
    const now = this.ctx.clock.monotonic();
    if (renewed) {
      this.renewedAt = now;
      if (!this.leading) this.startLeading();
    } else if (this.leading && now - this.renewedAt >= this.config.renewDeadlineMs) this.stopLeading();
    // A follower retries with jitter (client-go's factor 1.2), so followers do not all try at once.
    const { retryPeriodMs } = this.config;
    this.ctx.timers.once('retry', this.leading ? retryPeriodMs : retryPeriodMs * (1 + Math.random() * 0.2), { op: 'retry' });
  }

  override onTerminated(_ref: ActorRef, _reason: TerminationReason): void {
    this.stopping = Math.max(0, this.stopping - 1);
    if (this.leading && this.stopping === 0 && this.ctx.children().length === 0) this.spawnControllers();
  }

  override postStop(): void {
    if (this.leading) console.error(`leader election: ${this.identity} stopped leading ${this.props.namespace}/${this.props.name}`);
  }

  /** One round of client-go's tryAcquireOrRenew: true when this process holds the lease now. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name } = this.props;
    const now = this.ctx.clock.monotonic();
    const wall = microTime(this.ctx.clock.now());
    const durationSeconds = Math.ceil(this.config.leaseDurationMs / 1000);
    // A leader's attempt may not outlast its renew deadline; a follower's may take a whole one.
    const timeoutMs = this.leading ? Math.max(100, this.config.renewDeadlineMs - (now - this.renewedAt)) : this.config.renewDeadlineMs;
    const got = await this.ask({ op: 'get', resource: 'leases', namespace, name, version: 'internal' }, timeoutMs);
    if (!got) return false;
    if (!got.ok) {
      if (got.error.code !== 404) return false;
      const spec: LeaseSpec = { holderIdentity: this.identity, leaseDurationSeconds: durationSeconds, acquireTime: wall, renewTime: wall, leaseTransitions: 0 };
      const created = await this.ask({ op: 'create', resource: 'leases', object: { kind: 'Lease', metadata: emptyMeta(name, namespace), spec }, version: 'internal' }, timeoutMs);
      return this.accept(created);
    }
    const lease = JSON.parse(got.body as string) as Lease;
    const record = JSON.stringify(lease.spec);
    if (this.observed?.record !== record) this.observed = { lease, record, at: now };
    else this.observed.lease = lease;
    const holder = lease.spec.holderIdentity;
    const expired = now - this.observed.at >= (lease.spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (holder && holder !== this.identity && !expired) return false;
    const mine = holder === this.identity;
    const spec: LeaseSpec = {
      holderIdentity: this.identity,
      leaseDurationSeconds: durationSeconds,
      acquireTime: mine ? lease.spec.acquireTime : wall,
      renewTime: wall,
      leaseTransitions: mine ? (lease.spec.leaseTransitions ?? 0) : (lease.spec.leaseTransitions ?? 0) + 1,
    };
    // The update carries the resourceVersion read: another process's write in between is a Conflict.
    const updated = await this.ask({ op: 'update', resource: 'leases', object: { ...lease, spec }, version: 'internal' }, timeoutMs);
    return this.accept(updated);
  }

  /** Records the lease this process just wrote; false when the write failed. */
  private accept(reply: RegistryReply | undefined): boolean {
    if (!reply?.ok) return false;
    const lease = JSON.parse(reply.body as string) as Lease;
    this.observed = { lease, record: JSON.stringify(lease.spec), at: this.ctx.clock.monotonic() };
    return true;
  }

  /** Asks the registry; a timeout or a dead registry is no answer (the round failed). */
  private async ask(msg: unknown, timeoutMs: number): Promise<RegistryReply | undefined> {
    try {
      return await this.ctx.ask<RegistryReply>(this.props.registry, msg, timeoutMs);
    } catch {
      return undefined;
    }
  }

  private startLeading(): void {
    this.leading = true;
    console.error(`leader election: ${this.identity} became leader of ${this.props.namespace}/${this.props.name}`);
    if (this.stopping === 0) this.spawnControllers();
  }

  private stopLeading(): void {
    this.leading = false;
    console.error(`leader election: ${this.identity} failed to renew ${this.props.namespace}/${this.props.name} within ${this.config.renewDeadlineMs} ms; stopping the controllers`);
    for (const child of this.ctx.children()) {
      this.stopping++;
      this.ctx.watch(child);
      this.ctx.stop(child);
    }
  }

  private spawnControllers(): void {
    for (const c of this.props.controllers) this.ctx.spawn(c.kind, c.name, c.props as never, { slot: c.slot });
  }
}

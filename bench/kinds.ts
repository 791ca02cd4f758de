/** Actor kinds the benchmarks run; every shard imports this module. */
import { Actor, type ActorRef } from '../src/kernel/index.js';

const PING = { kind: 'ping' };

type SinkMsg = { kind: 'ping' } | { seq: number; kind: 'ping' } | { kind: 'arm'; n: number } | { kind: 'wait' };

/** Counts pings: `arm` sets how many to expect, `wait` is answered once that many arrived. */
export class Sink extends Actor<SinkMsg> {
  static override readonly kind = 'bench.sink';
  count = 0;
  target = -1;
  waiter: ActorRef | null = null;
  receive(msg: SinkMsg): void {
    switch (msg.kind) {
      case 'ping':
        if (++this.count === this.target) this.done();
        return;
      case 'arm':
        this.count = 0;
        this.target = msg.n;
        this.waiter = null;
        this.ctx.reply('armed');
        return;
      case 'wait':
        this.waiter = this.ctx.sender;
        if (this.count >= this.target) this.done();
        return;
    }
  }
  private done(): void {
    if (this.waiter) this.ctx.send(this.waiter, this.count);
    this.waiter = null;
  }
}

type SourceMsg = { kind: 'go'; target: ActorRef; n: number; fresh: boolean } | { kind: 'more' };

/**
 * Messages a Source sends per turn: the shard's default per-turn throughput (64), so that sender and
 * receiver keep pace and the receiver's mailbox stays bounded, as in a steady stream.
 */
export const CHUNK = 64;
const MORE = { kind: 'more' as const };

/**
 * Sends `n` pings to `target`, `CHUNK` per turn (its own `more` message between turns keeps the
 * receiver's mailbox bounded, as in a steady stream): a shared constant, or fresh `{seq, kind}`.
 */
export class Source extends Actor<SourceMsg> {
  static override readonly kind = 'bench.source';
  target: ActorRef | null = null;
  sent = 0;
  total = 0;
  fresh = false;
  receive(msg: SourceMsg): void {
    if (msg.kind === 'go') {
      this.target = msg.target;
      this.sent = 0;
      this.total = msg.n;
      this.fresh = msg.fresh;
    }
    const target = this.target!;
    const end = Math.min(this.total, this.sent + CHUNK);
    if (this.fresh) for (let i = this.sent; i < end; i++) this.ctx.send(target, { seq: i, kind: 'ping' });
    else for (let i = this.sent; i < end; i++) this.ctx.send(target, PING);
    this.sent = end;
    if (end < this.total) this.ctx.send(this.ctx.self, MORE);
  }
}

type FanInMsg = { kind: 'setup'; senders: number } | { kind: 'go'; target: ActorRef; perSender: number };

/** Spawns `senders` Source children; on go, each sends `perSender` pings to the target. */
export class FanIn extends Actor<FanInMsg> {
  static override readonly kind = 'bench.fanIn';
  receive(msg: FanInMsg): void {
    if (msg.kind === 'setup') {
      for (let i = 0; i < msg.senders; i++) this.ctx.spawn(Source, `s${i}`, undefined);
      this.ctx.reply(msg.senders);
      return;
    }
    const go = { kind: 'go' as const, target: msg.target, n: msg.perSender, fresh: false };
    for (const child of this.ctx.children()) this.ctx.send(child, go);
  }
}

/** Replies with what it got. */
export class Echo extends Actor<unknown> {
  static override readonly kind = 'bench.echo';
  receive(msg: unknown): void {
    this.ctx.reply(msg);
  }
}

/** Asks `target` `n` times in a row and replies with every round trip in microseconds. */
export class Asker extends Actor<{ target: ActorRef; n: number }> {
  static override readonly kind = 'bench.asker';
  async receive(msg: { target: ActorRef; n: number }): Promise<void> {
    const replyTo = this.ctx.sender!;
    const micros: number[] = [];
    for (let i = 0; i < msg.n; i++) {
      const t0 = performance.now();
      await this.ctx.ask(msg.target, i, 1000);
      micros.push((performance.now() - t0) * 1000);
    }
    this.ctx.send(replyTo, micros);
  }
}

/** An actor with no state of its own: what an idle actor costs. Answers asks with true. */
export class Idle extends Actor<unknown> {
  static override readonly kind = 'bench.idle';
  receive(): void {
    this.ctx.reply(true);
  }
}

/** Spawns `n` idle children, then confirms the last one started by asking it. */
export class Spawner extends Actor<{ n: number; prefix: string }> {
  static override readonly kind = 'bench.spawner';
  async receive(msg: { n: number; prefix: string }): Promise<void> {
    const replyTo = this.ctx.sender!;
    const t0 = performance.now();
    let last: ActorRef | undefined;
    for (let i = 0; i < msg.n; i++) last = this.ctx.spawn(Idle, `${msg.prefix}${i}`, undefined);
    if (last) await this.ctx.ask(last, 'started?', 60_000);
    this.ctx.send(replyTo, performance.now() - t0);
  }
}

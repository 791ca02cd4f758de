/** The actor kinds of the kernel demo: minions that supervise pods. Every shard imports this module. */
import { Actor } from '../kernel/index.js';

type PodMsg = { type: 'ping' } | { type: 'crash' } | { type: 'count' };

/** A simulated pod: counts pings, crashes on request. */
export class DemoPod extends Actor<PodMsg> {
  static override readonly kind = 'demo.pod';
  pings = 0;
  receive(msg: PodMsg): void {
    if (msg.type === 'ping') this.pings++;
    else if (msg.type === 'count') this.ctx.reply(this.pings);
    else throw new Error(`${this.ctx.name} crashed on purpose`);
  }
}

type MinionMsg =
  | { type: 'ping'; n: number }
  | { type: 'pings' }
  | { type: 'crashPod'; index: number }
  | { type: 'pods' }
  | { type: 'exitShard' };

const PING = { type: 'ping' } as const;

/** A simulated minion: supervises its pods (one_for_one, lenient), fans pings out to them. */
export class DemoMinion extends Actor<MinionMsg, { pods: number }> {
  static override readonly kind = 'demo.minion';
  static override readonly supervision = { strategy: 'one_for_one' as const, intensity: 100, periodMs: 1000 };
  override preStart(): void {
    for (let i = 0; i < this.props.pods; i++) this.ctx.spawn(DemoPod, `pod-${i}`, undefined);
  }
  async receive(msg: MinionMsg): Promise<void> {
    switch (msg.type) {
      case 'ping':
        for (const pod of this.ctx.children()) for (let i = 0; i < msg.n; i++) this.ctx.send(pod, PING);
        return;
      case 'pings': {
        const replyTo = this.ctx.sender;
        const counts = await Promise.all(this.ctx.children().map((pod) => this.ctx.ask<number>(pod, { type: 'count' })));
        if (replyTo) this.ctx.send(replyTo, counts.reduce((a, b) => a + b, 0));
        return;
      }
      case 'crashPod': {
        const pod = this.ctx.child(`pod-${msg.index}`);
        if (pod) this.ctx.send(pod, { type: 'crash' });
        return;
      }
      case 'pods':
        this.ctx.reply(this.ctx.children().length);
        return;
      case 'exitShard':
        process.exit(1);
    }
  }
}

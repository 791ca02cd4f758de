/**
 * WatchRelay: the registry's deliveries to one other shard. A change most often has several
 * watchers on a shard (the scheduler, a replication controller, the endpoints controller, the
 * pod's minion); sent to each, its JSON crossed the thread once per watcher and was copied each
 * time. The registry sends the changes of a turn to the shard's relay instead, each change's JSON
 * once with the watchers it is for; the relay parses it once and hands every one of them the same
 * object (`WatchEvent.shared`: read, never changed), as the registry does for its own shard.
 *
 * Watch events reach a watcher in the order the registry sent them to this relay; what the
 * registry sends a watcher directly (the initial list, SYNCED, GONE) goes before any change
 * relayed after it.
 */
import { Actor, makeRef } from '../kernel/index.js';
import type { ApiObject } from '../api/model.js';
import type { WatchEvent } from './protocol.js';

/**
 * A relayed batch, flat: per change its internal JSON, its revision and its watchers, the last
 * flat too: `[inbox id, watch id, event type] × n`.
 */
export type RelayBatch = (string | number | (number | string)[])[];

/** The relay actor: one per shard that has watchers of the registry's. */
export class WatchRelay extends Actor<RelayBatch> {
  static override readonly kind = 'helmsman.watch-relay';

  receive(batch: RelayBatch): void {
    const slot = this.ctx.self.slot;
    for (let i = 0; i + 2 < batch.length; i += 3) {
      const object = JSON.parse(batch[i] as string) as ApiObject;
      const revision = batch[i + 1] as number;
      const targets = batch[i + 2] as (number | string)[];
      for (let j = 0; j + 2 < targets.length; j += 3) {
        const event: WatchEvent = { watch: targets[j + 1] as string, type: targets[j + 2] as WatchEvent['type'], shared: object, revision };
        this.ctx.send(makeRef(targets[j] as number, slot), event);
      }
    }
  }
}

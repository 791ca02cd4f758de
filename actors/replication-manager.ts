/**
 * The replication manager: watches ReplicationController objects and runs one replication
 * controller actor per controller (its children, spread over the shards), telling each of
 * changes to its object and stopping it when the object is deleted (its pods stay, as in 2014:
 * `kubecfg stop` resizes to 0 before `rm`).
 */
import { hashName, type ActorRef } from '../src/kernel/index.js';
import type { ReplicationController } from '../src/api/model.js';
import { Controller, type ControllerProps } from '../src/cluster/controller.js';
import { ReplicationControllerActor, type ReplicationControllerMsg } from './replication-controller.js';

/** Props of the replication manager. */
export interface ReplicationManagerProps extends ControllerProps {
  /** Shards to spread the controllers over. */
  shards: number;
}

/** The replication manager actor. */
export class ReplicationManager extends Controller<never, ReplicationManagerProps> {
  static override readonly kind = 'helmsman.replication-manager';

  private readonly children = new Map<string, ActorRef<ReplicationControllerMsg>>();

  override preStart(): void {
    this.inform<ReplicationController>({
      name: 'rcs',
      resource: 'replicationcontrollers',
      onChange: (_key, rc, prev) => {
        const uid = (rc ?? prev)!.metadata.uid;
        const child = this.children.get(uid);
        if (!rc) {
          if (child) this.ctx.stop(child);
          this.children.delete(uid);
        } else if (child) this.ctx.send(child, { op: 'update', rc });
        else {
          const slot = hashName(uid) % this.props.shards;
          this.children.set(uid, this.ctx.spawn(ReplicationControllerActor, uid, { registry: this.props.registry, eventsRegistry: this.props.eventsRegistry, rc }, { slot }));
        }
      },
    });
  }

}

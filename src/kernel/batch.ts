/**
 * The envelope batch format. Consecutive envelopes with the same target, sender and flag share one
 * header, so a stream from one actor to another costs little more than its payloads on the wire
 * (JSON.parse of the batch is the receiving shard's main cost, see codec.ts):
 *
 *   [target, senderId, senderSlot, flag, count, payload × count, target, ...]
 */

/** Values in a group header. */
export const HEADER = 5;

/** BatchBuilder accumulates envelopes for one destination. */
export class BatchBuilder {
  /** Envelopes added since the last `take`. */
  messages = 0;
  private flat: unknown[] = [];
  private countAt = -1;
  private target = 0;
  private sid = 0;
  private sslot = 0;
  private flag = -1;

  /** Adds one envelope. */
  add(target: number, sid: number, sslot: number, flag: number, payload: unknown): void {
    const flat = this.flat;
    if (this.countAt >= 0 && target === this.target && sid === this.sid && flag === this.flag && sslot === this.sslot) {
      (flat[this.countAt] as number)++;
    } else {
      this.countAt = flat.length + 4;
      this.target = target;
      this.sid = sid;
      this.sslot = sslot;
      this.flag = flag;
      flat.push(target, sid, sslot, flag, 1);
    }
    flat.push(payload);
    this.messages++;
  }

  /** Takes the batch built so far and starts a new one. */
  take(): unknown[] {
    const flat = this.flat;
    this.flat = [];
    this.countAt = -1;
    this.flag = -1;
    this.messages = 0;
    return flat;
  }
}

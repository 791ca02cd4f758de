/**
 * Actor ids. An id is unique in its system and a small integer (a V8 Smi, below 2^30), because ids
 * travel in every envelope and key every lookup: a larger number would be boxed on each send.
 * The main thread grants each node blocks of ids; a node asks for the next block when half of the
 * current one is used, so a spawn never waits.
 */

/** Ids in one grant. */
export const ID_BLOCK = 2 ** 22;
/** Ids stay below this (the Smi range on 64-bit V8). */
export const ID_LIMIT = 2 ** 30;

/** IdGrants (main thread) hands out blocks. After 2^30 spawns it starts over, reusing the oldest ids. */
export class IdGrants {
  // Block 0 holds the reserved ids: 0 (the guardian's supervisor) and 1 (the guardian).
  private next = 1;
  wrapped = false;

  /** The first id of a fresh block. */
  grant(): number {
    if (this.next >= ID_LIMIT / ID_BLOCK) {
      this.next = 1;
      this.wrapped = true;
    }
    return this.next++ * ID_BLOCK;
  }
}

/** IdBlock is one node's supply: the block in use and the next one, requested ahead of need. */
export class IdBlock {
  private nextId: number;
  private end: number;
  private spare: number | undefined;
  private requested = false;

  constructor(
    base: number,
    private readonly request: () => void,
  ) {
    this.nextId = base;
    this.end = base + ID_BLOCK;
  }

  /** The next id; asks for another block once half of this one is used. */
  take(): number {
    if (this.nextId >= this.end) {
      if (this.spare === undefined) throw new Error('actor ids exhausted on this shard: no id block was granted in time');
      this.nextId = this.spare;
      this.end = this.spare + ID_BLOCK;
      this.spare = undefined;
      this.requested = false;
    }
    if (!this.requested && this.end - this.nextId <= ID_BLOCK / 2) {
      this.requested = true;
      this.request();
    }
    return this.nextId++;
  }

  /** Receives a granted block. */
  supply(base: number): void {
    this.spare = base;
  }
}

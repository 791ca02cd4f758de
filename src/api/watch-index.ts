/**
 * WatchIndex finds the watchers a change may concern without testing every watcher: a watcher
 * whose filter pins a pod's host (`spec.host=minion-1`) or a label (`name=redis`) is filed under
 * that value, and a change is offered only to the watchers filed under its object's host and labels
 * (before and after the change), plus those whose filters pin nothing. A thousand minions each
 * watching their own pods then cost one lookup per change, not a thousand selector tests.
 */
import type { ApiObject } from './model.js';
import type { Filter } from './filter.js';
import { forEachPin, pinOf, samePins } from './pins.js';

/** What the index needs of a watcher. */
export interface Indexed {
  readonly filter: Filter;
}

/** Watchers of one resource, filed by the value their filter pins. */
export class WatchIndex<W extends Indexed> {
  private readonly byKey = new Map<string, Set<W>>();
  private readonly unpinned = new Set<W>();
  private readonly keys = new Map<W, string | undefined>();
  private readonly seen = new Set<W>();

  /** How many watchers are filed. */
  get size(): number {
    return this.keys.size;
  }

  add(w: W): void {
    const key = pinOf(w.filter);
    this.keys.set(w, key);
    if (key === undefined) this.unpinned.add(w);
    else {
      let set = this.byKey.get(key);
      if (!set) this.byKey.set(key, (set = new Set()));
      set.add(w);
    }
  }

  delete(w: W): void {
    if (!this.keys.has(w)) return;
    const key = this.keys.get(w);
    this.keys.delete(w);
    if (key === undefined) this.unpinned.delete(w);
    else {
      const set = this.byKey.get(key)!;
      set.delete(w);
      if (set.size === 0) this.byKey.delete(key);
    }
  }

  /** Calls `fn` once for every watcher that may see `object` or `prev` (a superset; filters still apply). */
  forEach(object: ApiObject, prev: ApiObject | undefined, fn: (w: W) => void): void {
    for (const w of this.unpinned) fn(w);
    if (this.byKey.size === 0) return;
    const seen = this.seen;
    seen.clear();
    const visit = (key: string): void => {
      const set = this.byKey.get(key);
      if (set) for (const w of set) if (!seen.has(w)) (seen.add(w), fn(w));
    };
    forEachPin(object, visit);
    if (prev && !samePins(prev, object)) forEachPin(prev, visit);
  }
}

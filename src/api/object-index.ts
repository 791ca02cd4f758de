/**
 * ObjectIndex: one resource's objects by store key, also filed under their pins (host, labels),
 * so a list or an initial watch whose filter pins a value visits only the objects filed under it
 * — a thousand controllers each listing their own pods then cost what their pods cost, not a
 * thousand scans of every pod.
 */
import type { ApiObject } from './model.js';
import type { Filter } from './filter.js';
import { forEachPin, pinOf, samePins } from './pins.js';

/** Objects by key, with a pin index. */
export class ObjectIndex {
  private readonly all = new Map<string, ApiObject>();
  private readonly byPin = new Map<string, Set<string>>();

  get size(): number {
    return this.all.size;
  }

  get(key: string): ApiObject | undefined {
    return this.all.get(key);
  }

  values(): IterableIterator<ApiObject> {
    return this.all.values();
  }

  set(key: string, obj: ApiObject): void {
    const prev = this.all.get(key);
    this.all.set(key, obj);
    // Most writes (a status, a binding's other fields) leave the pins as they were.
    if (prev && samePins(prev, obj)) return;
    if (prev) this.unfile(key, prev);
    forEachPin(obj, (pin) => {
      let keys = this.byPin.get(pin);
      if (!keys) this.byPin.set(pin, (keys = new Set()));
      keys.add(key);
    });
  }

  /** Forgets every object. */
  clear(): void {
    this.all.clear();
    this.byPin.clear();
  }

  delete(key: string): void {
    const prev = this.all.get(key);
    if (!prev) return;
    this.unfile(key, prev);
    this.all.delete(key);
  }

  /** The objects that may pass `filter` (a superset: the filter still applies). */
  *candidates(filter: Filter): IterableIterator<ApiObject> {
    const pin = pinOf(filter);
    if (pin === undefined) {
      yield* this.all.values();
      return;
    }
    for (const key of this.byPin.get(pin) ?? []) yield this.all.get(key)!;
  }

  private unfile(key: string, obj: ApiObject): void {
    forEachPin(obj, (pin) => {
      const keys = this.byPin.get(pin);
      if (!keys) return;
      keys.delete(key);
      if (keys.size === 0) this.byPin.delete(pin);
    });
  }
}

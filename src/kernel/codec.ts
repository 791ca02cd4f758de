/**
 * How a batch of envelopes crosses a thread. Measured on this 2-core machine (REFERENCE.md §5 and
 * bench/actors): V8's JSON.stringify + JSON.parse of small plain objects costs about half of a
 * structured clone, so a batch whose payloads all survive JSON unchanged travels as one string and
 * anything else (Map, Date, typed arrays, undefined, NaN, cycles, class instances) falls back to
 * structured clone. Either way the receiver gets exactly what was sent.
 */

/** A batch as posted: JSON text, or the array itself for structured clone. */
export type WireBatch = string | unknown[];

const OBJECT_PROTO = Object.prototype;
const MAX_DEPTH = 32;
/** Strings at least this long are copied by structured clone faster than JSON escapes and unescapes them. */
const LONG_STRING = 256;

// What the last isJsonSafe walk saw: values, and characters in long strings.
let walkedValues = 0;
let longStringChars = 0;

/**
 * Whether `value` round-trips through JSON to an equal value: null, booleans, finite numbers
 * (not -0), strings, dense arrays and plain objects of those without undefined properties.
 */
export function isJsonSafe(value: unknown, depth = 0): boolean {
  walkedValues++;
  switch (typeof value) {
    case 'string':
      if (value.length >= LONG_STRING) longStringChars += value.length;
      return true;
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (depth >= MAX_DEPTH) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!(i in value) || !isJsonSafe(value[i], depth + 1)) return false;
        }
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== OBJECT_PROTO && proto !== null) return false;
      // `toJSON` would make JSON.stringify lie about the value.
      if ('toJSON' in (value as object)) return false;
      for (const key in value as Record<string, unknown>) {
        if (!isJsonSafe((value as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * Encodes a batch (batch.ts): JSON text when all of it is JSON-safe and it is mostly small values,
 * else the array for structured clone — which also wins when long strings (pre-encoded objects,
 * say) make up most of it: a clone copies them, JSON would escape and unescape every quote.
 */
export function encodeBatch(flat: unknown[]): WireBatch {
  walkedValues = longStringChars = 0;
  if (!isJsonSafe(flat, -1)) return flat;
  return longStringChars > walkedValues * 20 ? flat : JSON.stringify(flat);
}

/** Decodes what `encodeBatch` produced back into the flat envelope array. */
export function decodeBatch(wire: WireBatch): unknown[] {
  return typeof wire === 'string' ? (JSON.parse(wire) as unknown[]) : wire;
}

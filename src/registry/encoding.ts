/**
 * The registry's encodings: each object's wire JSON per API version, made once (objects are never
 * changed once stored) and kept as long as the object is, and lists joined from them in shared
 * memory.
 */
import type { ApiObject } from '../api/model.js';
import { CODECS, type WireVersion } from '../api/codecs.js';
import type { ApiVersion } from './protocol.js';

const encodings = new Map<WireVersion, WeakMap<ApiObject, string>>();
const encodedBytes = new Map<WireVersion, WeakMap<ApiObject, Buffer>>();

/** An object in the encoding a request asked for. */
export function encodeAs(obj: ApiObject, version: ApiVersion): string {
  return version === 'internal' ? JSON.stringify(obj) : encode(obj, version);
}

/** The wire JSON of an object, cached. */
export function encode(obj: ApiObject, version: WireVersion): string {
  let cache = encodings.get(version);
  if (!cache) encodings.set(version, (cache = new WeakMap()));
  let json = cache.get(obj);
  if (json === undefined) {
    json = JSON.stringify(CODECS[version].encode(obj));
    cache.set(obj, json);
  }
  return json;
}

/** The same as bytes, cached too: a list is then a concatenation of bytes. */
export function encodeBytes(obj: ApiObject, version: WireVersion): Buffer {
  let cache = encodedBytes.get(version);
  if (!cache) encodedBytes.set(version, (cache = new WeakMap()));
  let bytes = cache.get(obj);
  if (bytes === undefined) {
    bytes = Buffer.from(encode(obj, version));
    cache.set(obj, bytes);
  }
  return bytes;
}

/** Joins encoded items into one list document in shared memory: `head`, the items, then each of `tail`. */
export function listBytes(head: string, tail: string[], items: Buffer[]): SharedArrayBuffer {
  let itemsLength = Math.max(0, items.length - 1);
  for (const b of items) itemsLength += b.length;
  const parts = [head, ...tail];
  const length = parts.reduce((n, p) => n + Buffer.byteLength(p), 0) + itemsLength * tail.length;
  const sab = new SharedArrayBuffer(length);
  const out = Buffer.from(sab);
  let at = out.write(head, 0);
  for (const t of tail) {
    for (let i = 0; i < items.length; i++) {
      if (i > 0) out[at++] = 0x2c; // ','
      at += items[i]!.copy(out, at);
    }
    at += out.write(t, at);
  }
  return sab;
}

/** What `storeValue` leaves where the revision goes. */
const NO_REVISION = '"resourceVersion":0,';

/** The stored form of an object: its JSON with resourceVersion 0 (the store's mod revision is that). */
export function storeValue(object: ApiObject): string {
  object.metadata.resourceVersion = 0;
  return JSON.stringify(object);
}

/**
 * The internal JSON of a stored object at `revision`, made from its stored value: a copy with the
 * revision put in, where a second `JSON.stringify` of the object would walk it all again.
 */
export function internalJson(value: string, revision: number): string {
  // Quotes inside strings are escaped, so the first match is metadata's own key.
  const at = value.indexOf(NO_REVISION);
  if (at < 0) {
    const object = JSON.parse(value) as ApiObject;
    object.metadata.resourceVersion = revision;
    return JSON.stringify(object);
  }
  return `${value.slice(0, at)}"resourceVersion":${revision},${value.slice(at + NO_REVISION.length)}`;
}

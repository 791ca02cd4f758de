/**
 * Pins: the values a filter fixes that an index can look up — a pod's host (`spec.host=minion-1`)
 * or one label equality (`name=redis`) — and the same keys for an object, so that watchers and
 * lists that pin something need look only at the objects filed under it.
 */
import type { ApiObject } from './model.js';
import type { Filter } from './filter.js';

/** The fields that name a pod's host (every alias a client may use). */
const HOST_FIELDS = new Set(['spec.host', 'spec.nodeName', 'DesiredState.Host']);

/** The key a filter pins (its host, else its first label equality), or undefined. */
export function pinOf(filter: Filter): string | undefined {
  for (const r of filter.fields?.requirements ?? []) {
    if ((r.operator === '=' || r.operator === '==') && HOST_FIELDS.has(r.field)) return `host\0${r.value}`;
  }
  for (const r of filter.labels?.requirements ?? []) {
    if (r.operator === '=' || r.operator === '==' || (r.operator === 'in' && r.values.length === 1)) return `label\0${r.key}\0${r.values[0]}`;
  }
  return undefined;
}

/** Calls `fn` with every key an object is filed under. */
export function forEachPin(obj: ApiObject, fn: (key: string) => void): void {
  if (obj.kind === 'Pod') fn(`host\0${obj.spec.host}`);
  const labels = obj.metadata.labels;
  for (const k in labels) fn(`label\0${k}\0${labels[k]}`);
}

/** Whether two states of an object are filed under the same keys (same host, same labels). */
export function samePins(a: ApiObject, b: ApiObject): boolean {
  if (a.kind === 'Pod' && b.kind === 'Pod' && a.spec.host !== b.spec.host) return false;
  const la = a.metadata.labels;
  const lb = b.metadata.labels;
  if (la === lb) return true;
  let n = 0;
  for (const k in la) {
    if (la[k] !== lb[k]) return false;
    n++;
  }
  for (const _ in lb) n--;
  return n === 0;
}

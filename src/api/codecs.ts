/**
 * The wire versions the API serves, as the registry needs them: how an object is encoded, the list
 * envelope around encoded items, how a kind is named in error messages, and the watch event that
 * ends a stream whose history was lost. v1beta1 is the seed's API (kubecfg); v1 is kubectl's (core/v1
 * and the v1 of the API groups served).
 */
import type { ApiObject } from './model.js';
import { qualifiedKind, qualifiedResource, RESOURCES, type Resource } from './resources.js';
import { renderStatus, type StatusInfo } from './status.js';
import { toV1, v1ListEnvelope, v1Path } from './v1.js';
import { toV1beta1, v1beta1ListEnvelope, v1beta1Path } from './v1beta1.js';

/** A wire version. */
export type WireVersion = 'v1beta1' | 'v1';

/** What the registry needs of a wire version. */
export interface WireCodec {
  /** The wire form of an internal object. */
  encode(obj: ApiObject): Record<string, unknown>;
  /** The list document around encoded items: `head`, items joined by ',', then each of `tail`. */
  listEnvelope(resource: Resource, revision: number): { head: string; tail: string[] };
  /** How errors name a resource: `pods` in v1 (`pods "x" not found`; `leases.coordination.k8s.io` in a group), `pod` in v1beta1. */
  kindName(resource: Resource): string;
  /** The body of a successful DELETE: a Status, or the deleted object. */
  deleted(obj: ApiObject): string;
  /** How Invalid errors name a kind: `Pod`, `Minion` in v1beta1, `Lease.coordination.k8s.io` in v1. */
  invalidKind(resource: Resource): string;
  /** A validation cause's field (an internal path, validation.ts) in this version's terms. */
  fieldPath(resource: Resource, path: string): string;
}

/** Every wire version's codec. */
export const CODECS: Record<WireVersion, WireCodec> = {
  v1beta1: {
    encode: toV1beta1,
    listEnvelope: v1beta1ListEnvelope,
    kindName: (resource) => RESOURCES[resource].singular,
    deleted: () => '{"kind":"Status","apiVersion":"v1beta1","status":"Success","code":200}',
    invalidKind: (resource) => RESOURCES[resource].v1beta1?.kind ?? RESOURCES[resource].kind,
    fieldPath: v1beta1Path,
  },
  v1: {
    encode: toV1,
    listEnvelope: v1ListEnvelope,
    kindName: qualifiedResource,
    deleted: (obj) => JSON.stringify(toV1(obj)),
    invalidKind: qualifiedKind,
    fieldPath: v1Path,
  },
};

/** The watch event that ends a stream whose history is lost: clients list again and re-watch. */
export function watchGoneLine(version: WireVersion): string {
  const info: StatusInfo = { code: 410, reason: 'Gone', message: 'the registry restarted; watch again from a fresh list' };
  return JSON.stringify({ type: 'ERROR', object: renderStatus(info, version) });
}

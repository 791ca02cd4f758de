import type { ApiObject, Kind } from './model.js';
import { notFound } from './status.js';

/** The resources of the 2014 API: v1beta1 serves them, as core/v1 does. */
export type V1beta1Resource = 'pods' | 'replicationcontrollers' | 'services' | 'nodes' | 'endpoints' | 'events' | 'namespaces';

/** The internal name of a resource (its plural, as the API's paths have it). Newer ones than v1beta1's are served in API groups only. */
export type Resource = V1beta1Resource | 'leases';

/**
 * An API group and version: core/v1 (group '') is served under `/api/v1`, any other under
 * `/apis/{group}/{version}`.
 */
export interface GroupVersion {
  group: string;
  version: string;
}

/** A resource's names under /api/v1beta1. */
export interface V1beta1Names {
  path: string;
  kind: string;
  listKind: string;
}

/** What the API knows about one resource. */
export interface ResourceInfo extends GroupVersion {
  resource: Resource;
  kind: Kind;
  /** Lower-case singular, used in messages (`pod "x" not found`). */
  singular: string;
  namespaced: boolean;
  /** The path segment and kinds under /api/v1beta1; none for a resource the 2014 API did not have. */
  v1beta1?: V1beta1Names;
  /** Field-selector fields: every name a client may use, mapped to a getter on the object. */
  fields: Record<string, (obj: ApiObject) => string | undefined>;
}

const name = (o: ApiObject) => o.metadata.name;
const namespace = (o: ApiObject) => o.metadata.namespace;
const meta = { 'metadata.name': name, 'metadata.namespace': namespace };
// 2014 clients selected on `name` too.
const common = { name, ...meta };
const core = { group: '', version: 'v1' };

/** Each resource's info: exactly the 2014 resources have a v1beta1 form. */
type ResourceTable = { [R in Resource]: ResourceInfo & (R extends V1beta1Resource ? { v1beta1: V1beta1Names } : { v1beta1?: never }) };

/** Every resource, by internal name. */
export const RESOURCES: ResourceTable = {
  pods: {
    resource: 'pods',
    kind: 'Pod',
    singular: 'pod',
    namespaced: true,
    ...core,
    v1beta1: { path: 'pods', kind: 'Pod', listKind: 'PodList' },
    fields: {
      ...common,
      'DesiredState.Host': (o) => (o.kind === 'Pod' ? o.spec.host : undefined),
      'spec.host': (o) => (o.kind === 'Pod' ? o.spec.host : undefined),
      'spec.nodeName': (o) => (o.kind === 'Pod' ? o.spec.host : undefined),
      'CurrentState.Status': (o) => (o.kind === 'Pod' ? v1beta1PodStatus(o.status.phase) : undefined),
      'status.phase': (o) => (o.kind === 'Pod' ? o.status.phase : undefined),
    },
  },
  replicationcontrollers: {
    resource: 'replicationcontrollers',
    kind: 'ReplicationController',
    singular: 'replicationController',
    namespaced: true,
    ...core,
    v1beta1: { path: 'replicationControllers', kind: 'ReplicationController', listKind: 'ReplicationControllerList' },
    fields: { ...common },
  },
  services: {
    resource: 'services',
    kind: 'Service',
    singular: 'service',
    namespaced: true,
    ...core,
    v1beta1: { path: 'services', kind: 'Service', listKind: 'ServiceList' },
    fields: { ...common },
  },
  nodes: {
    resource: 'nodes',
    kind: 'Node',
    singular: 'minion',
    namespaced: false,
    ...core,
    v1beta1: { path: 'minions', kind: 'Minion', listKind: 'MinionList' },
    fields: { ...common },
  },
  endpoints: {
    resource: 'endpoints',
    kind: 'Endpoints',
    singular: 'endpoints',
    namespaced: true,
    ...core,
    v1beta1: { path: 'endpoints', kind: 'Endpoints', listKind: 'EndpointsList' },
    fields: { ...common },
  },
  events: {
    resource: 'events',
    kind: 'Event',
    singular: 'event',
    namespaced: true,
    ...core,
    v1beta1: { path: 'events', kind: 'Event', listKind: 'EventList' },
    fields: {
      ...common,
      'involvedObject.name': (o) => (o.kind === 'Event' ? o.involvedObject.name : undefined),
      'involvedObject.kind': (o) => (o.kind === 'Event' ? o.involvedObject.kind : undefined),
      'involvedObject.namespace': (o) => (o.kind === 'Event' ? o.involvedObject.namespace : undefined),
      'involvedObject.uid': (o) => (o.kind === 'Event' ? o.involvedObject.uid : undefined),
      reason: (o) => (o.kind === 'Event' ? o.reason : undefined),
      source: (o) => (o.kind === 'Event' ? o.source.component : undefined),
    },
  },
  namespaces: {
    resource: 'namespaces',
    kind: 'Namespace',
    singular: 'namespace',
    namespaced: false,
    ...core,
    v1beta1: { path: 'namespaces', kind: 'Namespace', listKind: 'NamespaceList' },
    fields: { ...common, 'status.phase': (o) => (o.kind === 'Namespace' ? o.status.phase : undefined) },
  },
  leases: {
    resource: 'leases',
    kind: 'Lease',
    singular: 'lease',
    namespaced: true,
    group: 'coordination.k8s.io',
    version: 'v1',
    fields: { ...meta },
  },
};

/** The resource of each kind. */
export const RESOURCE_OF_KIND = Object.fromEntries(Object.values(RESOURCES).map((r) => [r.kind, r.resource])) as Record<Kind, Resource>;

/** The v1beta1 path segment → resource (ResourceTable gives a v1beta1 form to exactly the V1beta1Resources). */
export const V1BETA1_PATHS: Record<string, V1beta1Resource> = Object.fromEntries(
  Object.values(RESOURCES).flatMap((r) => (r.v1beta1 ? [[r.v1beta1.path, r.resource as V1beta1Resource]] : [])),
);

/**
 * `resource` as v1beta1 knows it: one the 2014 API did not have (leases) is not found there. The one
 * gate between what the API serves and what v1beta1 can encode.
 */
export function v1beta1Resource(resource: Resource): V1beta1Resource {
  const info = RESOURCES[resource];
  if (!info.v1beta1) throw notFound('resource', resource);
  return resource as V1beta1Resource;
}

/** A group version's `apiVersion`: `v1` for core, `coordination.k8s.io/v1` for a group. */
export function apiVersionOf(gv: GroupVersion): string {
  return gv.group ? `${gv.group}/${gv.version}` : gv.version;
}

/** Where a group version is served: `/api/v1`, `/apis/coordination.k8s.io/v1`. */
export function apiPathOf(gv: GroupVersion): string {
  return gv.group ? `/apis/${gv.group}/${gv.version}` : `/api/${gv.version}`;
}

/** A group version the API serves, and its resources. */
export interface ServedGroupVersion extends GroupVersion {
  resources: ResourceInfo[];
}

/** Every group version the API serves (core/v1 first), with its resources. */
export const GROUP_VERSIONS: ServedGroupVersion[] = [];
for (const info of Object.values(RESOURCES)) {
  let gv = GROUP_VERSIONS.find((g) => g.group === info.group && g.version === info.version);
  if (!gv) GROUP_VERSIONS.push((gv = { group: info.group, version: info.version, resources: [] }));
  gv.resources.push(info);
}

/**
 * How errors name a resource of an API group: `leases.coordination.k8s.io` (Kubernetes'
 * GroupResource), a core one by its plural alone (`pods`).
 */
export function qualifiedResource(resource: Resource): string {
  const { group } = RESOURCES[resource];
  return group ? `${resource}.${group}` : resource;
}

/** How Invalid errors name a kind: `Lease.coordination.k8s.io` (Kubernetes' GroupKind), `Pod` in core. */
export function qualifiedKind(resource: Resource): string {
  const { kind, group } = RESOURCES[resource];
  return group ? `${kind}.${group}` : kind;
}

/** The store key of an object: `/registry/<resource>/<namespace>/<name>` (no namespace for nodes). */
export function storeKey(resource: Resource, namespace: string, objName: string): string {
  return RESOURCES[resource].namespaced ? `/registry/${resource}/${namespace}/${objName}` : `/registry/${resource}/${objName}`;
}

/** The v1beta1 `status` of a pod phase. */
export function v1beta1PodStatus(phase: string): 'Waiting' | 'Running' | 'Terminated' {
  return phase === 'Running' ? 'Running' : phase === 'Succeeded' || phase === 'Failed' ? 'Terminated' : 'Waiting';
}

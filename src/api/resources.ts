import type { ApiObject, Kind } from './model.js';

/** The internal name of a resource (the core/v1 plural). */
export type Resource = 'pods' | 'replicationcontrollers' | 'services' | 'nodes' | 'endpoints' | 'events' | 'namespaces';

/** What the API knows about one resource. */
export interface ResourceInfo {
  resource: Resource;
  kind: Kind;
  /** Lower-case singular, used in messages (`pod "x" not found`). */
  singular: string;
  namespaced: boolean;
  /** The path segment and kinds under /api/v1beta1. */
  v1beta1: { path: string; kind: string; listKind: string };
  /** Field-selector fields: every name a client may use, mapped to a getter on the object. */
  fields: Record<string, (obj: ApiObject) => string | undefined>;
}

const name = (o: ApiObject) => o.metadata.name;
const namespace = (o: ApiObject) => o.metadata.namespace;
const common = { name, 'metadata.name': name, 'metadata.namespace': namespace };

/** Every resource, by internal name. */
export const RESOURCES: Record<Resource, ResourceInfo> = {
  pods: {
    resource: 'pods',
    kind: 'Pod',
    singular: 'pod',
    namespaced: true,
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
    v1beta1: { path: 'replicationControllers', kind: 'ReplicationController', listKind: 'ReplicationControllerList' },
    fields: { ...common },
  },
  services: {
    resource: 'services',
    kind: 'Service',
    singular: 'service',
    namespaced: true,
    v1beta1: { path: 'services', kind: 'Service', listKind: 'ServiceList' },
    fields: { ...common },
  },
  nodes: {
    resource: 'nodes',
    kind: 'Node',
    singular: 'minion',
    namespaced: false,
    v1beta1: { path: 'minions', kind: 'Minion', listKind: 'MinionList' },
    fields: { ...common },
  },
  endpoints: {
    resource: 'endpoints',
    kind: 'Endpoints',
    singular: 'endpoints',
    namespaced: true,
    v1beta1: { path: 'endpoints', kind: 'Endpoints', listKind: 'EndpointsList' },
    fields: { ...common },
  },
  events: {
    resource: 'events',
    kind: 'Event',
    singular: 'event',
    namespaced: true,
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
    v1beta1: { path: 'namespaces', kind: 'Namespace', listKind: 'NamespaceList' },
    fields: { ...common, 'status.phase': (o) => (o.kind === 'Namespace' ? o.status.phase : undefined) },
  },
};

/** The resource of each kind. */
export const RESOURCE_OF_KIND = Object.fromEntries(Object.values(RESOURCES).map((r) => [r.kind, r.resource])) as Record<Kind, Resource>;

/** The v1beta1 path segment → resource. */
export const V1BETA1_PATHS: Record<string, Resource> = Object.fromEntries(
  Object.values(RESOURCES).map((r) => [r.v1beta1.path, r.resource]),
);

/** The store key of an object: `/registry/<resource>/<namespace>/<name>` (no namespace for nodes). */
export function storeKey(resource: Resource, namespace: string, objName: string): string {
  return RESOURCES[resource].namespaced ? `/registry/${resource}/${namespace}/${objName}` : `/registry/${resource}/${objName}`;
}

/** The v1beta1 `status` of a pod phase. */
export function v1beta1PodStatus(phase: string): 'Waiting' | 'Running' | 'Terminated' {
  return phase === 'Running' ? 'Running' : phase === 'Succeeded' || phase === 'Failed' ? 'Terminated' : 'Waiting';
}

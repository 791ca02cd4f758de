/**
 * Which registry serves a resource. A cluster keeps its events in a registry of their own, on
 * another shard and over a store of their own, as Kubernetes clusters keep events in an etcd of
 * their own (kube-apiserver's `--etcd-servers-overrides=/events#…`): a burst writes more events
 * than anything else, and none of the cluster's controllers reads them.
 */
import type { ActorRef } from '../kernel/index.js';
import type { Resource } from '../api/resources.js';

/** The registries of a cluster: the main one, and the one of events when they are kept apart. */
export interface Registries {
  main: ActorRef;
  /** The registry of events (default: the main one). */
  events?: ActorRef;
}

/** The registry that serves `resource`. */
export function registryFor(registries: Registries, resource: Resource): ActorRef {
  return resource === 'events' && registries.events ? registries.events : registries.main;
}

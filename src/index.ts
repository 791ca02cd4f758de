/** helmsman: a cluster manager in the shape of 2014 Kubernetes, on an actor runtime over worker threads. */
export * from './kernel/index.js';
export { Cluster, CLUSTER_MODULES, type ClusterOptions } from './cluster/cluster.js';
export { ClusterClient, type ChangeType, type ObjectTypes, type Selection } from './cluster/client.js';
export type { BackoffConfig } from './cluster/backoff.js';
export type { Route } from '../actors/service-proxy.js';
export type * from './api/model.js';
export { StatusError, type StatusInfo } from './api/status.js';
export { FakeRuntime, type FakeRuntimeOptions } from './runtimes/fake.js';
export { ContainerStartError, type ContainerRuntime, type ContainerSpec, type ContainerExit, type RuntimeContainer, type RuntimeConfig } from './runtimes/index.js';
export { startApiServer, type ApiServer, type ApiServerOptions } from './server.js';

/** helmsman: a cluster manager in the shape of 2014 Kubernetes, on an actor runtime over worker threads. */
export * from './kernel/index.js';

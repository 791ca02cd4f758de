/** Shared helpers for the embedded-cluster tests. */
import type { Pod } from '../src/api/model.js';

/** A v1beta1 replication controller of `replicas` busybox pods labelled `labels`. */
export function controller(id: string, replicas: number, labels: Record<string, string>, container = 'main') {
  return {
    id,
    kind: 'ReplicationController',
    apiVersion: 'v1beta1',
    desiredState: {
      replicas,
      replicaSelector: labels,
      podTemplate: { desiredState: { manifest: { version: 'v1beta1', id, containers: [{ name: container, image: 'busybox' }] } }, labels },
    },
    labels,
  };
}

/** A `waitFor` condition: exactly `n` pods, all Running. */
export const running = (n: number) => (pods: Pod[]) => pods.length === n && pods.every((p) => p.status.phase === 'Running');

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

/** A v1beta1 pod with one busybox container (`main` unless named; the fake runtime runs it) and optional labels, annotations, host port, restart policy. */
export function pod(
  id: string,
  extra: { container?: string; labels?: Record<string, string>; annotations?: Record<string, string>; restartPolicy?: object; hostPort?: number } = {},
) {
  return {
    id,
    kind: 'Pod',
    apiVersion: 'v1beta1',
    labels: extra.labels ?? {},
    annotations: extra.annotations ?? {},
    desiredState: {
      manifest: {
        version: 'v1beta1',
        id,
        containers: [{ name: extra.container ?? 'main', image: 'busybox', ports: extra.hostPort ? [{ containerPort: 80, hostPort: extra.hostPort }] : [] }],
        ...(extra.restartPolicy ? { restartPolicy: extra.restartPolicy } : {}),
      },
    },
  };
}

/** A `waitFor` condition: exactly `n` pods, all Running. */
export const running = (n: number) => (pods: Pod[]) => pods.length === n && pods.every((p) => p.status.phase === 'Running');

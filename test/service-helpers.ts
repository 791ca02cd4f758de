/** Shared helpers for the tests that run replicas behind a service on a real runtime. */
import type { Cluster } from '../src/cluster/cluster.js';

/** Creates a service `name` on a random port and a replication controller of `replicas` running `container`; returns the port. */
export async function serviceWithReplicas(cluster: Cluster, name: string, replicas: number, container: { name: string; image: string; command: string[] }): Promise<number> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const labels = { app: name };
  await cluster.client.create('services', { id: name, kind: 'Service', apiVersion: 'v1beta1', port, containerPort: 8080, selector: labels });
  await cluster.client.create('replicationcontrollers', {
    id: name,
    kind: 'ReplicationController',
    apiVersion: 'v1beta1',
    desiredState: {
      replicas,
      replicaSelector: labels,
      podTemplate: { labels, desiredState: { manifest: { version: 'v1beta1', id: name, containers: [{ ...container, ports: [{ containerPort: 8080 }] }] } } },
    },
  });
  return port;
}

/**
 * `count` answers from `url`, one connection each, counted by answer; a refused or failed request
 * (the proxy or a replica still coming up) is retried after 50 ms, up to 300 attempts in all.
 */
export async function answersFrom(url: string, count: number): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let answered = 0, attempts = 0; answered < count; attempts++) {
    if (attempts > 300) throw new Error(`only ${answered} answers from ${url} in ${attempts} attempts`);
    const text = await fetch(url, { headers: { connection: 'close' } }).then((r) => (r.ok ? r.text() : ''), () => '');
    if (!text) {
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    answered++;
    seen.set(text.trim(), (seen.get(text.trim()) ?? 0) + 1);
  }
  return seen;
}

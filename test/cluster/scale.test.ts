import test from 'ava';
import { Cluster } from 'helmsman';

test('an embedded cluster of 1,000 minions runs 10,000 pods of 100 controllers, spread evenly, and stops', async (t) => {
  const cluster = await Cluster.start({ minions: 1000, shards: 2 });
  t.teardown(() => cluster.stop());
  t.is((await cluster.client.list('nodes')).length, 1000);
  await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      cluster.client.create('replicationcontrollers', {
        id: `rc-${i}`,
        kind: 'ReplicationController',
        apiVersion: 'v1beta1',
        desiredState: {
          replicas: 100,
          replicaSelector: { app: `rc-${i}` },
          podTemplate: { desiredState: { manifest: { version: 'v1beta1', id: `rc-${i}`, containers: [{ name: 'c', image: 'busybox' }] } }, labels: { app: `rc-${i}` } },
        },
      }),
    ),
  );
  const pods = await cluster.client.waitFor('pods', {}, (ps) => ps.length === 10_000 && ps.every((p) => p.status.phase === 'Running'), 120_000);
  const perMinion = new Map<string, number>();
  for (const p of pods) perMinion.set(p.spec.host, (perMinion.get(p.spec.host) ?? 0) + 1);
  t.is(perMinion.size, 1000, 'every minion runs pods');
  t.true(Math.max(...perMinion.values()) <= 12, `the busiest minion runs ${Math.max(...perMinion.values())} pods`);
  t.is(new Set(pods.map((p) => p.status.podIP)).size, 10_000, 'every pod has its own address');
  await cluster.client.waitFor('replicationcontrollers', {}, (rcs) => rcs.length === 100 && rcs.every((rc) => rc.status.replicas === 100));
  await cluster.stop();
});

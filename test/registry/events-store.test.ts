/** The registry of events keeps a store of its own: another lmdb beside the main one, another etcd prefix. */
import test from 'ava';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from '../../src/cluster/cluster.js';
import { EtcdStore } from '../../src/store/etcd.js';
import { etcdPrefix, etcdServers, etcdTest } from '../etcd-helpers.js';

/** An event about a pod that need not exist, in the internal shape. */
function event(name: string) {
  return {
    kind: 'Event',
    metadata: { name, namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' },
    reason: 'Tested',
    message: `event ${name}`,
    type: 'Normal',
  } as Record<string, unknown>;
}

test('with lmdb, events live in events.lmdb beside registry.lmdb and are there after a restart', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'helmsman-events-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  let cluster = await Cluster.start({ minions: 0, shards: 2, store: 'lmdb', dataDir });
  await cluster.client.create('events', event('kept'));
  await cluster.stop();
  t.true(existsSync(join(dataDir, 'registry.lmdb')));
  t.true(existsSync(join(dataDir, 'events.lmdb')));

  cluster = await Cluster.start({ minions: 0, shards: 2, store: 'lmdb', dataDir });
  t.teardown(() => cluster.stop());
  t.deepEqual((await cluster.client.list('events')).map((e) => e.metadata.name), ['kept']);
});

etcdTest('with etcd, events are kept under <prefix>-events, and nothing of them under the main prefix', async (t) => {
  const prefix = etcdPrefix();
  const cluster = await Cluster.start({ minions: 0, shards: 2, store: 'etcd', etcd: { servers: etcdServers, prefix }, leaderElection: false });
  t.teardown(() => cluster.stop());
  await cluster.client.create('events', event('apart'));
  const main = await EtcdStore.connect({ servers: etcdServers, prefix });
  const events = await EtcdStore.connect({ servers: etcdServers, prefix: `${prefix}-events` });
  t.teardown(async () => {
    await main.close();
    await events.close();
  });
  t.deepEqual((await events.range('/registry/events/')).kvs.map((kv) => kv.key), ['/registry/events/default/apart']);
  t.deepEqual((await main.range('/registry/events/')).kvs, []);
  t.true((await main.range('/registry/namespaces/')).kvs.length >= 3, 'the main prefix has the namespaces');
});

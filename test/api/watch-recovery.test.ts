import test from 'ava';
import { ActorSystem } from '../../src/kernel/index.js';
import { API_ACTOR_MODULES, startApiServer } from '../../src/server.js';
import { ShardKiller } from '../fixtures/actors.js';
import { FIXTURES } from '../helpers.js';
import { call, openWatch, seed } from '../api-helpers.js';

test("a watch ends with a 410 ERROR event when the registry's shard dies, and a new watch works", async (t) => {
  const system = await ActorSystem.start({ shards: 2, modules: [...API_ACTOR_MODULES, FIXTURES], logLevel: 'silent' });
  t.teardown(() => system.stop());
  const server = await startApiServer({ port: 0, store: 'memory', system });
  t.teardown(() => server.close());
  const watch = await openWatch(`${server.url}/api/v1beta1/watch/pods`);
  t.teardown(() => watch.close());
  t.is((await call(server.url, 'POST', '/api/v1beta1/pods', seed('redis-master-pod'))).code, 201);
  t.is((await watch.read(1))[0].type, 'ADDED');
  const back = new Promise((resolve) => system.once('shardRestart', resolve));
  system.send(system.spawn(ShardKiller, 'killer', undefined, { slot: server.registry.slot }), { type: 'exit' });
  const [gone] = await watch.read(1, 10_000);
  t.like(gone, { type: 'ERROR', object: { kind: 'Status', reason: 'Gone', code: 410 } });
  await back;
  // The registry was restarted by its supervisor and serves again (its memory store died with the shard).
  const fresh = await openWatch(`${server.url}/api/v1beta1/watch/pods`);
  t.teardown(() => fresh.close());
  t.is(fresh.code, 200);
  const p = seed('redis-master-pod');
  p.id = p.desiredState.manifest.id = 'after';
  t.is((await call(server.url, 'POST', '/api/v1beta1/pods', p)).code, 201);
  t.like((await fresh.read(1))[0], { type: 'ADDED', object: { id: 'after' } });
});

/**
 * Every write is validated in one place, the registry, whoever sends it: the v1 and v1beta1 APIs
 * (fields named in their own terms), the embedded client and the cluster's actors (internal
 * paths); a server-side dry run is validated and admitted like a write, and writes nothing.
 */
import test from 'ava';
import { Cluster } from '../../src/cluster/cluster.js';
import type { Pod } from '../../src/api/model.js';
import type { RegistryReply } from '../../src/registry/protocol.js';
import { call, startServer } from '../api-helpers.js';
import { controller, running } from '../cluster-helpers.js';

function internalPod(name: string, image: string): Pod {
  return {
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: '', resourceVersion: 0, creationTimestamp: '', labels: {}, annotations: {} },
    spec: { host: '', containers: [{ name: 'main', image, imagePullPolicy: 'IfNotPresent', ports: [], env: [], volumeMounts: [] }], volumes: [], restartPolicy: 'Always', nodeSelector: {} },
    status: { phase: 'Pending', containers: {} },
  } as unknown as Pod;
}

test('an actor\'s write is validated as the API\'s: an invalid pod sent to the registry is 422 Invalid naming the field', async (t) => {
  const cluster = await Cluster.start({ minions: 0, shards: 1 });
  t.teardown(() => cluster.stop());
  const reply = await cluster.system.ask<RegistryReply>(cluster.registry, { op: 'create', resource: 'pods', object: internalPod('Bad_Name', ''), version: 'internal' });
  t.false(reply.ok);
  if (reply.ok) return;
  t.is(reply.error.code, 422);
  t.is(reply.error.reason, 'Invalid');
  t.deepEqual(reply.error.causes?.map((c) => c.field), ['metadata.name', 'spec.containers[0].image']);
  t.deepEqual(await cluster.client.list('pods'), [], 'nothing written');
});

test('an actor\'s write of something not shaped as the model (a pod without labels) is 400 BadRequest, and the registry goes on', async (t) => {
  const cluster = await Cluster.start({ minions: 0, shards: 1 });
  t.teardown(() => cluster.stop());
  const shapeless = internalPod('nolabels', 'nginx') as unknown as { metadata: Record<string, unknown> };
  delete shapeless.metadata.labels;
  const reply = await cluster.system.ask<RegistryReply>(cluster.registry, { op: 'create', resource: 'pods', object: shapeless as unknown as Pod, version: 'internal' });
  t.false(reply.ok);
  if (!reply.ok) t.like(reply.error, { code: 400, reason: 'BadRequest' });
  t.regex(!reply.ok ? reply.error.message : '', /^pod "nolabels" is not a Pod object: /);
  const good = await cluster.system.ask<RegistryReply>(cluster.registry, { op: 'create', resource: 'pods', object: internalPod('fine', 'nginx'), version: 'internal' });
  t.true(good.ok, 'the same registry answers the next write');
});

test('the pods of a 2014 controller whose name has capitals get valid generated names, and run', async (t) => {
  const cluster = await Cluster.start({ minions: 2, shards: 1 });
  t.teardown(() => cluster.stop());
  await cluster.client.create('replicationcontrollers', controller('redisSlaveController', 2, { name: 'redisslave' }));
  const pods = await cluster.client.waitFor('pods', { labels: 'name=redisslave' }, running(2));
  for (const p of pods) t.regex(p.metadata.name, /^redisslavecontroller-[a-z0-9]{5}$/);
});

test('the same invalid pod is named in each API version\'s terms', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const v1 = await call(server.url, 'POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c' }] } });
  t.is(v1.code, 422);
  t.is(v1.body.message, 'Pod "p" is invalid: spec.containers[0].image: Required value');
  const v1beta1 = await call(server.url, 'POST', '/api/v1beta1/pods', { id: 'p', kind: 'Pod', apiVersion: 'v1beta1', desiredState: { manifest: { version: 'v1beta1', id: 'p', containers: [{ name: 'c' }] } } });
  t.is(v1beta1.code, 422);
  t.is(v1beta1.body.details.causes[0].field, 'desiredState.manifest.containers[0].image');
});

test('a server-side dry run is validated and admitted like a write, and writes nothing', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const pod = (name: string, image: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image }] } });
  const ok = await call(server.url, 'POST', '/api/v1/namespaces/default/pods?dryRun=All', pod('dry', 'nginx'));
  t.is(ok.code, 201);
  t.is(ok.body.metadata.name, 'dry');
  t.truthy(ok.body.metadata.uid, 'defaulted as the write would be');
  const bad = await call(server.url, 'POST', '/api/v1/namespaces/default/pods?dryRun=All', pod('dry', ''));
  t.is(bad.code, 422);
  const nowhere = await call(server.url, 'POST', '/api/v1/namespaces/nowhere/pods?dryRun=All', pod('dry', 'nginx'));
  t.is(nowhere.code, 404, 'a namespace that does not exist is refused, as the write would be');
  t.is((await call(server.url, 'POST', '/api/v1/namespaces/default/pods', pod('real', 'nginx'))).code, 201);
  const taken = await call(server.url, 'POST', '/api/v1/namespaces/default/pods?dryRun=All', pod('real', 'nginx'));
  t.is(taken.code, 409, 'an existing name is AlreadyExists');
  t.deepEqual((await call(server.url, 'GET', '/api/v1/namespaces/default/pods')).body.items.map((p: any) => p.metadata.name), ['real']);
});

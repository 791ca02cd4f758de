/** Deleting a namespace: Terminating in the store, no new content, contents deleted, then itself. */
import test from 'ava';
import { call, startServer } from '../api-helpers.js';
import { eventually, startSystem } from '../helpers.js';
import { Silent } from '../fixtures/actors.js';
import { Registry } from '../../src/registry/registry.js';
import { emptyMeta, type ApiObject, type Namespace } from '../../src/api/model.js';
import type { RegistryReply, RegistryRequest } from '../../src/registry/protocol.js';

function pod(name: string) {
  return { kind: 'Pod', apiVersion: 'v1', metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
}

test('a deleted namespace is Terminating, refuses new content with 403 Forbidden, loses its contents and then goes', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  t.is((await call(server.url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } })).code, 201);
  for (let i = 0; i < 20; i++) t.is((await call(server.url, 'POST', '/api/v1/namespaces/team/pods', pod(`p${i}`))).code, 201);
  t.is((await call(server.url, 'POST', '/api/v1/namespaces/default/pods', pod('elsewhere'))).code, 201);

  const deleted = await call(server.url, 'DELETE', '/api/v1/namespaces/team');
  t.is(deleted.code, 200);
  t.is(deleted.body.status.phase, 'Terminating', 'answered with the namespace on its way out');
  const refused = await call(server.url, 'POST', '/api/v1/namespaces/team/pods', pod('late'));
  // Refused while Terminating, or not found once it is gone: never created.
  t.true(refused.code === 403 || refused.code === 404, `refused with ${refused.code}`);
  if (refused.code === 403) {
    t.is(refused.body.reason, 'Forbidden');
    t.is(refused.body.message, 'pods "late" is forbidden: unable to create new content in namespace team because it is being terminated');
  }
  await eventually(async () => (await call(server.url, 'GET', '/api/v1/namespaces/team')).code === 404, 'the namespace gone');
  t.deepEqual((await call(server.url, 'GET', '/api/v1/pods')).body.items.map((p: any) => `${p.metadata.namespace}/${p.metadata.name}`), ['default/elsewhere']);
  t.is((await call(server.url, 'DELETE', '/api/v1/namespaces/team')).code, 404);
});

test('with events kept apart, a deleted namespace stays Terminating until the registry of events says it has none left there', async (t) => {
  const system = await startSystem({ modules: [new URL('../../src/registry/registry.js', import.meta.url)] });
  t.teardown(() => system.stop());
  // Stands in for the registry of events: hears everything, says nothing.
  const events = system.spawn(Silent, 'events', undefined, { slot: 1 });
  const registry = system.spawn(Registry, 'registry', { store: 'memory', path: `namespaces-test-${Math.random()}`, events }, { slot: 0 });
  const ask = (msg: RegistryRequest) => system.ask<RegistryReply>(registry, msg);
  const ns = { kind: 'Namespace', metadata: emptyMeta('team'), spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } } as ApiObject;
  t.true((await ask({ op: 'create', resource: 'namespaces', object: ns, version: 'internal' })).ok);
  t.true((await ask({ op: 'delete', resource: 'namespaces', namespace: '', name: 'team', version: 'internal' })).ok);
  const phase = async () => {
    const reply = await ask({ op: 'get', resource: 'namespaces', namespace: '', name: 'team', version: 'internal' });
    return reply.ok ? (JSON.parse(reply.body as string) as Namespace).status.phase : reply.error.reason;
  };
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.is(await phase(), 'Terminating', 'still there: its events may not be gone');
  system.send(registry, { op: 'purged', namespace: 'team' });
  await eventually(async () => (await phase()) === 'NotFound', 'the namespace gone once its events are');
});

import test from 'ava';
import { call, openWatch, startServer } from '../api-helpers.js';

const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
const PODS = '/api/v1/namespaces/default/pods';

test('one stream carries the watches of several resources, each event tagged with its resource, in order', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const pods = (await call(server.url, 'GET', PODS)).body.metadata.resourceVersion;
  const services = (await call(server.url, 'GET', '/api/v1/services')).body.metadata.resourceVersion;
  const watch = await openWatch(`${server.url}/ui/api/watch?pods=${pods}&services=${services}&events=0`);
  t.teardown(() => watch.close());
  t.is(watch.code, 200);
  await call(server.url, 'POST', PODS, pod('a'));
  await call(server.url, 'POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } });
  await call(server.url, 'DELETE', `${PODS}/a`);
  const events = await watch.read(3);
  t.deepEqual(events.map((e) => [e.resource, e.type, e.object.metadata.name]), [
    ['pods', 'ADDED', 'a'],
    ['services', 'ADDED', 's'],
    ['pods', 'DELETED', 'a'],
  ]);
  t.is(events[0].object.kind, 'Pod', 'objects are v1 JSON');
});

test('a resource watched from too old a version gets its 410 ERROR line, and the others go on', async (t) => {
  const server = await startServer({ historySize: 3 });
  t.teardown(() => server.close());
  const first = (await call(server.url, 'POST', PODS, pod('p0'))).body.metadata.resourceVersion;
  for (let i = 1; i < 6; i++) await call(server.url, 'POST', PODS, pod(`p${i}`));
  const nodes = (await call(server.url, 'GET', '/api/v1/nodes')).body.metadata.resourceVersion;
  const watch = await openWatch(`${server.url}/ui/api/watch?pods=${first}&nodes=${nodes}`);
  t.teardown(() => watch.close());
  const [gone] = await watch.read(1);
  t.like(gone, { resource: 'pods', type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Gone' } });
  await call(server.url, 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
  const [added] = await watch.read(1);
  t.like(added, { resource: 'nodes', type: 'ADDED', object: { metadata: { name: 'n1' } } });
});

test('a stream naming no resource, an unknown one or a bad version is 400 BadRequest', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  for (const [query, message] of [
    ['', 'name at least one resource to watch, with the resourceVersion to watch it from: ?pods=12&nodes=5'],
    ['?leases=0', /^leases: not a resource this stream serves/],
    ['?pods=x', 'invalid resourceVersion: x'],
  ] as const) {
    const res = await call(server.url, 'GET', `/ui/api/watch${query}`);
    t.is(res.code, 400, query);
    if (typeof message === 'string') t.is(res.body.message, message);
    else t.regex(res.body.message, message);
  }
});

test('with authentication, the stream is for those who may watch what it names; the dashboard\'s files are for anyone', async (t) => {
  const tokens = new Map([
    ['viewer', { name: 'viewer', uid: 'v', groups: ['helmsman:view'] }],
    ['node', { name: 'system:node:n1', uid: 'n', groups: ['system:nodes'] }],
    ['bootstrap', { name: 'system:bootstrap:abcdef', uid: 'b', groups: ['system:bootstrappers'] }],
  ]);
  const server = await startServer({ authentication: { tokens, anonymous: false } });
  t.teardown(() => server.close());
  const ac = new AbortController();
  t.teardown(() => ac.abort());
  const as = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
  const viewer = await fetch(`${server.url}/ui/api/watch?pods=0`, { headers: as('viewer'), signal: ac.signal });
  t.is(viewer.status, 200);
  const node = await fetch(`${server.url}/ui/api/watch?pods=0&nodes=0`, { headers: as('node'), signal: ac.signal });
  t.is(node.status, 200, 'a node may watch pods and nodes: so it may through the stream');
  const refused = await call(server.url, 'GET', '/ui/api/watch?pods=0', undefined, as('bootstrap'));
  t.is(refused.code, 403);
  t.is(refused.body.message, 'pods is forbidden: User "system:bootstrap:abcdef" cannot watch resource "pods" in API group "" at the cluster scope');
  t.is((await call(server.url, 'GET', '/ui/api/watch?pods=0')).code, 401);
  const page = await fetch(`${server.url}/ui/`);
  t.is(page.status, 200);
  t.regex(page.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self' 'sha256-/);
  t.is((await fetch(`${server.url}/ui/vendor/preact.mjs`)).status, 200);
  t.is((await call(server.url, 'GET', '/ui/vendor%2F..%2F..%2Fpackage.json')).code, 404, 'only the files it knows, by their exact names');
  t.is((await call(server.url, 'GET', '/ui/app/nothing.js')).code, 404);
  t.is((await call(server.url, 'POST', '/ui/', '{}')).code, 405);
  t.is((await call(server.url, 'GET', '/api/v1/pods')).code, 401, 'the API still wants a token');
});

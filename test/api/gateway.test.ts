import test from 'ava';
import fc from 'fast-check';
import type { ApiServer } from '../../src/server.js';
import { call, openWatch, seed, startServer } from '../api-helpers.js';

// One server for the file (a server per test would start dozens of shards at once on 2 cores).
let server: ApiServer;
test.before(async () => {
  server = await startServer();
});
test.after.always(() => server?.close());

const POD = '/api/v1beta1/pods';
const RC = '/api/v1beta1/replicationControllers';

function pod(id: string, overrides: (p: Record<string, any>) => void = () => {}) {
  const p = seed('redis-master-pod');
  p.id = id;
  p.desiredState.manifest.id = id;
  overrides(p);
  return p;
}

test('the seed walkthrough: create the redis-master pod, read it, list it, delete it', async (t) => {
  const created = await call(server.url, 'POST', POD, seed('redis-master-pod'));
  t.is(created.code, 201);
  t.like(created.body, { kind: 'Pod', id: 'redis-master-pod', apiVersion: 'v1beta1', namespace: 'default', labels: { name: 'redis', role: 'master' } });
  t.is(typeof created.body.resourceVersion, 'number');
  t.regex(created.body.uid, /^[0-9a-f-]{36}$/);
  t.is(created.body.desiredState.manifest.containers[0].ports[0].protocol, 'TCP', 'defaulted');
  const got = await call(server.url, 'GET', `${POD}/redis-master-pod`);
  t.deepEqual(got.body, created.body);
  const list = await call(server.url, 'GET', POD);
  t.like(list.body, { kind: 'PodList', apiVersion: 'v1beta1' });
  t.true(list.body.resourceVersion >= created.body.resourceVersion);
  t.true(list.body.items.some((p: any) => p.id === 'redis-master-pod'));
  const deleted = await call(server.url, 'DELETE', `${POD}/redis-master-pod`);
  t.deepEqual(deleted, { code: 200, body: { kind: 'Status', apiVersion: 'v1beta1', status: 'Success', code: 200 }, headers: deleted.headers });
  const gone = await call(server.url, 'GET', `${POD}/redis-master-pod`);
  t.is(gone.code, 404);
  t.deepEqual(gone.body, {
    kind: 'Status',
    apiVersion: 'v1beta1',
    status: 'Failure',
    message: 'pod "redis-master-pod" not found',
    reason: 'NotFound',
    details: { id: 'redis-master-pod', kind: 'pod' },
    code: 404,
  });
});

test("the seed's redisSlaveController is accepted verbatim", async (t) => {
  const created = await call(server.url, 'POST', RC, seed('redis-slave-controller'));
  t.is(created.code, 201);
  t.like(created.body.desiredState, { replicas: 2, replicaSelector: { name: 'redisslave' } });
  const list = await call(server.url, 'GET', RC);
  t.true(list.body.items.some((r: any) => r.id === 'redisSlaveController'));
});

test('an object without an id gets a UUID, copied into the manifest id for pods', async (t) => {
  const p = pod('');
  delete p.id;
  delete p.desiredState.manifest.id;
  const created = await call(server.url, 'POST', POD, p);
  t.is(created.code, 201);
  t.regex(created.body.id, /^[0-9a-f-]{36}$/);
  t.is(created.body.desiredState.manifest.id, created.body.id);
});

test('YAML bodies are accepted', async (t) => {
  const yaml = 'kind: Service\napiVersion: v1beta1\nid: redis-master\nport: 6379\nselector:\n  name: redis\n';
  const created = await call(server.url, 'POST', '/api/v1beta1/services', yaml, { 'content-type': 'application/yaml' });
  t.is(created.code, 201);
  t.like(created.body, { id: 'redis-master', port: 6379, containerPort: 6379, selector: { name: 'redis' } });
});

const invalidCases: [string, (p: Record<string, any>) => void, string, string][] = [
  ['a missing image', (p) => delete p.desiredState.manifest.containers[0].image, 'desiredState.manifest.containers[0].image', 'Required value'],
  ['a port out of range', (p) => (p.desiredState.manifest.containers[0].ports[0].containerPort = 70000), 'desiredState.manifest.containers[0].ports[0].containerPort', 'Invalid value: 70000: must be between 1 and 65535, inclusive'],
  ['duplicate container names', (p) => p.desiredState.manifest.containers.push({ name: 'redis-master', image: 'x' }), 'desiredState.manifest.containers[1].name', 'Duplicate value: "redis-master"'],
  ['duplicate host ports', (p) => {
    p.desiredState.manifest.containers[0].ports = [{ containerPort: 1, hostPort: 8080 }];
    p.desiredState.manifest.containers.push({ name: 'b', image: 'x', ports: [{ containerPort: 2, hostPort: 8080 }] });
  }, 'desiredState.manifest.containers[1].ports[0].hostPort', 'Duplicate value: 8080'],
  ['an invalid name', (p) => (p.id = 'Not_A_Name'), 'id', 'Invalid value: "Not_A_Name": a lowercase RFC 1123 subdomain'],
  ['a bad label value', (p) => (p.labels = { name: 'bad value!' }), 'labels[name]', 'Invalid value: "bad value!"'],
  ['a bad label key', (p) => (p.labels = { '-x': 'a' }), 'labels', 'Invalid value: "-x"'],
];
for (const [what, mutate, field, message] of invalidCases) {
  test(`a pod with ${what} is 422 Invalid naming ${field}`, async (t) => {
    const res = await call(server.url, 'POST', POD, pod('x', mutate));
    t.is(res.code, 422);
    t.like(res.body, { kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422, details: { id: 'Not_A_Name' === res.body.details?.id ? 'Not_A_Name' : 'x', kind: 'Pod' } });
    const cause = res.body.details.causes.find((c: any) => c.field === field);
    t.truthy(cause, JSON.stringify(res.body.details.causes));
    t.true(cause.message.startsWith(message), cause.message);
    t.true(res.body.message.startsWith(`Pod "${res.body.details.id}" is invalid: `));
  });
}

test('the missing-image message reads as Kubernetes prints it', async (t) => {
  const res = await call(server.url, 'POST', POD, pod('x', (p) => delete p.desiredState.manifest.containers[0].image));
  t.is(res.body.message, 'Pod "x" is invalid: desiredState.manifest.containers[0].image: Required value');
  t.deepEqual(res.body.details.causes, [{ reason: 'FieldValueRequired', message: 'Required value', field: 'desiredState.manifest.containers[0].image' }]);
});

test('a controller whose selector misses its template labels, or with negative replicas, is 422', async (t) => {
  const rc = seed('redis-slave-controller');
  rc.desiredState.replicaSelector = { name: 'other' };
  rc.desiredState.replicas = -1;
  const res = await call(server.url, 'POST', RC, rc);
  t.is(res.code, 422);
  t.deepEqual(res.body.details.causes.map((c: any) => c.field).sort(), ['desiredState.podTemplate.labels', 'desiredState.replicas']);
});

test('malformed JSON or YAML, wrong types and wrong kinds are 400 BadRequest', async (t) => {
  const json = await call(server.url, 'POST', POD, '{"id": "x",');
  t.like(json, { code: 400, body: { reason: 'BadRequest' } });
  t.regex(json.body.message, /not valid JSON/);
  const yaml = await call(server.url, 'POST', POD, 'id: [x', { 'content-type': 'application/yaml' });
  t.like(yaml, { code: 400, body: { reason: 'BadRequest' } });
  const type = await call(server.url, 'POST', RC, { ...seed('redis-slave-controller'), desiredState: { replicas: 'two' } });
  t.like(type, { code: 400, body: { reason: 'BadRequest' } });
  t.regex(type.body.message, /^desiredState\.replicas: /);
  const kind = await call(server.url, 'POST', POD, seed('redis-slave-controller'));
  t.like(kind, { code: 400, body: { message: 'the kind in the data (ReplicationController) does not match the expected kind (Pod)' } });
  const array = await call(server.url, 'POST', POD, '[1,2]');
  t.like(array, { code: 400, body: { message: 'the request body must be a JSON or YAML object' } });
});

test('unknown resources and paths are 404, a duplicate is 409 AlreadyExists', async (t) => {
  t.like(await call(server.url, 'GET', '/api/v1beta1/widgets'), { code: 404, body: { reason: 'NotFound', message: 'resource "widgets" not found' } });
  t.like(await call(server.url, 'GET', '/nowhere'), { code: 404, body: { kind: 'Status', reason: 'NotFound' } });
  t.is((await call(server.url, 'POST', POD, pod('dup'))).code, 201);
  t.like(await call(server.url, 'POST', POD, pod('dup')), {
    code: 409,
    body: { reason: 'AlreadyExists', message: 'pod "dup" already exists', details: { id: 'dup', kind: 'pod' } },
  });
});

test('a body over 3 MiB is 413 and a wrong media type is 415; the server stays up', async (t) => {
  const big = JSON.stringify({ ...pod('big'), annotations: { blob: 'x'.repeat(3 * 1024 * 1024) } });
  t.like(await call(server.url, 'POST', POD, big), { code: 413, body: { reason: 'RequestEntityTooLarge' } });
  t.like(await call(server.url, 'POST', POD, 'id=x', { 'content-type': 'application/x-www-form-urlencoded' }), {
    code: 415,
    body: { reason: 'UnsupportedMediaType' },
  });
  t.is((await call(server.url, 'GET', '/healthz')).body, 'ok');
});

test('updates are checked against the resourceVersion: a stale one is 409 Conflict', async (t) => {
  const created = (await call(server.url, 'POST', POD, pod('occ'))).body;
  const v1 = { ...created, labels: { name: 'redis', v: '1' } };
  const updated = await call(server.url, 'PUT', `${POD}/occ`, v1);
  t.is(updated.code, 200);
  t.true(updated.body.resourceVersion > created.resourceVersion);
  const stale = await call(server.url, 'PUT', `${POD}/occ`, { ...created, labels: { v: '2' } });
  t.like(stale, { code: 409, body: { reason: 'Conflict' } });
  t.regex(stale.body.message, /the object has been modified/);
  const { resourceVersion: _rv, ...unconditional } = { ...created, labels: { v: '3' } };
  const forced = await call(server.url, 'PUT', `${POD}/occ`, unconditional);
  t.is(forced.code, 200);
  t.deepEqual(forced.body.labels, { v: '3' });
  t.like(await call(server.url, 'PUT', `${POD}/missing`, pod('missing')), { code: 404 });
  t.like(await call(server.url, 'PUT', `${POD}/occ`, pod('other')), { code: 400 });
});

test('lists filter by label selector (?labels=) and field selector (?fields=)', async (t) => {
  const NS = `${POD}?namespace=lists`;
  await call(server.url, 'POST', NS, pod('a', (p) => (p.labels = { tier: 'front', env: 'prod' })));
  await call(server.url, 'POST', NS, pod('b', (p) => (p.labels = { tier: 'back', env: 'prod' })));
  await call(server.url, 'POST', NS, pod('c', (p) => (p.labels = { tier: 'back' })));
  const ids = async (q: string) => (await call(server.url, 'GET', `${NS}&${q}`)).body.items.map((p: any) => p.id).sort();
  t.deepEqual(await ids(`labels=${encodeURIComponent('tier=back')}`), ['b', 'c']);
  t.deepEqual(await ids(`labels=${encodeURIComponent('env in (prod),tier!=back')}`), ['a']);
  t.deepEqual(await ids(`labels=${encodeURIComponent('!env')}`), ['c']);
  t.deepEqual(await ids(`fields=${encodeURIComponent('name=b')}`), ['b']);
  t.deepEqual(await ids(`fields=${encodeURIComponent('DesiredState.Host=')}`), ['a', 'b', 'c']);
  t.like(await call(server.url, 'GET', `${POD}?labels=${encodeURIComponent('tier in (x')}`), { code: 400, body: { reason: 'BadRequest' } });
  t.like(await call(server.url, 'GET', `${POD}?fields=${encodeURIComponent('spec.nope=1')}`), { code: 400, body: { message: 'field label not supported: spec.nope' } });
});

test('a watch streams ADDED, MODIFIED and DELETED in order, and resumes from a resourceVersion', async (t) => {
  const q = '?namespace=watching';
  const watch = await openWatch(`${server.url}/api/v1beta1/watch/pods${q}`);
  t.teardown(() => watch.close());
  const created = (await call(server.url, 'POST', POD + q, pod('w'))).body;
  const updated = (await call(server.url, 'PUT', `${POD}/w${q}`, { ...created, labels: { x: 'y' } })).body;
  await call(server.url, 'DELETE', `${POD}/w${q}`);
  const events = await watch.read(3);
  t.deepEqual(events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
  t.deepEqual(events.map((e) => e.object.id), ['w', 'w', 'w']);
  t.is(events[0].object.resourceVersion, created.resourceVersion);
  t.is(events[1].object.resourceVersion, updated.resourceVersion);
  t.true(events[2].object.resourceVersion > updated.resourceVersion);
  const resumed = await openWatch(`${server.url}/api/v1beta1/watch/pods${q}&resourceVersion=${created.resourceVersion}`);
  t.teardown(() => resumed.close());
  t.deepEqual((await resumed.read(2)).map((e) => e.type), ['MODIFIED', 'DELETED']);
});

test('a watch from a resourceVersion older than the history is 410 Gone', async (t) => {
  const own = await startServer({ historySize: 3 });
  t.teardown(() => own.close());
  const server = own;
  t.teardown(() => server.close());
  const created = [];
  for (let i = 0; i < 6; i++) created.push((await call(server.url, 'POST', POD, pod(`p${i}`))).body);
  const watch = await openWatch(`${server.url}/api/v1beta1/watch/pods?resourceVersion=${created[0].resourceVersion}`);
  t.is(watch.code, 410);
  t.like(watch.status, { kind: 'Status', reason: 'Gone', code: 410 });
  const recent = await openWatch(`${server.url}/api/v1beta1/watch/pods?resourceVersion=${created[3].resourceVersion}`);
  t.teardown(() => recent.close());
  t.deepEqual((await recent.read(2)).map((e) => e.object.id), ['p4', 'p5']);
});

test('a watch with a label selector sees objects enter and leave it', async (t) => {
  const q = '?namespace=selecting';
  const watch = await openWatch(`${server.url}/api/v1beta1/watch/pods${q}&labels=${encodeURIComponent('role=master')}`);
  t.teardown(() => watch.close());
  const created = (await call(server.url, 'POST', POD + q, pod('sel', (p) => (p.labels = { role: 'slave' })))).body;
  const promoted = (await call(server.url, 'PUT', `${POD}/sel${q}`, { ...created, labels: { role: 'master' } })).body;
  await call(server.url, 'PUT', `${POD}/sel${q}`, { ...promoted, labels: { role: 'slave' } });
  t.deepEqual((await watch.read(2)).map((e) => e.type), ['ADDED', 'DELETED']);
});

test('the discovery and health endpoints answer', async (t) => {
  t.like((await call(server.url, 'GET', '/api')).body, { kind: 'APIVersions', versions: ['v1'] });
  const lease = { groupVersion: 'coordination.k8s.io/v1', version: 'v1' };
  t.deepEqual((await call(server.url, 'GET', '/apis')).body, { kind: 'APIGroupList', apiVersion: 'v1', groups: [{ name: 'coordination.k8s.io', versions: [lease], preferredVersion: lease }] });
  t.like((await call(server.url, 'GET', '/version')).body, { major: '1', minor: '32' });
  for (const path of ['/healthz', '/readyz', '/livez']) t.deepEqual(await call(server.url, 'GET', path).then((r) => [r.code, r.body]), [200, 'ok']);
  await call(server.url, 'GET', POD);
  const metrics = await call(server.url, 'GET', '/metrics');
  t.regex(metrics.body, /apiserver_request_total\{verb="LIST",resource="pods",code="200"\} \d+/);
  t.regex(metrics.body, /helmsman_actors \d+/);
});

test('no request body makes the server answer 500 or fall over', async (t) => {
  const paths = [POD, RC, '/api/v1beta1/services', '/api/v1beta1/minions', '/api/v1beta1/events', '/api/v1beta1/endpoints'];
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...paths), fc.oneof(fc.json(), fc.jsonValue().map((v) => JSON.stringify({ kind: undefined, desiredState: v, id: 'x' })), fc.string()), async (path, body) => {
      const res = await call(server.url, 'POST', `${path}?namespace=fuzz`, body);
      return res.code < 500 && res.body?.kind !== undefined;
    }),
    { numRuns: 300 },
  );
  t.is((await call(server.url, 'GET', '/healthz')).body, 'ok');
});

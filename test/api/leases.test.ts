import test from 'ava';
import type { Lease } from '../../src/api/model.js';
import { microTime, parseMicroTime } from '../../src/api/model.js';
import { StatusError } from '../../src/api/status.js';
import { toTable } from '../../src/api/table.js';
import { decodeV1, toV1, v1ListEnvelope } from '../../src/api/v1.js';
import { decodeV1beta1, toV1beta1 } from '../../src/api/v1beta1.js';
import type { ApiServer } from '../../src/server.js';
import { call, openWatch, startServer } from '../api-helpers.js';

// One server for the file (a server per test would start dozens of shards at once on 2 cores).
let server: ApiServer;
test.before(async () => {
  server = await startServer();
});
test.after.always(() => server?.close());

const GROUP = '/apis/coordination.k8s.io/v1';
const SYSTEM = `${GROUP}/namespaces/kube-system/leases`;

const lease: Lease = {
  kind: 'Lease',
  metadata: {
    name: 'kube-scheduler',
    namespace: 'kube-system',
    uid: '6f1c2d3e-0000-4000-8000-000000000009',
    resourceVersion: 42,
    creationTimestamp: '2024-05-01T10:00:00Z',
    labels: { component: 'scheduler' },
    annotations: {},
  },
  spec: {
    holderIdentity: 'master-1_4e2a',
    leaseDurationSeconds: 15,
    acquireTime: '2024-05-01T10:00:00.123456Z',
    renewTime: '2024-05-01T10:05:00.654321Z',
    leaseTransitions: 2,
  },
};

/** A coordination.k8s.io/v1 Lease body, as a client sends it. */
function wire(name: string, spec: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, ...extra }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15, ...spec } };
}

/** The StatusError `fn` throws. */
function statusOf(t: { throws: (fn: () => unknown, e: { instanceOf: typeof StatusError }) => unknown }, fn: () => unknown): StatusError['info'] {
  return (t.throws(fn, { instanceOf: StatusError }) as StatusError).info;
}

// ---- the wire form ----

test('a lease prints as Kubernetes prints it: coordination.k8s.io/v1, the spec in Go order, MicroTimes, no status', (t) => {
  t.is(
    JSON.stringify(toV1(lease)),
    '{"kind":"Lease","apiVersion":"coordination.k8s.io/v1","metadata":{"name":"kube-scheduler","namespace":"kube-system","uid":"6f1c2d3e-0000-4000-8000-000000000009","resourceVersion":"42","creationTimestamp":"2024-05-01T10:00:00Z","labels":{"component":"scheduler"}},' +
      '"spec":{"holderIdentity":"master-1_4e2a","leaseDurationSeconds":15,"acquireTime":"2024-05-01T10:00:00.123456Z","renewTime":"2024-05-01T10:05:00.654321Z","leaseTransitions":2}}',
  );
  t.deepEqual(toV1({ ...lease, spec: {} }).spec, {});
});

test('a lease survives internal → v1 → internal unchanged, and its list is a LeaseList', (t) => {
  const { object, warnings } = decodeV1('leases', JSON.parse(JSON.stringify(toV1(lease))), { strict: true });
  t.deepEqual(object, lease);
  t.deepEqual(warnings, []);
  const { head, tail } = v1ListEnvelope('leases', 7);
  t.like(JSON.parse(head + JSON.stringify(toV1(lease)) + tail.join('')), { kind: 'LeaseList', apiVersion: 'coordination.k8s.io/v1', metadata: { resourceVersion: '7' } });
});

test('MicroTimes are kept to the microsecond in UTC; milliseconds, whole seconds and offsets are understood', (t) => {
  t.is(microTime(Date.parse('2024-01-02T03:04:05.678Z')), '2024-01-02T03:04:05.678000Z');
  t.is(parseMicroTime('2024-01-02T03:04:05.678901Z'), '2024-01-02T03:04:05.678901Z');
  t.is(parseMicroTime('2024-01-02T03:04:05.678Z'), '2024-01-02T03:04:05.678000Z');
  t.is(parseMicroTime('2024-01-02T03:04:05Z'), '2024-01-02T03:04:05.000000Z');
  t.is(parseMicroTime('2024-01-02T03:04:05.123456789Z'), '2024-01-02T03:04:05.123456Z');
  t.is(parseMicroTime('2024-01-02T01:04:05.5+02:00'), '2024-01-01T23:04:05.500000Z');
  for (const bad of ['', 'yesterday', '2024-02-30T00:00:00Z', '2024-01-02 03:04:05Z', '2024-01-02T24:00:00Z', '2024-01-02T03:04:05']) t.is(parseMicroTime(bad), undefined, bad);
});

test('a time that does not parse is a 422 naming the field', (t) => {
  const info = statusOf(t, () => decodeV1('leases', wire('x', { renewTime: 'soon' })));
  t.like(info, { code: 422, reason: 'Invalid', kind: 'Lease', group: 'coordination.k8s.io', name: 'x' });
  t.is(info.message, 'Lease.coordination.k8s.io "x" is invalid: spec.renewTime: Invalid value: "soon": must be an RFC 3339 time, as 2006-01-02T15:04:05.000000Z07:00');
});

test('unknown fields, wrong types and another group are 400s; the coordinated-election fields are accepted with a warning', (t) => {
  t.is(
    statusOf(t, () => decodeV1('leases', wire('x', { holder: 'me' }), { strict: true })).message,
    'Lease in version "v1" cannot be handled as a Lease: strict decoding error: unknown field "spec.holder"',
  );
  t.regex(statusOf(t, () => decodeV1('leases', wire('x', { leaseDurationSeconds: '15' }))).message, /^Lease in version "v1" cannot be handled as a Lease: spec\.leaseDurationSeconds: /);
  t.is(
    statusOf(t, () => decodeV1('leases', { ...wire('x'), apiVersion: 'v1' })).message,
    'the API version in the data (v1) does not match the expected API version (coordination.k8s.io/v1)',
  );
  t.is(statusOf(t, () => decodeV1('pods', { apiVersion: 'coordination.k8s.io/v1', kind: 'Pod' })).code, 400);
  const { warnings } = decodeV1('leases', wire('x', { preferredHolder: 'other', strategy: 'OldestEmulationVersion' }), { strict: true });
  t.deepEqual(warnings, ['spec.strategy: not supported by helmsman; ignored', 'spec.preferredHolder: not supported by helmsman; ignored']);
});

test('leases have no v1beta1 form', async (t) => {
  t.like(statusOf(t, () => toV1beta1(lease)), { code: 404, reason: 'NotFound' });
  t.like(statusOf(t, () => decodeV1beta1('leases', { id: 'x' })), { code: 404, reason: 'NotFound' });
  for (const path of ['/api/v1beta1/leases', '/api/v1beta1/leases/x', '/api/v1beta1/watch/leases']) {
    t.like(await call(server.url, 'GET', path), { code: 404, body: { kind: 'Status', reason: 'NotFound' } }, path);
  }
  t.is((await call(server.url, 'POST', '/api/v1beta1/leases', { id: 'x' })).code, 404);
  // Nor are they core/v1, nor are core kinds in the group.
  t.is((await call(server.url, 'GET', '/api/v1/namespaces/kube-system/leases')).code, 404);
  t.is((await call(server.url, 'GET', `${GROUP}/namespaces/default/pods`)).code, 404);
  t.is((await call(server.url, 'GET', `${GROUP}/namespaces`)).code, 404);
});

test('the Table of leases is NAME, HOLDER, AGE', (t) => {
  const table = toTable('Lease', [toV1(lease)], { resourceVersion: '42', now: Date.parse('2024-05-01T10:10:00Z') });
  t.deepEqual(table.columnDefinitions!.map((c) => c.name), ['Name', 'Holder', 'Age']);
  t.deepEqual(table.rows[0]!.cells, ['kube-scheduler', 'master-1_4e2a', '10m']);
  t.deepEqual(toTable('Lease', [{ metadata: { name: 'free' }, spec: {} }], { resourceVersion: '1', now: 0 }).rows[0]!.cells, ['free', '', '<unknown>']);
});

// ---- through the API ----

// Serial: before any test makes a namespace of its own.
test.serial('the cluster starts with the default, kube-system and kube-node-lease namespaces', async (t) => {
  const list = await call(server.url, 'GET', '/api/v1/namespaces');
  t.deepEqual(list.body.items.map((n: any) => n.metadata.name).sort(), ['default', 'kube-node-lease', 'kube-system']);
});

test('create, get, list and update a lease; a stale resourceVersion is 409 Conflict', async (t) => {
  const created = await call(server.url, 'POST', SYSTEM, wire('crud', { acquireTime: '2024-05-01T10:00:00.000001Z' }));
  t.is(created.code, 201);
  t.like(created.body, { kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', metadata: { name: 'crud', namespace: 'kube-system' }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: '2024-05-01T10:00:00.000001Z' } });
  t.false('status' in created.body);
  const rv = created.body.metadata.resourceVersion;
  t.deepEqual((await call(server.url, 'GET', `${SYSTEM}/crud`)).body, created.body);
  const list = await call(server.url, 'GET', SYSTEM);
  t.like(list.body, { kind: 'LeaseList', apiVersion: 'coordination.k8s.io/v1' });
  t.true(list.body.items.some((l: any) => l.metadata.name === 'crud'));

  const renewed = { ...created.body, spec: { ...created.body.spec, renewTime: '2024-05-01T10:00:10.000002Z', leaseTransitions: 1 } };
  const updated = await call(server.url, 'PUT', `${SYSTEM}/crud`, renewed);
  t.is(updated.code, 200);
  t.like(updated.body.spec, { renewTime: '2024-05-01T10:00:10.000002Z', leaseTransitions: 1 });
  t.not(updated.body.metadata.resourceVersion, rv);
  t.is(updated.body.metadata.uid, created.body.metadata.uid);

  // Another candidate read the first version and tries to take the lease: compare-and-swap fails.
  const stale = await call(server.url, 'PUT', `${SYSTEM}/crud`, { ...created.body, spec: { ...created.body.spec, holderIdentity: 'other' } });
  t.is(stale.code, 409);
  t.like(stale.body, {
    kind: 'Status',
    reason: 'Conflict',
    message: 'Operation cannot be fulfilled on leases.coordination.k8s.io "crud": the object has been modified; please apply your changes to the latest version and try again',
    details: { name: 'crud', group: 'coordination.k8s.io', kind: 'leases' },
  });
  t.is((await call(server.url, 'GET', `${SYSTEM}/crud`)).body.spec.holderIdentity, 'me');

  const again = await call(server.url, 'POST', SYSTEM, wire('crud'));
  t.like(again, { code: 409, body: { reason: 'AlreadyExists', message: 'leases.coordination.k8s.io "crud" already exists' } });
  const missing = await call(server.url, 'GET', `${SYSTEM}/nobody`);
  t.like(missing, { code: 404, body: { message: 'leases.coordination.k8s.io "nobody" not found', details: { name: 'nobody', group: 'coordination.k8s.io', kind: 'leases' } } });
});

test('an invalid leaseDurationSeconds or leaseTransitions is 422 naming the field', async (t) => {
  const zero = await call(server.url, 'POST', SYSTEM, wire('invalid', { leaseDurationSeconds: 0 }));
  t.is(zero.code, 422);
  t.like(zero.body, {
    reason: 'Invalid',
    message: 'Lease.coordination.k8s.io "invalid" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
    details: { name: 'invalid', group: 'coordination.k8s.io', kind: 'Lease', causes: [{ reason: 'FieldValueInvalid', field: 'spec.leaseDurationSeconds', message: 'Invalid value: 0: must be greater than 0' }] },
  });
  const negative = await call(server.url, 'POST', SYSTEM, wire('invalid', { leaseTransitions: -1 }));
  t.like(negative, { code: 422, body: { details: { causes: [{ field: 'spec.leaseTransitions', message: 'Invalid value: -1: must be greater than or equal to 0' }] } } });
  t.is((await call(server.url, 'POST', SYSTEM, wire('Not_A_Name'))).code, 422);
  t.is((await call(server.url, 'GET', `${SYSTEM}/invalid`)).code, 404);
});

test('merge, JSON and strategic merge patches of a lease', async (t) => {
  await call(server.url, 'POST', SYSTEM, wire('patched', {}, { labels: { a: '1' } }));
  const merge = await call(server.url, 'PATCH', `${SYSTEM}/patched`, { spec: { holderIdentity: 'merge' }, metadata: { labels: { a: null, b: '2' } } }, { 'content-type': 'application/merge-patch+json' });
  t.is(merge.code, 200);
  t.like(merge.body, { metadata: { labels: { b: '2' } }, spec: { holderIdentity: 'merge', leaseDurationSeconds: 15 } });
  t.false('a' in merge.body.metadata.labels);
  const json = await call(server.url, 'PATCH', `${SYSTEM}/patched`, [{ op: 'replace', path: '/spec/leaseDurationSeconds', value: 30 }], { 'content-type': 'application/json-patch+json' });
  t.like(json, { code: 200, body: { spec: { holderIdentity: 'merge', leaseDurationSeconds: 30 } } });
  const strategic = await call(server.url, 'PATCH', `${SYSTEM}/patched`, { spec: { holderIdentity: 'strategic', renewTime: '2024-05-01T10:00:00.5Z' } }, { 'content-type': 'application/strategic-merge-patch+json' });
  t.like(strategic, { code: 200, body: { spec: { holderIdentity: 'strategic', leaseDurationSeconds: 30, renewTime: '2024-05-01T10:00:00.500000Z' } } });
  const bad = await call(server.url, 'PATCH', `${SYSTEM}/patched`, { spec: { leaseDurationSeconds: -5 } }, { 'content-type': 'application/merge-patch+json' });
  t.like(bad, { code: 422, body: { details: { causes: [{ field: 'spec.leaseDurationSeconds' }] } } });
  const pinned = await call(server.url, 'PATCH', `${SYSTEM}/patched`, { metadata: { resourceVersion: '1' }, spec: { holderIdentity: 'late' } }, { 'content-type': 'application/merge-patch+json' });
  t.is(pinned.code, 409);
});

test('dryRun writes nothing; delete answers the deleted lease', async (t) => {
  const dry = await call(server.url, 'POST', `${SYSTEM}?dryRun=All`, wire('dry'));
  t.like(dry, { code: 201, body: { kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', metadata: { name: 'dry' } } });
  t.is((await call(server.url, 'GET', `${SYSTEM}/dry`)).code, 404);
  await call(server.url, 'POST', SYSTEM, wire('doomed'));
  const deleted = await call(server.url, 'DELETE', `${SYSTEM}/doomed`);
  t.like(deleted, { code: 200, body: { kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', metadata: { name: 'doomed' } } });
  t.is((await call(server.url, 'GET', `${SYSTEM}/doomed`)).code, 404);
});

test('leases live in namespaces: a missing one is 404, -A lists every one, selectors select', async (t) => {
  t.like(await call(server.url, 'POST', `${GROUP}/namespaces/nowhere/leases`, wire('x')), { code: 404, body: { message: 'namespaces "nowhere" not found' } });
  await call(server.url, 'POST', `${GROUP}/namespaces/kube-node-lease/leases`, wire('minion-1', {}, { labels: { tier: 'node' } }));
  await call(server.url, 'POST', `${GROUP}/namespaces/default/leases`, wire('minion-1', {}, { labels: { tier: 'app' } }));
  const all = await call(server.url, 'GET', `${GROUP}/leases?fieldSelector=metadata.name%3Dminion-1`);
  t.like(all.body, { kind: 'LeaseList', apiVersion: 'coordination.k8s.io/v1' });
  t.deepEqual(all.body.items.map((l: any) => l.metadata.namespace).sort(), ['default', 'kube-node-lease']);
  const nodes = await call(server.url, 'GET', `${GROUP}/leases?labelSelector=tier%3Dnode`);
  t.deepEqual(nodes.body.items.map((l: any) => l.metadata.namespace), ['kube-node-lease']);
  const inDefault = await call(server.url, 'GET', `${GROUP}/namespaces/default/leases?fieldSelector=metadata.namespace%3Ddefault`);
  t.deepEqual(inDefault.body.items.map((l: any) => l.metadata.name), ['minion-1']);
  t.like(await call(server.url, 'GET', `${GROUP}/leases?fieldSelector=spec.holderIdentity%3Dme`), { code: 400, body: { message: 'field label not supported: spec.holderIdentity' } });
  // Namespaced only: no cluster-scoped lease.
  t.is((await call(server.url, 'GET', `${GROUP}/leases/minion-1`)).code, 404);
});

test('a watch of leases sends leases, or Table rows with the column definitions in the first event only', async (t) => {
  await call(server.url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'watching' } });
  const leases = `${server.url}${GROUP}/namespaces/watching/leases?watch=true`;
  const watch = await openWatch(leases);
  t.teardown(() => watch.close());
  const table = await fetch(leases, { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
  const reader = table.body!.getReader();
  t.teardown(() => reader.cancel());
  for (const name of ['first', 'second']) await call(server.url, 'POST', `${GROUP}/namespaces/watching/leases`, wire(name, { holderIdentity: `${name}-holder` }));
  t.like(await watch.read(2), [
    { type: 'ADDED', object: { kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', metadata: { name: 'first' } } },
    { type: 'ADDED', object: { metadata: { name: 'second' } } },
  ]);
  let text = '';
  const decoder = new TextDecoder();
  while (text.split('\n').length < 3) text += decoder.decode((await reader.read()).value, { stream: true });
  const [first, second] = text.trim().split('\n').map((l) => JSON.parse(l));
  t.like(first, { type: 'ADDED', object: { kind: 'Table' } });
  t.deepEqual(first.object.columnDefinitions.map((c: any) => c.name), ['Name', 'Holder', 'Age']);
  t.deepEqual(first.object.rows[0].cells.slice(0, 2), ['first', 'first-holder']);
  t.is(second.object.columnDefinitions, null);
  t.deepEqual(second.object.rows[0].cells.slice(0, 2), ['second', 'second-holder']);
});

test('discovery: /apis lists coordination.k8s.io, its group and resource list name leases, OpenAPI says PATCH takes fieldValidation', async (t) => {
  const v1 = { groupVersion: 'coordination.k8s.io/v1', version: 'v1' };
  t.deepEqual((await call(server.url, 'GET', '/apis/coordination.k8s.io')).body, { kind: 'APIGroup', apiVersion: 'v1', name: 'coordination.k8s.io', versions: [v1], preferredVersion: v1 });
  t.deepEqual((await call(server.url, 'GET', GROUP)).body, {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'coordination.k8s.io/v1',
    resources: [{ name: 'leases', singularName: 'lease', namespaced: true, kind: 'Lease', verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] }],
  });
  const core = (await call(server.url, 'GET', '/api/v1')).body;
  t.false(core.resources.some((r: any) => r.name === 'leases'));
  t.true(core.resources.some((r: any) => r.name === 'pods/log'));

  const root = (await call(server.url, 'GET', '/openapi/v3')).body;
  t.deepEqual(Object.keys(root.paths), ['api/v1', 'apis/coordination.k8s.io/v1']);
  const url = root.paths['apis/coordination.k8s.io/v1'].serverRelativeURL;
  t.regex(url, /^\/openapi\/v3\/apis\/coordination\.k8s\.io\/v1\?hash=[0-9A-F]{128}$/);
  const doc = (await call(server.url, 'GET', url)).body;
  const patch = doc.paths['/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}'].patch;
  t.like(patch, { operationId: 'patchCoordinationV1NamespacedLease', 'x-kubernetes-group-version-kind': { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' } });
  t.true(patch.parameters.some((p: any) => p.name === 'fieldValidation'));
  t.truthy((await call(server.url, 'GET', '/openapi/v3/api/v1')).body.paths['/api/v1/namespaces/{namespace}/pods/{name}'].patch);
});

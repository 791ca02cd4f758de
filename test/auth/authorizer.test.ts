import test from 'ava';
import { authenticator } from '../../src/auth/authenticator.js';
import { authorizeByGroup } from '../../src/auth/authorizer.js';
import { requestInfo } from '../../src/auth/request-info.js';
import { nodeRestriction } from '../../src/auth/node-restriction.js';
import type { UserInfo } from '../../src/auth/user.js';
import type { ApiObject } from '../../src/api/model.js';

const user = (name: string, ...groups: string[]): UserInfo => ({ name, uid: name, groups: [...groups, 'system:authenticated'] });
const may = (u: UserInfo, method: string, path: string, query: Record<string, string> = {}) => authorizeByGroup(u, requestInfo(method, path, query));

test('request attributes are read from the path as kube-apiserver reads them, v1beta1 included', (t) => {
  t.deepEqual(requestInfo('GET', '/api/v1/namespaces/default/pods', {}), { resourceRequest: true, verb: 'list', apiGroup: '', resource: 'pods', subresource: '', namespace: 'default', name: '' });
  t.like(requestInfo('GET', '/api/v1/pods', { watch: 'true' }), { verb: 'watch', namespace: '' });
  t.like(requestInfo('PUT', '/api/v1/namespaces/ns/pods/p/status', {}), { verb: 'update', resource: 'pods', subresource: 'status', name: 'p' });
  t.like(requestInfo('DELETE', '/api/v1/namespaces/ns/pods', {}), { verb: 'deletecollection' });
  t.like(requestInfo('GET', '/api/v1/namespaces/team', {}), { resource: 'namespaces', name: 'team', namespace: 'team' });
  t.like(requestInfo('PATCH', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1', {}), { verb: 'patch', apiGroup: 'coordination.k8s.io', resource: 'leases', name: 'n1' });
  t.like(requestInfo('POST', '/api/v1beta1/replicationControllers', {}), { verb: 'create', resource: 'replicationcontrollers', namespace: '' });
  t.like(requestInfo('GET', '/api/v1beta1/pods/x', {}), { verb: 'get', resource: 'pods', namespace: 'default', name: 'x' });
  t.like(requestInfo('GET', '/api/v1beta1/watch/minions', {}), { verb: 'watch', resource: 'nodes' });
  t.deepEqual(requestInfo('GET', '/apis', {}), { resourceRequest: false, verb: 'get', path: '/apis' });
});

test('system:masters may do anything; the others are refused with Kubernetes\' message', (t) => {
  t.is(may(user('root', 'system:masters'), 'DELETE', '/api/v1/nodes/n1'), undefined);
  const denied = may(user('x'), 'POST', '/api/v1/namespaces/default/pods');
  t.is(denied?.info.code, 403);
  t.is(denied?.info.message, 'pods is forbidden: User "x" cannot create resource "pods" in API group "" in the namespace "default"');
  t.is(may(user('x'), 'GET', '/api/v1/nodes/n1')?.info.message, 'nodes "n1" is forbidden: User "x" cannot get resource "nodes" in API group "" at the cluster scope');
  t.is(may(user('x'), 'GET', '/metrics')?.info.message, 'forbidden: User "x" cannot get path "/metrics"');
  t.is(may(user('x'), 'GET', '/apis'), undefined, 'discovery is for every authenticated user');
  t.is(may({ name: 'system:anonymous', uid: '', groups: ['system:unauthenticated'] }, 'GET', '/version'), undefined, 'and the version for everyone');
  t.truthy(may({ name: 'system:anonymous', uid: '', groups: ['system:unauthenticated'] }, 'GET', '/apis'));
});

test('helmsman:view reads everything and writes nothing', (t) => {
  const viewer = user('v', 'helmsman:view');
  t.is(may(viewer, 'GET', '/api/v1/pods', { watch: '1' }), undefined);
  t.is(may(viewer, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases'), undefined);
  t.is(may(viewer, 'PATCH', '/api/v1/namespaces/default/pods/p')?.info.message, 'pods "p" is forbidden: User "v" cannot patch resource "pods" in API group "" in the namespace "default"');
  t.is(
    may(viewer, 'DELETE', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/l')?.info.message,
    'leases.coordination.k8s.io "l" is forbidden: User "v" cannot delete resource "leases" in API group "coordination.k8s.io" in the namespace "kube-system"',
  );
});

test('a node reads, and writes only its own Node and Lease, events and pod status', (t) => {
  const node = user('system:node:n1', 'system:nodes');
  t.is(may(node, 'GET', '/api/v1/pods', { fieldSelector: 'spec.nodeName=n1' }), undefined);
  t.is(may(node, 'PUT', '/api/v1/nodes/n1'), undefined);
  t.is(may(node, 'PUT', '/api/v1/nodes/n2')?.info.message, 'nodes "n2" is forbidden: User "system:node:n1" cannot update resource "nodes" in API group "" at the cluster scope');
  t.is(may(node, 'POST', '/api/v1/nodes'), undefined);
  t.is(may(node, 'PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1'), undefined);
  t.truthy(may(node, 'PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/n1'));
  t.is(may(node, 'POST', '/api/v1/namespaces/default/events'), undefined);
  t.is(may(node, 'PATCH', '/api/v1/namespaces/default/pods/p/status'), undefined);
  t.is(may(node, 'POST', '/api/v1/namespaces/default/pods')?.info.code, 403);
  t.is(may(node, 'DELETE', '/api/v1/namespaces/default/services/s')?.info.code, 403);
});

test('/debug/actors is for those who may read everything: viewers and masters, not nodes', (t) => {
  t.is(may(user('v', 'helmsman:view'), 'GET', '/debug/actors'), undefined);
  t.is(may(user('a', 'system:masters'), 'GET', '/debug/actors'), undefined);
  t.is(may(user('system:node:n1', 'system:nodes'), 'GET', '/debug/actors')?.info.message, 'forbidden: User "system:node:n1" cannot get path "/debug/actors"');
  t.is(may(user('someone'), 'GET', '/debug/actors')?.info.code, 403);
});

test('NodeRestriction: what a node creates or changes must be its own', (t) => {
  const node = user('system:node:n1', 'system:nodes');
  const meta = (name: string, namespace = '') => ({ name, namespace, uid: '', resourceVersion: 0, creationTimestamp: '', labels: {}, annotations: {} });
  const nodeObj = (name: string) => ({ kind: 'Node', metadata: meta(name), spec: {}, status: {} }) as unknown as ApiObject;
  t.is(nodeRestriction(node, nodeObj('n1')), undefined);
  t.is(nodeRestriction(node, nodeObj('n2'))?.info.message, 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
  const lease = (name: string, ns: string) => ({ kind: 'Lease', metadata: meta(name, ns), spec: {} }) as unknown as ApiObject;
  t.is(nodeRestriction(node, lease('n1', 'kube-node-lease')), undefined);
  t.is(nodeRestriction(node, lease('n2', 'kube-node-lease'))?.info.code, 403);
  const pod = (host: string) => ({ kind: 'Pod', metadata: meta('p', 'default'), spec: { host }, status: {} }) as unknown as ApiObject;
  t.is(nodeRestriction(node, pod(''), pod('n1')), undefined);
  t.is(nodeRestriction(node, pod(''), pod('n2'))?.info.message, 'pods "p" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself');
  t.is(nodeRestriction(user('admin', 'system:masters'), nodeObj('n2')), undefined, 'other users are not restricted');
});

test('the authenticator: tokens, basic credentials, anonymous only where allowed, and wrong credentials refused', (t) => {
  const alice = { name: 'alice', uid: '1', groups: ['team'] };
  const auth = authenticator({ tokens: new Map([['tok', alice]]), passwords: new Map([['pw', alice]]), anonymous: false });
  t.deepEqual(auth('Bearer tok'), { ...alice, groups: ['team', 'system:authenticated'] });
  t.is(auth('Bearer nope'), null);
  t.deepEqual(auth(`Basic ${Buffer.from('alice:pw').toString('base64')}`)?.name, 'alice');
  t.is(auth(`Basic ${Buffer.from('mallory:pw').toString('base64')}`), null, 'the password is not enough without its user');
  t.is(auth(undefined), null);
  const open = authenticator({ tokens: new Map([['tok', alice]]), anonymous: true });
  t.is(open(undefined)?.name, 'system:anonymous');
  t.is(open('Bearer wrong'), null, 'given and wrong is refused even where anonymous requests are served');
});

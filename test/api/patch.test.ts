import test, { type ExecutionContext } from 'ava';
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS,
  MAX_JSON_PATCH_OPERATIONS,
  PATCH_REJECTED,
} from '../../src/api/patch.js';
import { StatusError, type StatusInfo } from '../../src/api/status.js';

type Json = any;

/** The Status a patch function throws. */
function statusOf(t: ExecutionContext, apply: () => unknown): StatusInfo | undefined {
  return t.throws(apply, { instanceOf: StatusError })?.info;
}

/** Runs `apply` and checks that neither of its JSON inputs changed. */
function leavesInputsAlone(t: ExecutionContext, inputs: Json[], apply: () => unknown): unknown {
  const before = JSON.stringify(inputs);
  const result = apply();
  t.is(JSON.stringify(inputs), before, 'inputs unchanged');
  return result;
}

// ---- RFC 7386 JSON merge patch ----

test('a merge patch gives the results of RFC 7386 appendix A', (t) => {
  const examples: [Json, Json, Json][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [original, patch, result] of examples) {
    t.deepEqual(applyMergePatch(original, patch), result, `${JSON.stringify(original)} + ${JSON.stringify(patch)}`);
  }
});

test('a merge patch (kubectl label, scale) changes one field and keeps the rest of the object', (t) => {
  const pod = { metadata: { name: 'web', labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx' }] } };
  t.deepEqual(applyMergePatch(pod, { metadata: { labels: { tier: 'db' } } }), {
    metadata: { name: 'web', labels: { app: 'web', tier: 'db' } },
    spec: { containers: [{ name: 'nginx' }] },
  });
});

test('a merge patch mutates neither input and shares nothing with them', (t) => {
  const target = { a: { b: 1 }, list: [1, 2] };
  const patch = { a: { c: { d: 2 } }, list: [3], gone: null };
  const result = leavesInputsAlone(t, [target, patch], () => applyMergePatch(target, patch)) as Json;
  t.deepEqual(result, { a: { b: 1, c: { d: 2 } }, list: [3] });
  result.a.c.d = 99;
  result.list.push(4);
  t.deepEqual(patch, { a: { c: { d: 2 } }, list: [3], gone: null });
});

test('a merge patch key named __proto__ is data and pollutes no prototype', (t) => {
  const result = applyMergePatch({}, JSON.parse('{"__proto__":{"polluted":true}}')) as Json;
  t.true(Object.hasOwn(result, '__proto__'));
  t.is(Object.getPrototypeOf(result), Object.prototype);
  t.is(({} as Json).polluted, undefined);
});

// ---- RFC 6902 JSON patch ----

test('a JSON patch gives the results of RFC 6902 appendix A', (t) => {
  const examples: [Json, Json, Json][] = [
    [{ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { baz: 'qux', foo: 'bar' }], // A.1
    [{ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }], // A.2
    [{ baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }], // A.3
    [{ foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }], // A.4
    [{ baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }], // A.5
    [
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ], // A.6
    [{ foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }], { foo: ['all', 'cows', 'eat', 'grass'] }], // A.7
    [
      { baz: 'qux', foo: ['a', 2, 'c'] },
      [{ op: 'test', path: '/baz', value: 'qux' }, { op: 'test', path: '/foo/1', value: 2 }],
      { baz: 'qux', foo: ['a', 2, 'c'] },
    ], // A.8
    [{ foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }], { foo: 'bar', child: { grandchild: {} } }], // A.10
    [{ foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }], // A.16
  ];
  for (const [original, patch, result] of examples) {
    t.deepEqual(applyJsonPatch(original, patch), result, JSON.stringify(patch));
  }
});

test('a JSON patch that does not apply is 422 Invalid with the API server generic message', (t) => {
  const failing: [string, Json, Json][] = [
    ['A.9 a failing test', { baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }]],
    ['A.12 a missing parent', { foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }]],
    ['a missing member', { foo: 'bar' }, [{ op: 'replace', path: '/nope', value: 1 }]],
    ['an unknown op', { foo: 'bar' }, [{ op: 'frobnicate', path: '/foo' }]],
    ['a null operation', { foo: 'bar' }, [null]],
  ];
  for (const [what, target, patch] of failing) {
    t.deepEqual(statusOf(t, () => applyJsonPatch(target, patch)), { code: 422, reason: 'Invalid', message: PATCH_REJECTED }, what);
  }
});

test('a JSON patch that is not a list of operations is 400 BadRequest with Go decoding message', (t) => {
  t.deepEqual(statusOf(t, () => applyJsonPatch({}, { op: 'add', path: '/a', value: 1 })), {
    code: 400,
    reason: 'BadRequest',
    message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
  });
  t.is(statusOf(t, () => applyJsonPatch({}, ['add']))?.message, 'json: cannot unmarshal string into Go value of type jsonpatch.Operation');
});

test('a JSON patch of more than 10000 operations is 413', (t) => {
  const operations = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: 'test', path: '/a', value: 1 }));
  t.deepEqual(statusOf(t, () => applyJsonPatch({ a: 1 }, operations)), {
    code: 413,
    reason: 'RequestEntityTooLarge',
    message: 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001',
  });
  t.deepEqual(applyJsonPatch({ a: 1 }, operations.slice(1)), { a: 1 });
});

test('a JSON patch mutates neither the target nor the values of its operations', (t) => {
  const target = { spec: { containers: [{ name: 'a' }] } };
  const operations = [
    { op: 'add', path: '/metadata', value: { labels: {} } },
    { op: 'add', path: '/metadata/labels/app', value: 'web' },
    { op: 'replace', path: '/spec/containers/0/name', value: 'b' },
  ];
  const result = leavesInputsAlone(t, [target, operations], () => applyJsonPatch(target, operations));
  t.deepEqual(result, { spec: { containers: [{ name: 'b' }] }, metadata: { labels: { app: 'web' } } });
});

// ---- strategic merge patch ----

const twoContainers = (): Json => ({
  kind: 'Pod',
  metadata: { name: 'web', labels: { app: 'web', tier: 'frontend' } },
  spec: {
    containers: [
      { name: 'nginx', image: 'nginx:1.25', env: [{ name: 'MODE', value: 'prod' }, { name: 'LOG', value: 'info' }] },
      { name: 'sidecar', image: 'busybox:1.36', command: ['sleep', '3600'] },
    ],
    tolerations: [{ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'Exists' }],
  },
});

test('a strategic merge patch merges containers by name', (t) => {
  const result = applyStrategicMergePatch(twoContainers(), { spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } }, 'Pod') as Json;
  t.deepEqual(result.spec.containers, [
    { name: 'nginx', image: 'nginx:1.27', env: [{ name: 'MODE', value: 'prod' }, { name: 'LOG', value: 'info' }] },
    { name: 'sidecar', image: 'busybox:1.36', command: ['sleep', '3600'] },
  ]);
});

test('a strategic merge patch merges env by name and appends a new variable', (t) => {
  const patch = { spec: { containers: [{ name: 'nginx', env: [{ name: 'LOG', value: 'debug' }, { name: 'COLOR', value: 'blue' }] }] } };
  const result = applyStrategicMergePatch(twoContainers(), patch, 'Pod') as Json;
  t.deepEqual(result.spec.containers[0].env, [
    { name: 'MODE', value: 'prod' },
    { name: 'LOG', value: 'debug' },
    { name: 'COLOR', value: 'blue' },
  ]);
});

test('a strategic merge patch merges the containers of a replication controller template by name', (t) => {
  const rc = {
    kind: 'ReplicationController',
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }] } } },
  };
  const patch = { spec: { template: { spec: { containers: [{ name: 'b', image: 'b:2' }] } } } };
  const result = applyStrategicMergePatch(rc, patch, 'ReplicationController') as Json;
  t.deepEqual(result.spec.template.spec.containers, [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:2' }]);
});

test('$setElementOrder/containers reorders the merged list', (t) => {
  const patch = { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'nginx' }] } };
  const result = applyStrategicMergePatch(twoContainers(), patch, 'Pod') as Json;
  t.deepEqual(
    result.spec.containers.map((c: Json) => c.name),
    ['sidecar', 'nginx'],
  );
  t.false('$setElementOrder/containers' in result.spec);
});

test('without $setElementOrder the patch order wins and server-only elements keep their place (design proposal example)', (t) => {
  // preserve-order-in-strategic-merge-patch.md: live B C A, patch A' B' D (B' re-adds nothing: B is there).
  const pod = { spec: { containers: [{ name: 'nginx', env: [{ name: 'B' }, { name: 'C' }, { name: 'A' }] }] } };
  const patch = { spec: { containers: [{ name: 'nginx', env: [{ name: 'A', value: "a'" }, { name: 'B', value: "b'" }, { name: 'D' }] }] } };
  const result = applyStrategicMergePatch(pod, patch, 'Pod') as Json;
  t.deepEqual(result.spec.containers[0].env, [{ name: 'C' }, { name: 'A', value: "a'" }, { name: 'B', value: "b'" }, { name: 'D' }]);
});

test('elements only the server has keep their place among those the patch orders', (t) => {
  const pod = { spec: { containers: [{ name: 'a' }, { name: 'injected' }, { name: 'b' }] } };
  const patch = { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }, { name: 'c' }], containers: [{ name: 'c' }] } };
  const result = applyStrategicMergePatch(pod, patch, 'Pod') as Json;
  t.deepEqual(result.spec.containers, [{ name: 'a' }, { name: 'injected' }, { name: 'b' }, { name: 'c' }]);
});

test('a patch list out of the $setElementOrder order is rejected', (t) => {
  const patch = {
    spec: { '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }], containers: [{ name: 'sidecar' }, { name: 'nginx' }] },
  };
  const status = statusOf(t, () => applyStrategicMergePatch(twoContainers(), patch, 'Pod'));
  t.is(status?.code, 400);
  t.is(
    status?.message,
    "the order in patch list:\n[map[name:sidecar] map[name:nginx]]\n doesn't match $setElementOrder list:\n[map[name:nginx] map[name:sidecar]]",
  );
});

test('a null in a strategic merge patch deletes a label', (t) => {
  const result = applyStrategicMergePatch(twoContainers(), { metadata: { labels: { tier: null } } }, 'Pod') as Json;
  t.deepEqual(result.metadata.labels, { app: 'web' });
});

test('$patch: delete on a list element removes the element with that key', (t) => {
  const result = applyStrategicMergePatch(twoContainers(), { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } }, 'Pod') as Json;
  t.deepEqual(
    result.spec.containers.map((c: Json) => c.name),
    ['nginx'],
  );
});

test('$patch: replace on a map replaces the whole map', (t) => {
  const result = applyStrategicMergePatch(twoContainers(), { metadata: { labels: { $patch: 'replace', role: 'cache' } } }, 'Pod') as Json;
  t.deepEqual(result.metadata.labels, { role: 'cache' });
});

test('$patch: delete on a map empties it', (t) => {
  const result = applyStrategicMergePatch(twoContainers(), { metadata: { labels: { $patch: 'delete' } } }, 'Pod') as Json;
  t.deepEqual(result.metadata.labels, {});
});

test('$patch: replace in a merging list replaces the whole list', (t) => {
  const patch = { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'only:1' }] } };
  const result = applyStrategicMergePatch(twoContainers(), patch, 'Pod') as Json;
  t.deepEqual(result.spec.containers, [{ name: 'only', image: 'only:1' }]);
});

test('$retainKeys clears the fields of a volume source that it does not list', (t) => {
  const pod = { spec: { volumes: [{ name: 'data', emptyDir: { medium: 'Memory' } }, { name: 'other', emptyDir: {} }] } };
  const patch = { spec: { volumes: [{ name: 'data', $retainKeys: ['hostPath', 'name'], hostPath: { path: '/srv' } }] } };
  const result = applyStrategicMergePatch(pod, patch, 'Pod') as Json;
  t.deepEqual(result.spec.volumes, [{ name: 'data', hostPath: { path: '/srv' } }, { name: 'other', emptyDir: {} }]);
});

test('$retainKeys that omits a field the patch sets is rejected', (t) => {
  const pod = { spec: { volumes: [{ name: 'data', emptyDir: {} }] } };
  const patch = { spec: { volumes: [{ name: 'data', $retainKeys: ['name'], hostPath: { path: '/srv' } }] } };
  t.deepEqual(statusOf(t, () => applyStrategicMergePatch(pod, patch, 'Pod')), {
    code: 400,
    reason: 'BadRequest',
    message: ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS,
  });
});

test('$deleteFromPrimitiveList/finalizers removes finalizers, and finalizers merge as a set', (t) => {
  const pod = { metadata: { name: 'web', finalizers: ['a.io/x', 'b.io/y', 'c.io/z'] } };
  const removed = applyStrategicMergePatch(pod, { metadata: { '$deleteFromPrimitiveList/finalizers': ['b.io/y'] } }, 'Pod') as Json;
  t.deepEqual(removed.metadata, { name: 'web', finalizers: ['a.io/x', 'c.io/z'] });
  const added = applyStrategicMergePatch(pod, { metadata: { finalizers: ['c.io/z', 'd.io/w'] } }, 'Pod') as Json;
  t.deepEqual(added.metadata.finalizers, ['a.io/x', 'b.io/y', 'c.io/z', 'd.io/w']);
});

test('service ports merge by port', (t) => {
  const service = {
    kind: 'Service',
    spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'https', port: 443, targetPort: 8443 }] },
  };
  const patch = { spec: { ports: [{ port: 443, targetPort: 9443 }, { name: 'admin', port: 9000 }] } };
  const result = applyStrategicMergePatch(service, patch, 'Service') as Json;
  t.deepEqual(result.spec.ports, [
    { name: 'http', port: 80, targetPort: 8080 },
    { name: 'https', port: 443, targetPort: 9443 },
    { name: 'admin', port: 9000 },
  ]);
});

test('node conditions and addresses merge by type, an entry new to the server going first as Go puts it', (t) => {
  const node = {
    kind: 'Node',
    status: {
      conditions: [{ type: 'Ready', status: 'True' }, { type: 'DiskPressure', status: 'False' }],
      addresses: [{ type: 'InternalIP', address: '10.0.0.5' }],
    },
  };
  const patch = { status: { conditions: [{ type: 'Ready', status: 'False' }], addresses: [{ type: 'Hostname', address: 'node-1' }] } };
  const result = applyStrategicMergePatch(node, patch, 'Node') as Json;
  t.deepEqual(result.status, {
    conditions: [{ type: 'Ready', status: 'False' }, { type: 'DiskPressure', status: 'False' }],
    addresses: [{ type: 'Hostname', address: 'node-1' }, { type: 'InternalIP', address: '10.0.0.5' }],
  });
});

test('a list without a patch strategy (tolerations, command) is replaced whole', (t) => {
  const patch = { spec: { tolerations: [{ key: 'c', operator: 'Exists' }], containers: [{ name: 'sidecar', command: ['sleep', '60'] }] } };
  const result = applyStrategicMergePatch(twoContainers(), patch, 'Pod') as Json;
  t.deepEqual(result.spec.tolerations, [{ key: 'c', operator: 'Exists' }]);
  t.deepEqual(result.spec.containers[1].command, ['sleep', '60']);
});

test('a kind without a table merges its metadata lists and replaces the others', (t) => {
  const scale = { metadata: { finalizers: ['a'] }, spec: { containers: [{ name: 'x' }, { name: 'y' }] } };
  const patch = { metadata: { finalizers: ['b'] }, spec: { containers: [{ name: 'y', image: 'y:2' }] } };
  const result = applyStrategicMergePatch(scale, patch, 'Scale') as Json;
  t.deepEqual(result, { metadata: { finalizers: ['b', 'a'] }, spec: { containers: [{ name: 'y', image: 'y:2' }] } });
});

test('a list element without its merge key is rejected with the server message', (t) => {
  t.deepEqual(statusOf(t, () => applyStrategicMergePatch(twoContainers(), { spec: { containers: [{ image: 'nginx:1.27' }] } }, 'Pod')), {
    code: 400,
    reason: 'BadRequest',
    message: 'map: map[image:nginx:1.27] does not contain declared merge key: name',
  });
});

test('a $patch with an unknown value is rejected with the server message', (t) => {
  t.is(
    statusOf(t, () => applyStrategicMergePatch(twoContainers(), { metadata: { labels: { $patch: 'frobnicate' } } }, 'Pod'))?.message,
    'unknown patch type: frobnicate in map: map[$patch:frobnicate]',
  );
  t.is(statusOf(t, () => applyStrategicMergePatch(twoContainers(), { spec: { containers: [{ name: 'nginx', $patch: 'drop' }] } }, 'Pod'))?.code, 400);
});

test('a strategic merge patch that is not an object is rejected, and null changes nothing', (t) => {
  t.deepEqual(statusOf(t, () => applyStrategicMergePatch(twoContainers(), [{ a: 1 }], 'Pod')), {
    code: 400,
    reason: 'BadRequest',
    message: 'json: cannot unmarshal array into Go value of type map[string]interface {}',
  });
  t.deepEqual(applyStrategicMergePatch(twoContainers(), null, 'Pod'), twoContainers());
});

test('a list of lists in a merging list is unprocessable', (t) => {
  t.like(statusOf(t, () => applyStrategicMergePatch({ metadata: { finalizers: ['a'] } }, { metadata: { finalizers: [['b']] } }, 'Pod')), {
    code: 422,
    reason: 'Invalid',
  });
});

test('a new field taken from the patch leaves its directives and nulls behind', (t) => {
  const patch = {
    metadata: { annotations: { note: 'x', gone: null } },
    spec: {
      affinity: { $patch: 'delete' },
      '$setElementOrder/initContainers': [{ name: 'b' }, { name: 'a' }],
      initContainers: [
        { name: 'b', args: null, '$setElementOrder/env': [{ name: 'E' }], env: [{ name: 'E' }] },
        { name: 'a' },
        { name: 'c', $patch: 'delete' },
      ],
    },
  };
  const result = applyStrategicMergePatch({ metadata: {}, spec: {} }, patch, 'Pod') as Json;
  t.deepEqual(result, { metadata: { annotations: { note: 'x' } }, spec: { initContainers: [{ name: 'b', env: [{ name: 'E' }] }, { name: 'a' }] } });
});

test('a strategic merge patch mutates neither input and shares nothing with the patch', (t) => {
  const pod = twoContainers();
  const patch: Json = {
    metadata: { labels: { tier: null }, annotations: { a: 'b' } },
    spec: {
      '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'nginx' }, { name: 'new' }],
      containers: [{ name: 'nginx', env: [{ name: 'LOG', $patch: 'delete' }] }, { name: 'new', env: [{ name: 'X', value: '1' }] }],
    },
  };
  const result = leavesInputsAlone(t, [pod, patch], () => applyStrategicMergePatch(pod, patch, 'Pod')) as Json;
  result.spec.containers[2].env[0].value = 'changed';
  result.metadata.annotations.a = 'changed';
  t.is(patch.spec.containers[1].env[0].value, '1');
  t.is(patch.metadata.annotations.a, 'b');
});

// ---- kubectl apply 1.32 fixtures ----
// The patches are the request bodies `kubectl apply -f` (v1.32.4) sent, byte for byte, captured by
// a small fake API server: the object was created by `kubectl apply` of the first version (its
// last-applied annotation is kubectl's), given typical server defaults, then the second version
// applied. Directives are read by the functions under test; the expected results are by hand.

const POD_APPLY_PATCH = String.raw`{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"annotations\":{},\"labels\":{\"app\":\"web\"},\"name\":\"web\",\"namespace\":\"default\"},\"spec\":{\"containers\":[{\"command\":[\"sleep\",\"3600\"],\"image\":\"busybox:1.36\",\"name\":\"sidecar\"},{\"env\":[{\"name\":\"MODE\",\"value\":\"prod\"},{\"name\":\"LOG\",\"value\":\"debug\"},{\"name\":\"COLOR\",\"value\":\"blue\"}],\"image\":\"nginx:1.27\",\"name\":\"nginx\",\"ports\":[{\"containerPort\":80}]},{\"image\":\"prom/node-exporter:v1.8.0\",\"name\":\"metrics\"}]}}\n"},"labels":{"tier":null}},"spec":{"$setElementOrder/containers":[{"name":"sidecar"},{"name":"nginx"},{"name":"metrics"}],"containers":[{"$setElementOrder/env":[{"name":"MODE"},{"name":"LOG"},{"name":"COLOR"}],"env":[{"name":"LOG","value":"debug"},{"name":"COLOR","value":"blue"}],"image":"nginx:1.27","name":"nginx"},{"image":"prom/node-exporter:v1.8.0","name":"metrics"}]}}`;

const RC_APPLY_PATCH = String.raw`{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"kind\":\"ReplicationController\",\"metadata\":{\"annotations\":{},\"name\":\"frontend\",\"namespace\":\"default\"},\"spec\":{\"replicas\":3,\"selector\":{\"app\":\"frontend\"},\"template\":{\"metadata\":{\"labels\":{\"app\":\"frontend\"}},\"spec\":{\"containers\":[{\"env\":[{\"name\":\"A\",\"value\":\"1\"}],\"image\":\"example/app:2\",\"name\":\"app\",\"volumeMounts\":[{\"mountPath\":\"/data\",\"name\":\"data\"}]}],\"volumes\":[{\"hostPath\":{\"path\":\"/srv/data\"},\"name\":\"data\"}]}}}}\n"},"finalizers":null},"spec":{"replicas":3,"template":{"spec":{"$setElementOrder/containers":[{"name":"app"}],"$setElementOrder/volumes":[{"name":"data"}],"containers":[{"$setElementOrder/env":[{"name":"A"}],"env":[{"$patch":"delete","name":"B"}],"image":"example/app:2","name":"app"},{"$patch":"delete","name":"logger"}],"volumes":[{"$retainKeys":["hostPath","name"],"emptyDir":null,"hostPath":{"path":"/srv/data"},"name":"data"}]}}}}`;

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const SERVICE_ACCOUNT_MOUNT = { mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', name: 'kube-api-access-x7k2p', readOnly: true };
const CONTAINER_DEFAULTS = {
  imagePullPolicy: 'IfNotPresent',
  resources: {},
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
};

/** The stored pod after `kubectl apply` of version 1 (nginx then sidecar, labels app and tier). */
const storedPod = (): Json => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    annotations: {
      [LAST_APPLIED]: String.raw`{"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{},"labels":{"app":"web","tier":"frontend"},"name":"web","namespace":"default"},"spec":{"containers":[{"env":[{"name":"MODE","value":"prod"},{"name":"LOG","value":"info"}],"image":"nginx:1.25","name":"nginx","ports":[{"containerPort":80}]},{"command":["sleep","3600"],"image":"busybox:1.36","name":"sidecar"}]}}` + '\n',
    },
    labels: { app: 'web', tier: 'frontend' },
    name: 'web',
    namespace: 'default',
    uid: '6f1d1c1e-3f0a-4a43-9d59-0c1f4b8e2a11',
    resourceVersion: '1042',
    creationTimestamp: '2025-01-15T10:00:00Z',
  },
  spec: {
    containers: [
      {
        env: [{ name: 'MODE', value: 'prod' }, { name: 'LOG', value: 'info' }],
        image: 'nginx:1.25',
        name: 'nginx',
        ports: [{ containerPort: 80, protocol: 'TCP' }],
        ...CONTAINER_DEFAULTS,
        volumeMounts: [SERVICE_ACCOUNT_MOUNT],
      },
      { command: ['sleep', '3600'], image: 'busybox:1.36', name: 'sidecar', ...CONTAINER_DEFAULTS, volumeMounts: [SERVICE_ACCOUNT_MOUNT] },
    ],
    dnsPolicy: 'ClusterFirst',
    nodeName: 'node-1',
    restartPolicy: 'Always',
    schedulerName: 'default-scheduler',
    securityContext: {},
    serviceAccountName: 'default',
    terminationGracePeriodSeconds: 30,
    tolerations: [
      { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
      { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
    ],
    volumes: [
      { name: 'kube-api-access-x7k2p', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }] } },
    ],
  },
  status: { phase: 'Running', hostIP: '10.0.0.5', podIP: '10.244.1.7', conditions: [{ type: 'Ready', status: 'True' }] },
});

/** The stored replication controller after `kubectl apply` of version 1, plus a finalizer the server added. */
const storedReplicationController = (): Json => ({
  apiVersion: 'v1',
  kind: 'ReplicationController',
  metadata: {
    annotations: {
      [LAST_APPLIED]: String.raw`{"apiVersion":"v1","kind":"ReplicationController","metadata":{"annotations":{},"finalizers":["example.com/keep"],"name":"frontend","namespace":"default"},"spec":{"replicas":2,"selector":{"app":"frontend"},"template":{"metadata":{"labels":{"app":"frontend"}},"spec":{"containers":[{"env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"image":"example/app:1","name":"app","volumeMounts":[{"mountPath":"/data","name":"data"}]},{"image":"example/logger:1","name":"logger"}],"volumes":[{"emptyDir":{},"name":"data"}]}}}}` + '\n',
    },
    finalizers: ['example.com/keep', 'example.com/server-added'],
    name: 'frontend',
    namespace: 'default',
    uid: '0b8f7a52-9c1e-4d0e-8a7b-2f4c6d9e1a33',
    resourceVersion: '2001',
    creationTimestamp: '2025-01-15T10:05:00Z',
    generation: 1,
  },
  spec: {
    replicas: 2,
    selector: { app: 'frontend' },
    template: {
      metadata: { labels: { app: 'frontend' }, creationTimestamp: null },
      spec: {
        containers: [
          {
            env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
            image: 'example/app:1',
            name: 'app',
            volumeMounts: [{ mountPath: '/data', name: 'data' }],
            ...CONTAINER_DEFAULTS,
          },
          { image: 'example/logger:1', name: 'logger', ...CONTAINER_DEFAULTS },
        ],
        volumes: [{ emptyDir: {}, name: 'data' }],
        dnsPolicy: 'ClusterFirst',
        restartPolicy: 'Always',
        schedulerName: 'default-scheduler',
        securityContext: {},
        terminationGracePeriodSeconds: 30,
      },
    },
  },
  status: { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 },
});

test('kubectl apply of a pod: labels, env and containers merged and ordered as the new config says', (t) => {
  const patch = JSON.parse(POD_APPLY_PATCH);
  const result = applyStrategicMergePatch(storedPod(), patch, 'Pod') as Json;

  const expected = storedPod();
  expected.metadata.annotations[LAST_APPLIED] = patch.metadata.annotations[LAST_APPLIED];
  delete expected.metadata.labels.tier;
  const [nginx, sidecar] = expected.spec.containers;
  nginx.image = 'nginx:1.27';
  nginx.env = [{ name: 'MODE', value: 'prod' }, { name: 'LOG', value: 'debug' }, { name: 'COLOR', value: 'blue' }];
  expected.spec.containers = [sidecar, nginx, { image: 'prom/node-exporter:v1.8.0', name: 'metrics' }];

  t.deepEqual(result, expected);
  t.false(JSON.stringify(result).includes('"$'), 'no directive left');
});

test('kubectl apply of a replication controller: deleted container and env, volume source swapped, finalizers cleared', (t) => {
  const patch = JSON.parse(RC_APPLY_PATCH);
  const result = applyStrategicMergePatch(storedReplicationController(), patch, 'ReplicationController') as Json;

  const expected = storedReplicationController();
  expected.metadata.annotations[LAST_APPLIED] = patch.metadata.annotations[LAST_APPLIED];
  delete expected.metadata.finalizers;
  expected.spec.replicas = 3;
  const podSpec = expected.spec.template.spec;
  podSpec.containers = [{ ...podSpec.containers[0], image: 'example/app:2', env: [{ name: 'A', value: '1' }] }];
  podSpec.volumes = [{ name: 'data', hostPath: { path: '/srv/data' } }];

  t.deepEqual(result, expected);
  t.false(JSON.stringify(result).includes('"$'), 'no directive left');
});

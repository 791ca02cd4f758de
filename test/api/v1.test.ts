import test from 'ava';
import fc from 'fast-check';
import type { ApiObject, Endpoints, Event, Namespace, Node, Pod, ReplicationController, Service } from '../../src/api/model.js';
import { RESOURCE_OF_KIND } from '../../src/api/resources.js';
import { StatusError } from '../../src/api/status.js';
import { decodeV1, toV1, v1ListEnvelope, v1Path } from '../../src/api/v1.js';
import { formatQuantity, parseQuantity, QUANTITY_FORMAT_ERROR, QUANTITY_SUFFIX_ERROR } from '../../src/api/quantity.js';
import { decodeV1beta1 } from '../../src/api/v1beta1.js';
import { seed } from '../api-helpers.js';

function roundTrip(obj: ApiObject): ApiObject {
  // Through JSON, as on the wire.
  const { object, warnings } = decodeV1(RESOURCE_OF_KIND[obj.kind], JSON.parse(JSON.stringify(toV1(obj))), { strict: true });
  // What the server prints, a client may send back (`kubectl replace`) without a word of complaint.
  if (warnings.length) throw new Error(`warnings on a printed ${obj.kind}: ${warnings.join('; ')}`);
  return object;
}

/** The StatusError `fn` throws. */
function statusOf(t: { throws: (fn: () => unknown, e: { instanceOf: typeof StatusError }) => unknown }, fn: () => unknown): StatusError['info'] {
  return (t.throws(fn, { instanceOf: StatusError }) as StatusError).info;
}

const meta = (name: string, namespace = 'default') => ({
  name,
  namespace,
  uid: '6f1c2d3e-0000-4000-8000-000000000001',
  resourceVersion: 42,
  creationTimestamp: '2014-10-01T12:00:00Z',
  labels: { name: 'redis', role: 'master' },
  annotations: { note: 'kept' },
});

const pod: Pod = {
  kind: 'Pod',
  metadata: {
    ...meta('redis-master'),
    generateName: 'redis-',
    ownerReferences: [{ kind: 'ReplicationController', name: 'redis', uid: 'rc-uid', controller: true }],
  },
  spec: {
    containers: [
      {
        name: 'redis',
        image: 'gurpartap/redis',
        command: ['redis-server', '--port', '6379'],
        args: ['--appendonly', 'yes'],
        workingDir: '/data',
        ports: [
          { name: 'redis-server', containerPort: 6379, hostPort: 6380, protocol: 'TCP', hostIP: '127.0.0.1' },
          { containerPort: 6380, protocol: 'UDP' },
        ],
        env: [
          { name: 'MODE', value: 'master' },
          { name: 'EMPTY', value: '' },
        ],
        memory: 64 * 1024 * 1024,
        cpu: 500,
        volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
        livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 5, periodSeconds: 3, failureThreshold: 2 },
        imagePullPolicy: 'PullIfNotPresent',
      },
      {
        name: 'sidecar',
        image: 'busybox',
        ports: [],
        env: [],
        cpu: 1500,
        memory: 1_000_000_000,
        volumeMounts: [],
        livenessProbe: { exec: { command: ['true'] } },
      },
    ],
    restartPolicy: 'OnFailure',
    volumes: [{ name: 'data', source: { emptyDir: {} } }, { name: 'bare' }],
    nodeSelector: { disk: 'ssd' },
    host: 'minion-1',
    manifest: { version: 'v1beta1', id: 'redis-master' },
  },
  status: {
    phase: 'Running',
    message: 'back-off 10s restarting failed container=sidecar pod=redis-master',
    host: 'minion-1',
    hostIP: '127.0.0.2',
    podIP: '127.1.0.5',
    containers: {
      redis: {
        state: { running: { startedAt: '2014-10-01T12:00:01Z' } },
        restartCount: 2,
        image: 'gurpartap/redis',
        containerID: 'docker://abc',
        podIP: '127.1.0.5',
        ready: true,
      },
      sidecar: {
        state: { termination: { exitCode: 1, reason: 'Error', startedAt: '2014-10-01T12:00:00Z', finishedAt: '2014-10-01T12:00:04Z' } },
        restartCount: 0,
        image: 'busybox',
        podIP: '127.1.0.5',
        ready: false,
      },
    },
  },
};

const controller: ReplicationController = {
  kind: 'ReplicationController',
  metadata: meta('redisSlaveController'),
  spec: {
    replicas: 2,
    selector: { name: 'redisslave' },
    template: {
      metadata: { labels: { name: 'redisslave' }, annotations: { team: 'a' } },
      spec: { ...pod.spec, host: '', restartPolicy: 'Always', manifest: { version: 'v1beta1', id: '' } },
    },
  },
  status: { replicas: 1, readyReplicas: 1 },
};

const service: Service = {
  kind: 'Service',
  metadata: meta('redismaster'),
  spec: {
    ports: [
      { port: 6379, protocol: 'TCP', targetPort: 'redis-server' },
      { port: 53, protocol: 'UDP', targetPort: 5353 },
    ],
    selector: { name: 'redis' },
    clusterIP: '10.0.0.11',
    externalIPs: ['1.2.3.4'],
    createExternalLoadBalancer: true,
  },
  status: {},
};

const node: Node = {
  kind: 'Node',
  metadata: { ...meta('minion-1', ''), annotations: {} },
  spec: {},
  status: {
    hostIP: '127.0.0.2',
    capacity: { cpu: 2000, memory: 4 * 2 ** 30 },
    conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2014-10-01T12:00:05Z', reason: 'KubeletReady' }],
  },
};

const endpoints: Endpoints = {
  kind: 'Endpoints',
  metadata: meta('redismaster'),
  endpoints: [
    { ip: '127.1.0.5', port: 6379 },
    { ip: '127.1.0.9', port: 6380 },
    { ip: '127.1.0.10', port: 6379 },
  ],
};

const event: Event = {
  kind: 'Event',
  metadata: meta('redis-master.1'),
  involvedObject: { kind: 'Pod', name: 'redis-master', namespace: 'default', uid: 'u', apiVersion: 'v1', fieldPath: 'spec.containers{redis}' },
  reason: 'Started',
  message: 'started container redis',
  status: '',
  source: { component: 'kubelet', host: 'minion-1' },
  firstTimestamp: '2014-10-01T12:00:01Z',
  lastTimestamp: '2014-10-01T12:00:02Z',
  count: 2,
  type: 'Normal',
};

const namespace: Namespace = { kind: 'Namespace', metadata: meta('team-a', ''), spec: { finalizers: ['kubernetes'] }, status: { phase: 'Terminating' } };

for (const obj of [pod, controller, service, node, endpoints, event, namespace] as ApiObject[]) {
  test(`a ${obj.kind} survives internal → v1 → internal unchanged`, (t) => {
    t.deepEqual(roundTrip(obj), obj);
  });
}

test('a v1beta1 pod printed as v1 has the same containers and labels', (t) => {
  const internal = decodeV1beta1('pods', seed('redis-master-pod')) as Pod;
  const v1 = JSON.parse(JSON.stringify(toV1(internal)));
  t.like(v1, { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'redis-master-pod', namespace: 'default', labels: { name: 'redis', role: 'master' } } });
  t.deepEqual(v1.spec.containers, [
    { name: 'redis-master', image: 'gurpartap/redis', ports: [{ name: 'redis-server', containerPort: 6379, protocol: 'TCP' }], resources: {} },
  ]);
  const back = decodeV1('pods', v1).object as Pod;
  t.deepEqual(back.spec.containers, internal.spec.containers);
  t.deepEqual(back.metadata.labels, internal.metadata.labels);
});

test('the v1 wire shape: a string resourceVersion, nodeName, limits as quantities, status as kubectl reads it', (t) => {
  const v1 = toV1(pod) as any;
  t.is(v1.metadata.resourceVersion, '42');
  t.deepEqual(v1.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'redis', uid: 'rc-uid', controller: true }]);
  t.false('manifest' in v1.spec);
  t.false('host' in v1.spec);
  t.is(v1.spec.nodeName, 'minion-1');
  t.deepEqual(v1.spec.containers[0].resources, { limits: { cpu: '500m', memory: '64Mi' } });
  t.deepEqual(v1.spec.containers[1].resources, { limits: { cpu: '1500m', memory: '1G' } });
  t.is(v1.spec.containers[0].imagePullPolicy, 'IfNotPresent');
  t.deepEqual(v1.spec.containers[0].env, [{ name: 'MODE', value: 'master' }, { name: 'EMPTY' }]);
  t.deepEqual(v1.spec.volumes, [{ name: 'data', emptyDir: {} }, { name: 'bare' }]);
  t.like(v1.status, { phase: 'Running', hostIP: '127.0.0.2', podIP: '127.1.0.5', podIPs: [{ ip: '127.1.0.5' }], startTime: '2014-10-01T12:00:00Z', qosClass: 'Guaranteed' });
  t.deepEqual(
    v1.status.conditions.map((c: any) => [c.type, c.status]),
    [['Initialized', 'True'], ['Ready', 'False'], ['ContainersReady', 'False'], ['PodScheduled', 'True']],
  );
  t.is(v1.status.conditions[1].message, 'containers with unready status: [sidecar]');
  t.deepEqual(v1.status.containerStatuses, [
    {
      name: 'redis',
      state: { running: { startedAt: '2014-10-01T12:00:01Z' } },
      lastState: {},
      ready: true,
      restartCount: 2,
      image: 'gurpartap/redis',
      imageID: '',
      containerID: 'docker://abc',
      started: true,
    },
    {
      name: 'sidecar',
      state: { terminated: { exitCode: 1, reason: 'Error', startedAt: '2014-10-01T12:00:00Z', finishedAt: '2014-10-01T12:00:04Z' } },
      lastState: {},
      ready: false,
      restartCount: 0,
      image: 'busybox',
      imageID: '',
      started: false,
    },
  ]);
});

test('a running pod whose containers are all ready is Ready; an unbound one has no conditions', (t) => {
  const ready: Pod = { ...pod, status: { ...pod.status, containers: { redis: pod.status.containers.redis!, sidecar: { ...pod.status.containers.sidecar!, ready: true } } } };
  t.deepEqual(
    (toV1(ready) as any).status.conditions.map((c: any) => c.status),
    ['True', 'True', 'True', 'True'],
  );
  const pending: Pod = { ...pod, spec: { ...pod.spec, host: '' }, status: { phase: 'Pending', containers: {} } };
  const v1 = toV1(pending) as any;
  t.false('conditions' in v1.status);
  t.false('containerStatuses' in v1.status);
});

test('other kinds print as core/v1 does', (t) => {
  const rc = toV1(controller) as any;
  t.deepEqual(rc.status, { replicas: 1, readyReplicas: 1, availableReplicas: 1 });
  t.like(rc.spec, { replicas: 2, selector: { name: 'redisslave' }, template: { metadata: { creationTimestamp: null, labels: { name: 'redisslave' } } } });
  const svc = toV1(service) as any;
  t.deepEqual(svc.spec.ports, [
    { protocol: 'TCP', port: 6379, targetPort: 'redis-server' },
    { protocol: 'UDP', port: 53, targetPort: 5353 },
  ]);
  t.like(svc.spec, { type: 'LoadBalancer', clusterIP: '10.0.0.11', clusterIPs: ['10.0.0.11'], sessionAffinity: 'None', externalIPs: ['1.2.3.4'] });
  t.deepEqual(svc.status, { loadBalancer: { ingress: [{ ip: '1.2.3.4', ipMode: 'VIP' }] } });
  t.is((toV1({ ...service, spec: { ...service.spec, createExternalLoadBalancer: false } }) as any).spec.type, 'ClusterIP');
  const n = toV1(node) as any;
  t.false('namespace' in n.metadata);
  t.deepEqual(n.status.capacity, { cpu: '2', memory: '4Gi', pods: '110' });
  t.deepEqual(n.status.addresses, [{ type: 'InternalIP', address: '127.0.0.2' }, { type: 'Hostname', address: 'minion-1' }]);
  t.like(n.status.conditions[0], { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' });
  t.like(n.status.nodeInfo, { kubeletVersion: 'v0.5.0-helmsman', operatingSystem: 'linux' });
  t.deepEqual((toV1(endpoints) as any).subsets, [
    { addresses: [{ ip: '127.1.0.5' }, { ip: '127.1.0.10' }], ports: [{ port: 6379, protocol: 'TCP' }] },
    { addresses: [{ ip: '127.1.0.9' }], ports: [{ port: 6380, protocol: 'TCP' }] },
  ]);
  t.like(toV1(event), { eventTime: null, reportingComponent: 'kubelet', reportingInstance: 'minion-1', source: { component: 'kubelet', host: 'minion-1' } });
  t.deepEqual((toV1(namespace) as any).spec, { finalizers: ['kubernetes'] });
});

test('the list envelope is a core/v1 list with a string resourceVersion', (t) => {
  const { head, tail } = v1ListEnvelope('pods', 7);
  const list = JSON.parse(head + [toV1(pod), toV1(pod)].map((p) => JSON.stringify(p)).join(',') + tail.join(''));
  t.like(list, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '7' } });
  t.is(list.items.length, 2);
  t.is(JSON.parse(v1ListEnvelope('nodes', 1).head + v1ListEnvelope('nodes', 1).tail.join('')).kind, 'NodeList');
});

const name = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
const labelMap = fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[a-z0-9]{0,8}$/), { maxKeys: 4 });

test('arbitrary pods round-trip through v1', (t) => {
  const container = fc.record(
    {
      name,
      image: fc.stringMatching(/^[a-z0-9/.:-]{1,30}$/),
      ports: fc.array(
        fc.record({ containerPort: fc.integer({ min: 1, max: 65535 }), protocol: fc.constantFrom('TCP' as const, 'UDP' as const) }),
        { maxLength: 3 },
      ),
      env: fc.array(fc.record({ name: fc.stringMatching(/^[A-Z_]{1,10}$/), value: fc.string() }), { maxLength: 3 }),
      volumeMounts: fc.constant([]),
      cpu: fc.nat({ max: 256_000 }),
      memory: fc.oneof(fc.nat(), fc.nat({ max: 2 ** 20 }).map((n) => n * 1024)),
    },
    { requiredKeys: ['name', 'image', 'ports', 'env', 'volumeMounts'] },
  );
  const containerStatus = fc.record({
    state: fc.oneof(
      fc.constant({}),
      fc.record({ waiting: fc.record({ reason: fc.constantFrom('ContainerCreating', 'CrashLoopBackOff') }) }),
      fc.record({ running: fc.record({ startedAt: fc.constant('2014-10-01T12:00:01Z') }) }),
      fc.record({ termination: fc.record({ exitCode: fc.integer({ min: 0, max: 255 }), finishedAt: fc.constant('2014-10-01T12:00:09Z') }) }),
    ),
    restartCount: fc.nat({ max: 100 }),
    ready: fc.boolean(),
  });
  const arbitraryPod = fc.record({
    kind: fc.constant('Pod' as const),
    metadata: fc.record({
      name,
      namespace: name,
      uid: fc.uuid(),
      resourceVersion: fc.nat(),
      creationTimestamp: fc.constant('2014-10-01T12:00:00Z'),
      labels: labelMap,
      annotations: labelMap,
    }),
    spec: fc.record({
      containers: fc.array(container, { minLength: 1, maxLength: 3 }),
      restartPolicy: fc.constantFrom('Always' as const, 'OnFailure' as const, 'Never' as const),
      volumes: fc.constant([]),
      nodeSelector: labelMap,
      host: fc.oneof(fc.constant(''), name),
      manifest: fc.record({ version: fc.constant('v1beta1'), id: name }),
    }),
    status: fc.record({
      phase: fc.constantFrom('Pending' as const, 'Running' as const, 'Succeeded' as const, 'Failed' as const),
      containers: fc.dictionary(name, containerStatus, { maxKeys: 3 }),
    }),
  });
  fc.assert(
    fc.property(arbitraryPod, (generated) => {
      const p = { ...generated, spec: { ...generated.spec, manifest: { version: 'v1beta1', id: generated.metadata.name } } } as unknown as Pod;
      t.deepEqual(roundTrip(p), p);
      return true;
    }),
  );
});

const strictPod = (container: Record<string, unknown>, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web' },
  spec: { containers: [{ name: 'web', image: 'nginx', ...container }], ...spec },
});

test('strict field validation rejects a field core/v1 does not have, with the real message', (t) => {
  const info = statusOf(t, () => decodeV1('pods', strictPod({ imagez: 'nginx' }), { strict: true }));
  t.is(info.code, 400);
  t.is(info.reason, 'BadRequest');
  t.is(info.message, 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].imagez"');
  const several = statusOf(t, () => decodeV1('pods', { ...strictPod({ imagez: 'x' }), spek: {} }, { strict: true }));
  t.is(several.message, 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].imagez", unknown field "spek"');
});

test('without strict an unknown field is dropped and named in the warnings', (t) => {
  const { object, warnings } = decodeV1('pods', strictPod({ imagez: 'nginx' }));
  t.deepEqual(warnings, ['unknown field "spec.containers[0].imagez"']);
  t.is((object as Pod).spec.containers[0]!.image, 'nginx');
  t.false('imagez' in (object as Pod).spec.containers[0]!);
});

test('strict mode accepts core/v1 fields helmsman does not model, and warns of the spec ones', (t) => {
  const body = strictPod(
    {
      terminationMessagePath: '/dev/termination-log',
      readinessProbe: { httpGet: { port: 80 } },
      securityContext: { runAsUser: 1000 },
      resources: { requests: { cpu: '250m', memory: '64Mi' } },
    },
    {
      dnsPolicy: 'Default',
      terminationGracePeriodSeconds: 30,
      schedulerName: 'default-scheduler',
      tolerations: [{ key: 'k', operator: 'Exists' }],
      serviceAccountName: 'builder',
      affinity: {},
    },
  );
  const withMeta = {
    ...body,
    metadata: { name: 'web', finalizers: ['x'], managedFields: [{ manager: 'kubectl' }], selfLink: '/x', creationTimestamp: null },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], qosClass: 'Burstable' },
  };
  const { object, warnings } = decodeV1('pods', withMeta, { strict: true });
  t.deepEqual(warnings, [
    'spec.dnsPolicy: not supported by helmsman; ignored',
    'spec.serviceAccountName: not supported by helmsman; ignored',
    'spec.tolerations: not supported by helmsman; ignored',
    'spec.containers[0].readinessProbe: not supported by helmsman; ignored',
    'spec.containers[0].securityContext: not supported by helmsman; ignored',
  ]);
  const p = object as Pod;
  // Requests stand in for the missing limits.
  t.like(p.spec.containers[0], { cpu: 250, memory: 64 * 2 ** 20 });
  t.is(p.status.phase, 'Running');
  t.false('dnsPolicy' in p.spec);
});

test('a request that differs from its limit, and resources helmsman has no notion of, are named', (t) => {
  const { object, warnings } = decodeV1('pods', strictPod({ resources: { limits: { cpu: '1', 'ephemeral-storage': '1Gi' }, requests: { cpu: '1', memory: '1Gi' } } }));
  t.like((object as Pod).spec.containers[0], { cpu: 1000, memory: 2 ** 30 });
  t.deepEqual(warnings, ['spec.containers[0].resources.limits.ephemeral-storage: not supported by helmsman; ignored']);
  const differs = decodeV1('pods', strictPod({ resources: { limits: { cpu: '1' }, requests: { cpu: '500m' } } }));
  t.is((differs.object as Pod).spec.containers[0]!.cpu, 1000);
  t.deepEqual(differs.warnings, ['spec.containers[0].resources.requests.cpu: not supported by helmsman; ignored']);
});

test('quantities parse in every Kubernetes form', (t) => {
  const milli = (q: string | number) => parseQuantity(q, 'milli');
  t.deepEqual(milli('500m'), { ok: true, value: 500 });
  t.deepEqual(milli('2'), { ok: true, value: 2000 });
  t.deepEqual(milli(2), { ok: true, value: 2000 });
  t.deepEqual(milli('0.5'), { ok: true, value: 500 });
  t.deepEqual(milli('.25'), { ok: true, value: 250 });
  t.deepEqual(milli('0.3'), { ok: true, value: 300 });
  t.deepEqual(milli('100u'), { ok: true, value: 1 }, 'fractions of a milli round up');
  t.deepEqual(parseQuantity('128Mi'), { ok: true, value: 134217728 });
  t.deepEqual(parseQuantity('1.5Gi'), { ok: true, value: 1610612736 });
  t.deepEqual(parseQuantity('1Gi'), { ok: true, value: 2 ** 30 });
  t.deepEqual(parseQuantity('500k'), { ok: true, value: 500_000 });
  t.deepEqual(parseQuantity('1M'), { ok: true, value: 1_000_000 });
  t.deepEqual(parseQuantity('1e3'), { ok: true, value: 1000 });
  t.deepEqual(parseQuantity('1E3'), { ok: true, value: 1000 });
  t.deepEqual(parseQuantity('2E'), { ok: false, reason: 'must be no more than 9007199254740991' });
  t.deepEqual(parseQuantity('12e-1'), { ok: true, value: 2 });
  t.deepEqual(parseQuantity('+1Ki'), { ok: true, value: 1024 });
  t.deepEqual(parseQuantity('-1'), { ok: true, value: -1 });
  t.deepEqual(parseQuantity('5K'), { ok: false, reason: QUANTITY_SUFFIX_ERROR });
  t.deepEqual(parseQuantity('12XB'), { ok: false, reason: QUANTITY_FORMAT_ERROR });
  t.deepEqual(parseQuantity(''), { ok: false, reason: QUANTITY_FORMAT_ERROR });
  t.deepEqual(parseQuantity('1.2.3'), { ok: false, reason: QUANTITY_FORMAT_ERROR });
});

test('quantities print canonically and parse back to the same count', (t) => {
  t.is(formatQuantity(500, 'milli'), '500m');
  t.is(formatQuantity(2000, 'milli'), '2');
  t.is(formatQuantity(0, 'milli'), '0');
  t.is(formatQuantity(1_000_000, 'milli'), '1k');
  t.is(formatQuantity(134217728, 'bytes'), '128Mi');
  t.is(formatQuantity(1500, 'bytes'), '1500');
  t.is(formatQuantity(2 ** 40, 'bytes'), '1Ti');
  fc.assert(
    fc.property(fc.maxSafeNat(), (n) => {
      const milli = parseQuantity(formatQuantity(n, 'milli'), 'milli');
      const bytes = parseQuantity(formatQuantity(n, 'bytes'));
      return milli.ok && milli.value === n && bytes.ok && bytes.value === n;
    }),
  );
});

test('a quantity that does not parse is a 422 naming the field', (t) => {
  const info = statusOf(t, () => decodeV1('pods', strictPod({ resources: { limits: { memory: '12XB', cpu: '5K' } } })));
  t.is(info.code, 422);
  t.is(info.reason, 'Invalid');
  t.deepEqual(info.causes, [
    { reason: 'FieldValueInvalid', field: 'spec.containers[0].resources.limits.memory', message: `Invalid value: "12XB": ${QUANTITY_FORMAT_ERROR}` },
    { reason: 'FieldValueInvalid', field: 'spec.containers[0].resources.limits.cpu', message: `Invalid value: "5K": ${QUANTITY_SUFFIX_ERROR}` },
  ]);
  t.true(info.message.startsWith('Pod "web" is invalid: spec.containers[0].resources.limits.memory: Invalid value: "12XB"'));
  const rc = statusOf(t, () =>
    decodeV1('replicationcontrollers', { metadata: { name: 'rc' }, spec: { template: { spec: { containers: [{ name: 'a', resources: { requests: { cpu: 'lots' } } }] } } } }),
  );
  t.is(rc.causes![0]!.field, 'spec.template.spec.containers[0].resources.requests.cpu');
});

test('wrong types, kinds and API versions are 400s naming the field', (t) => {
  const typed = statusOf(t, () => decodeV1('pods', strictPod({ image: 42 })));
  t.is(typed.code, 400);
  t.is(typed.message, 'Pod in version "v1" cannot be handled as a Pod: spec.containers[0].image: Invalid input: expected string, received number');
  t.regex(statusOf(t, () => decodeV1('pods', strictPod({ ports: [{ containerPort: 80.5 }] }))).message, /spec\.containers\[0\]\.ports\[0\]\.containerPort/);
  t.regex(statusOf(t, () => decodeV1('pods', { metadata: { labels: { a: 1 } } })).message, /metadata\.labels\.a/);
  t.is(statusOf(t, () => decodeV1('pods', { ...strictPod({}), kind: 'Service' })).message, 'the kind in the data (Service) does not match the expected kind (Pod)');
  t.is(
    statusOf(t, () => decodeV1('pods', { ...strictPod({}), apiVersion: 'v1beta1' })).message,
    'the API version in the data (v1beta1) does not match the expected API version (v1)',
  );
  t.is(statusOf(t, () => decodeV1('pods', [])).code, 400);
});

test('generateName gives a name of the prefix and 5 random characters on create', (t) => {
  const body = { metadata: { generateName: 'web-' }, spec: { containers: [{ name: 'web', image: 'nginx' }] } };
  const a = decodeV1('pods', body, { generateName: true }).object as Pod;
  const b = decodeV1('pods', body, { generateName: true }).object as Pod;
  t.regex(a.metadata.name, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  t.not(a.metadata.name, b.metadata.name);
  t.is(a.metadata.generateName, 'web-');
  t.deepEqual(a.spec.manifest, { version: 'v1beta1', id: a.metadata.name });
  t.regex(decodeV1('pods', { metadata: { generateName: 'x'.repeat(70) } }, { generateName: true }).object.metadata.name, /^x{58}[a-z0-9]{5}$/);
  t.is(decodeV1('pods', { metadata: {} }, { generateName: true }).object.metadata.name, '', 'validation reports the missing name');
  t.is(decodeV1('pods', body).object.metadata.name, '', 'an update names the object by its path');
});

test('the namespace comes from the body, else the request, else default; nodes have none', (t) => {
  t.is(decodeV1('pods', { metadata: { name: 'a', namespace: 'ns' } }, { namespace: 'other' }).object.metadata.namespace, 'ns');
  t.is(decodeV1('pods', { metadata: { name: 'a' } }, { namespace: 'other' }).object.metadata.namespace, 'other');
  t.is(decodeV1('pods', { metadata: { name: 'a' } }).object.metadata.namespace, 'default');
  t.is(decodeV1('nodes', { metadata: { name: 'a', namespace: 'ns' } }).object.metadata.namespace, '');
});

test('resourceVersion is read as a string', (t) => {
  t.is(decodeV1('pods', { metadata: { name: 'a', resourceVersion: '17' } }).object.metadata.resourceVersion, 17);
  t.is(statusOf(t, () => decodeV1('pods', { metadata: { name: 'a', resourceVersion: 17 } })).code, 400);
  t.is(statusOf(t, () => decodeV1('pods', { metadata: { name: 'a', resourceVersion: 'abc' } })).code, 400);
});

test('core/v1 defaults apply: ports are TCP, a service targets its port, a controller selects its template', (t) => {
  const p = decodeV1('pods', strictPod({ ports: [{ containerPort: 80 }] })).object as Pod;
  t.deepEqual(p.spec.containers[0]!.ports, [{ containerPort: 80, protocol: 'TCP' }]);
  t.is(p.spec.restartPolicy, 'Always');
  const svc = decodeV1('services', { metadata: { name: 's' }, spec: { ports: [{ port: 80 }], type: 'NodePort' } });
  t.deepEqual((svc.object as Service).spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
  t.deepEqual(svc.warnings, ['spec.type: "NodePort" not supported by helmsman; treated as "ClusterIP"']);
  const rc = decodeV1('replicationcontrollers', { metadata: { name: 'rc' }, spec: { template: { metadata: { labels: { app: 'x' } }, spec: {} } } })
    .object as ReplicationController;
  t.deepEqual(rc.spec.selector, { app: 'x' });
  t.deepEqual(rc.metadata.labels, { app: 'x' });
  t.is(rc.spec.replicas, 1);
});

test('internal field paths are named in core/v1 terms', (t) => {
  t.is(v1Path('pods', 'spec.containers[0].image'), 'spec.containers[0].image');
  t.is(v1Path('pods', 'spec.host'), 'spec.nodeName');
  t.is(v1Path('pods', 'spec.hostname'), 'spec.hostname');
  t.is(v1Path('pods', 'spec.containers[1].memory'), 'spec.containers[1].resources.limits.memory');
  t.is(v1Path('replicationcontrollers', 'spec.template.spec.containers[0].cpu'), 'spec.template.spec.containers[0].resources.limits.cpu');
  t.is(v1Path('replicationcontrollers', 'spec.template.spec.host'), 'spec.template.spec.nodeName');
  t.is(v1Path('replicationcontrollers', 'spec.selector'), 'spec.selector');
  t.is(v1Path('services', 'spec.ports[0].targetPort'), 'spec.ports[0].targetPort');
  t.is(v1Path('endpoints', 'endpoints[2].ip'), 'subsets[0].addresses[2].ip');
  t.is(v1Path('pods', 'metadata.labels'), 'metadata.labels');
});

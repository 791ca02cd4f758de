import test from 'ava';
import fc from 'fast-check';
import type { ApiObject, Endpoints, Event, Namespace, Node, Pod, ReplicationController, Service } from '../../src/api/model.js';
import { RESOURCE_OF_KIND } from '../../src/api/resources.js';
import { decodeV1beta1, toV1beta1, v1beta1Path } from '../../src/api/v1beta1.js';
import { seed } from '../api-helpers.js';


function roundTrip(obj: ApiObject): ApiObject {
  // Through JSON, as on the wire.
  return decodeV1beta1(RESOURCE_OF_KIND[obj.kind], JSON.parse(JSON.stringify(toV1beta1(obj))));
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
  metadata: meta('redis-master'),
  spec: {
    containers: [
      {
        name: 'redis',
        image: 'gurpartap/redis',
        command: ['redis-server', '--port', '6379'],
        workingDir: '/data',
        ports: [{ name: 'redis-server', containerPort: 6379, hostPort: 6380, protocol: 'TCP', hostIP: '127.0.0.1' }],
        env: [{ name: 'MODE', value: 'master' }],
        memory: 64 * 1024 * 1024,
        cpu: 500,
        volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: false }],
        livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 5 },
        imagePullPolicy: 'PullIfNotPresent',
      },
    ],
    restartPolicy: 'OnFailure',
    volumes: [{ name: 'data' }],
    nodeSelector: { disk: 'ssd' },
    host: 'minion-1',
    manifest: { version: 'v1beta1', id: 'redis-master', uuid: 'abc' },
  },
  status: {
    phase: 'Running',
    host: 'minion-1',
    hostIP: '127.0.0.2',
    podIP: '127.1.0.5',
    containers: { redis: { state: { running: { startedAt: '2014-10-01T12:00:01Z' } }, restartCount: 2, image: 'gurpartap/redis' } },
  },
};

const controller: ReplicationController = {
  kind: 'ReplicationController',
  metadata: meta('redisSlaveController'),
  spec: {
    replicas: 2,
    selector: { name: 'redisslave' },
    template: { metadata: { labels: { name: 'redisslave' }, annotations: {} }, spec: { ...pod.spec, host: '', restartPolicy: 'Always' } },
  },
  status: { replicas: 1 },
};

const service: Service = {
  kind: 'Service',
  metadata: meta('redismaster'),
  spec: {
    ports: [{ port: 6379, protocol: 'TCP', targetPort: 'redis-server' }],
    selector: { name: 'redis' },
    clusterIP: '10.0.0.11',
    externalIPs: ['1.2.3.4'],
    createExternalLoadBalancer: true,
    proxyPort: 40000,
  },
  status: {},
};

const node: Node = {
  kind: 'Node',
  metadata: { ...meta('minion-1', ''), annotations: {} },
  spec: {},
  status: { hostIP: '127.0.0.2', capacity: { cpu: 2000, memory: 4 * 2 ** 30 }, conditions: [{ type: 'Ready', status: 'Full' }] },
};

const endpoints: Endpoints = { kind: 'Endpoints', metadata: meta('redismaster'), endpoints: [{ ip: '127.1.0.5', port: 6379 }] };

const event: Event = {
  kind: 'Event',
  metadata: meta('redis-master.1'),
  involvedObject: { kind: 'Pod', name: 'redis-master', namespace: 'default', uid: 'u' },
  reason: 'Started',
  message: 'started container redis',
  status: 'running',
  source: { component: 'kubelet', host: 'minion-1' },
  firstTimestamp: '2014-10-01T12:00:01Z',
  lastTimestamp: '2014-10-01T12:00:02Z',
  count: 2,
  type: 'Normal',
};

const namespace: Namespace = { kind: 'Namespace', metadata: meta('team-a', ''), spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };

for (const obj of [pod, controller, service, node, endpoints, event, namespace] as ApiObject[]) {
  test(`a ${obj.kind} survives internal → v1beta1 → internal unchanged`, (t) => {
    t.deepEqual(roundTrip(obj), obj);
  });
}

test("the seed's files decode to what they say, and round-trip", (t) => {
  const p = decodeV1beta1('pods', seed('redis-master-pod')) as Pod;
  t.like(p.metadata, { name: 'redis-master-pod', namespace: 'default', labels: { name: 'redis', role: 'master' } });
  t.deepEqual(p.spec.containers[0]!.ports, [{ name: 'redis-server', containerPort: 6379, protocol: 'TCP' }]);
  t.is(p.spec.restartPolicy, 'Always');
  t.deepEqual(roundTrip(p), p);
  const rc = decodeV1beta1('replicationcontrollers', seed('redis-slave-controller')) as ReplicationController;
  t.like(rc.spec, { replicas: 2, selector: { name: 'redisslave' } });
  t.deepEqual(rc.spec.template.spec.containers[0]!.ports, [{ containerPort: 6379, hostPort: 6380, protocol: 'TCP' }]);
  t.deepEqual(roundTrip(rc), rc);
});

test('v1beta1 wire shapes: numeric resourceVersion, restartPolicy as an object, Terminated status', (t) => {
  const wire = toV1beta1({ ...pod, status: { ...pod.status, phase: 'Failed' } });
  t.is(wire.resourceVersion, 42);
  t.deepEqual((wire.desiredState as any).manifest.restartPolicy, { onFailure: {} });
  t.is((wire.currentState as any).status, 'Terminated');
  t.is(wire.selfLink, '/api/v1beta1/pods/redis-master?namespace=default');
  const minion = toV1beta1(node);
  t.is(minion.kind, 'Minion');
  t.false('namespace' in minion);
});

const name = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
const labelMap = fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[a-z0-9]{0,8}$/), { maxKeys: 4 });

test('arbitrary pods round-trip through v1beta1', (t) => {
  const container = fc.record({
    name,
    image: fc.stringMatching(/^[a-z0-9/.:-]{1,30}$/),
    ports: fc.array(
      fc.record({ containerPort: fc.integer({ min: 1, max: 65535 }), protocol: fc.constantFrom('TCP' as const, 'UDP' as const) }),
      { maxLength: 3 },
    ),
    env: fc.array(fc.record({ name: fc.stringMatching(/^[A-Z_]{1,10}$/), value: fc.string() }), { maxLength: 3 }),
    volumeMounts: fc.constant([]),
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
    status: fc.record({ phase: fc.constantFrom('Pending' as const, 'Running' as const), containers: fc.constant({}) }),
  });
  fc.assert(fc.property(arbitraryPod, (p) => t.deepEqual(roundTrip(p as unknown as Pod), p) ?? true));
});

test('internal field paths are named in v1beta1 terms', (t) => {
  t.is(v1beta1Path('pods', 'spec.containers[0].image'), 'desiredState.manifest.containers[0].image');
  t.is(v1beta1Path('pods', 'metadata.name'), 'id');
  t.is(v1beta1Path('pods', 'metadata.labels[app]'), 'labels[app]');
  t.is(v1beta1Path('replicationcontrollers', 'spec.template.spec.containers[1].ports[0].hostPort'), 'desiredState.podTemplate.desiredState.manifest.containers[1].ports[0].hostPort');
  t.is(v1beta1Path('replicationcontrollers', 'spec.selector'), 'desiredState.replicaSelector');
  t.is(v1beta1Path('services', 'spec.ports[0].targetPort'), 'containerPort');
});

import test from 'ava';
import { StatusError } from '../../src/api/status.js';
import { columnDefinitions, humanDuration, parseIncludeObject, tableRow, toTable, type TableRow } from '../../src/api/table.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const NOW = Date.parse('2024-06-25T15:22:45Z');
/** The RFC 3339 time `ms` before NOW, as the server writes timestamps (whole seconds). */
const ago = (ms: number) => new Date(NOW - ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

type Obj = Record<string, unknown>;

function cells(kind: string, object: Obj): unknown[] {
  return tableRow(kind, object, { now: NOW }).cells;
}

/** The cells by upper-case header, as kubectl prints them. */
function byHeader(kind: string, object: Obj): Record<string, unknown> {
  const row = cells(kind, object);
  return Object.fromEntries(columnDefinitions(kind).map((c, i) => [c.name.toUpperCase(), row[i]]));
}

// ---- humanDuration: the cases of apimachinery's duration_test.go ----

test('humanDuration prints the cases of TestHumanDuration', (t) => {
  const cases: [number, string][] = [
    [SECOND, '1s'],
    [70 * SECOND, '70s'],
    [190 * SECOND, '3m10s'],
    [70 * MINUTE, '70m'],
    [47 * HOUR, '47h'],
    [49 * HOUR, '2d1h'],
    [(8 * 24 + 2) * HOUR, '8d'],
    [367 * 24 * HOUR, '367d'],
    [(365 * 2 * 24 + 25) * HOUR, '2y1d'],
    [(365 * 8 * 24 + 2) * HOUR, '8y'],
  ];
  for (const [ms, want] of cases) t.is(humanDuration(ms), want, `${ms} ms`);
});

test('humanDuration truncates at every unit boundary of TestHumanDurationBoundaries', (t) => {
  const YEAR = 365 * DAY;
  const cases: [number, string][] = [
    [-2 * SECOND, '<invalid>'],
    // Go's case is -2s + 1ns; a millisecond is the finest step here.
    [-2 * SECOND + 1, '0s'],
    [0, '0s'],
    [SECOND - 1, '0s'],
    [2 * MINUTE - 1, '119s'],
    [2 * MINUTE, '2m'],
    [2 * MINUTE + SECOND, '2m1s'],
    [10 * MINUTE - 1, '9m59s'],
    [10 * MINUTE, '10m'],
    [10 * MINUTE + SECOND, '10m'],
    [3 * HOUR - 1, '179m'],
    [3 * HOUR, '3h'],
    [3 * HOUR + MINUTE, '3h1m'],
    [8 * HOUR - 1, '7h59m'],
    [8 * HOUR, '8h'],
    [8 * HOUR + 59 * MINUTE, '8h'],
    [2 * DAY - 1, '47h'],
    [2 * DAY, '2d'],
    [2 * DAY + HOUR, '2d1h'],
    [8 * DAY - 1, '7d23h'],
    [8 * DAY, '8d'],
    [8 * DAY + 23 * HOUR, '8d'],
    [2 * YEAR - 1, '729d'],
    [2 * YEAR, '2y'],
    [2 * YEAR + 23 * HOUR, '2y'],
    [2 * YEAR + 23 * HOUR + 59 * MINUTE, '2y'],
    [2 * YEAR + DAY - 1, '2y'],
    [2 * YEAR + DAY, '2y1d'],
    [3 * YEAR, '3y'],
    [4 * YEAR, '4y'],
    [5 * YEAR, '5y'],
    [6 * YEAR, '6y'],
    [7 * YEAR, '7y'],
    [8 * YEAR - 1, '7y364d'],
    [8 * YEAR, '8y'],
    [8 * YEAR + 364 * DAY, '8y'],
    [9 * YEAR, '9y'],
  ];
  for (const [ms, want] of cases) t.is(humanDuration(ms), want, `${ms} ms`);
});

test('humanDuration refuses a duration that is not a number', (t) => {
  t.throws(() => humanDuration(Number.NaN), { instanceOf: TypeError });
});

test('AGE is <unknown> without a creation timestamp and <invalid> for one in the future', (t) => {
  t.is(byHeader('Namespace', { metadata: { name: 'a' } }).AGE, '<unknown>');
  t.is(byHeader('Namespace', { metadata: { name: 'a', creationTimestamp: null } }).AGE, '<unknown>');
  t.is(byHeader('Namespace', { metadata: { name: 'a', creationTimestamp: ago(-MINUTE) } }).AGE, '<invalid>');
  t.is(byHeader('Namespace', { metadata: { name: 'a', creationTimestamp: ago(-SECOND) } }).AGE, '0s');
  t.is(byHeader('Namespace', { metadata: { name: 'a', creationTimestamp: ago(3 * HOUR + 4 * MINUTE) } }).AGE, '3h4m');
});

// ---- headers ----

const HEADERS: [string, string[], string[]][] = [
  ['Pod', ['Name', 'Ready', 'Status', 'Restarts', 'Age'], ['IP', 'Node', 'Nominated Node', 'Readiness Gates']],
  ['ReplicationController', ['Name', 'Desired', 'Current', 'Ready', 'Age'], ['Containers', 'Images', 'Selector']],
  ['Service', ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age'], ['Selector']],
  ['Node', ['Name', 'Status', 'Roles', 'Age', 'Version'], ['Internal-IP', 'External-IP', 'OS-Image', 'Kernel-Version', 'Container-Runtime']],
  ['Endpoints', ['Name', 'Endpoints', 'Age'], []],
  ['Event', ['Last Seen', 'Type', 'Reason', 'Object', 'Message'], ['Subobject', 'Source', 'First Seen', 'Count', 'Name']],
  ['Namespace', ['Name', 'Status', 'Age'], []],
  ['Binding', ['Name', 'Created At'], []],
];

for (const [kind, main, wideOnly] of HEADERS) {
  test(`${kind} columns are Kubernetes' printer columns, the -o wide ones at priority 1`, (t) => {
    const columns = columnDefinitions(kind);
    t.deepEqual(
      columns.filter((c) => c.priority === 0).map((c) => c.name),
      main,
    );
    t.deepEqual(
      columns.filter((c) => c.priority === 1).map((c) => c.name),
      wideOnly,
    );
    t.true(columns.every((c) => c.description.length > 0 && typeof c.format === 'string'));
    t.is(columns.filter((c) => c.format === 'name').length, 1, 'one column holds the name');
  });
}

test('the event columns keep the printer order, the wide ones interleaved', (t) => {
  t.deepEqual(
    columnDefinitions('Event').map((c) => c.name),
    ['Last Seen', 'Type', 'Reason', 'Object', 'Subobject', 'Source', 'Message', 'First Seen', 'Count', 'Name'],
  );
});

test('a row has a cell for every column, the wide ones included', (t) => {
  const objects: Record<string, Obj> = {
    Pod: { metadata: { name: 'p' } },
    ReplicationController: { metadata: { name: 'rc' } },
    Service: { metadata: { name: 's' } },
    Node: { metadata: { name: 'n' } },
    Endpoints: { metadata: { name: 'e' } },
    Event: { metadata: { name: 'ev' } },
    Namespace: { metadata: { name: 'ns' } },
    Secret: { metadata: { name: 'x' } },
  };
  for (const [kind, object] of Object.entries(objects)) t.is(cells(kind, object).length, columnDefinitions(kind).length, kind);
});

// ---- Pod ----

const podMeta = { name: 'web', namespace: 'default', creationTimestamp: ago(34 * MINUTE), labels: { app: 'web' } };
const runningState = { running: { startedAt: ago(30 * MINUTE) } };

function pod(status: Obj, spec: Obj = { containers: [{ name: 'c', image: 'nginx' }], nodeName: 'node-1' }, metadata: Obj = podMeta): Obj {
  return { kind: 'Pod', apiVersion: 'v1', metadata, spec, status };
}

test('a running pod is READY 1/1, STATUS Running, RESTARTS 0', (t) => {
  const running = pod({
    phase: 'Running',
    podIP: '10.0.15.103',
    podIPs: [{ ip: '10.0.15.103' }],
    conditions: [{ type: 'Ready', status: 'True' }],
    containerStatuses: [{ name: 'c', ready: true, restartCount: 0, state: runningState, lastState: {} }],
  });
  t.deepEqual(cells('Pod', running), ['web', '1/1', 'Running', '0', '34m', '10.0.15.103', 'node-1', '<none>', '<none>']);
});

test('a crash-looping container shows CrashLoopBackOff and its restarts with how long ago the last one ended', (t) => {
  const crashing = pod({
    phase: 'Running',
    containerStatuses: [
      {
        name: 'c',
        ready: false,
        restartCount: 5,
        state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 2m40s restarting failed container' } },
        lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(2 * MINUTE + 3 * SECOND) } },
      },
    ],
  });
  const row = byHeader('Pod', crashing);
  t.is(row.READY, '0/1');
  t.is(row.STATUS, 'CrashLoopBackOff');
  t.is(row.RESTARTS, '5 (2m3s ago)');
});

test('restarts without a recorded finish time print as a bare count', (t) => {
  const restarted = pod({
    phase: 'Running',
    containerStatuses: [{ name: 'c', ready: true, restartCount: 2, state: runningState, lastState: {} }],
  });
  t.is(byHeader('Pod', restarted).RESTARTS, '2');
});

test('a pod whose container exited 0 is Completed and its row is marked Completed/Succeeded', (t) => {
  const done = pod({
    phase: 'Succeeded',
    containerStatuses: [{ name: 'c', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
  });
  const row = tableRow('Pod', done, { now: NOW });
  t.is(row.cells[1], '0/1');
  t.is(row.cells[2], 'Completed');
  t.deepEqual(row.conditions, [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
});

test('a failed container shows its reason, or its exit code or signal when it has none', (t) => {
  const failed = (terminated: Obj) =>
    byHeader('Pod', pod({ phase: 'Failed', containerStatuses: [{ name: 'c', restartCount: 0, state: { terminated } }] })).STATUS;
  t.is(failed({ exitCode: 1, reason: 'Error' }), 'Error');
  t.is(failed({ exitCode: 137, reason: 'OOMKilled' }), 'OOMKilled');
  t.is(failed({ exitCode: 2 }), 'ExitCode:2');
  t.is(failed({ exitCode: 137, signal: 9 }), 'Signal:9');
  const row = tableRow('Pod', pod({ phase: 'Failed', containerStatuses: [] }), { now: NOW });
  t.is(row.conditions?.[0].reason, 'Failed');
});

test('a pod being deleted is Terminating, unless it already finished or its node was lost', (t) => {
  const deleting = { ...podMeta, deletionTimestamp: ago(0), deletionGracePeriodSeconds: 30 };
  const status = { phase: 'Running', containerStatuses: [{ name: 'c', ready: true, restartCount: 0, state: runningState }] };
  t.is(byHeader('Pod', pod(status, undefined, deleting)).STATUS, 'Terminating');
  t.is(byHeader('Pod', pod({ ...status, reason: 'NodeLost' }, undefined, deleting)).STATUS, 'Unknown');
  const finished = { phase: 'Succeeded', containerStatuses: [{ name: 'c', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] };
  t.is(byHeader('Pod', pod(finished, undefined, deleting)).STATUS, 'Completed');
});

test('a pending pod shows its phase, a waiting container its reason', (t) => {
  t.is(byHeader('Pod', pod({ phase: 'Pending' })).STATUS, 'Pending');
  const pulling = pod({ phase: 'Pending', containerStatuses: [{ name: 'c', restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] });
  t.is(byHeader('Pod', pulling).STATUS, 'ContainerCreating');
  const gated = pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] });
  t.is(byHeader('Pod', gated).STATUS, 'SchedulingGated');
});

test('of several containers the first one states the pod status, and a finished one leaves it Running while another runs', (t) => {
  const spec = { containers: [{ name: 'a' }, { name: 'b' }] };
  const two = (conditions: Obj[]) =>
    byHeader(
      'Pod',
      pod(
        {
          phase: 'Running',
          conditions,
          containerStatuses: [
            { name: 'a', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
            { name: 'b', ready: true, restartCount: 1, state: runningState },
          ],
        },
        spec,
      ),
    );
  t.is(two([{ type: 'Ready', status: 'True' }]).STATUS, 'Running');
  t.is(two([{ type: 'Ready', status: 'False' }]).STATUS, 'NotReady');
  t.is(two([]).READY, '1/2');
});

test('init containers show Init:n/m, Init:<reason> and Init:ExitCode, and their restarts count until the pod is initialized', (t) => {
  const spec = { initContainers: [{ name: 'i1' }, { name: 'i2' }], containers: [{ name: 'c' }] };
  const initStatus = (i1: Obj, i2: Obj) =>
    byHeader(
      'Pod',
      pod(
        {
          phase: 'Pending',
          initContainerStatuses: [
            { name: 'i1', restartCount: 0, ...i1 },
            { name: 'i2', restartCount: 0, ...i2 },
          ],
          containerStatuses: [{ name: 'c', restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
        },
        spec,
      ),
    );
  const done = { state: { terminated: { exitCode: 0, reason: 'Completed' } } };
  t.is(initStatus({ state: { running: {} } }, { state: { waiting: { reason: 'PodInitializing' } } }).STATUS, 'Init:0/2');
  t.is(initStatus(done, { state: { running: {} } }).STATUS, 'Init:1/2');
  t.is(initStatus(done, { state: { waiting: { reason: 'ImagePullBackOff' } } }).STATUS, 'Init:ImagePullBackOff');
  t.is(initStatus(done, { state: { terminated: { exitCode: 3 } } }).STATUS, 'Init:ExitCode:3');
  const crashing = initStatus(done, {
    restartCount: 4,
    state: { waiting: { reason: 'CrashLoopBackOff' } },
    lastState: { terminated: { exitCode: 1, finishedAt: ago(45 * SECOND) } },
  });
  t.is(crashing.STATUS, 'Init:CrashLoopBackOff');
  t.is(crashing.RESTARTS, '4 (45s ago)');
  t.is(initStatus(done, done).STATUS, 'PodInitializing');
});

test('a started sidecar counts as a container and keeps its restarts once the pod runs', (t) => {
  const spec = { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }], containers: [{ name: 'c' }] };
  const row = byHeader(
    'Pod',
    pod(
      {
        phase: 'Running',
        conditions: [{ type: 'Initialized', status: 'True' }],
        initContainerStatuses: [{ name: 'proxy', started: true, ready: true, restartCount: 1, state: runningState, lastState: { terminated: { exitCode: 1, finishedAt: ago(10 * MINUTE) } } }],
        containerStatuses: [{ name: 'c', ready: true, restartCount: 0, state: runningState }],
      },
      spec,
    ),
  );
  t.is(row.READY, '2/2');
  t.is(row.STATUS, 'Running');
  t.is(row.RESTARTS, '1 (10m ago)');
});

test('the wide pod cells show the first pod IP, the nominated node and readiness gates passed', (t) => {
  const gated = pod(
    {
      phase: 'Running',
      podIPs: [{ ip: '10.0.0.7' }, { ip: 'fd00::7' }],
      nominatedNodeName: 'node-2',
      conditions: [
        { type: 'example.com/ready', status: 'True' },
        { type: 'example.com/warm', status: 'False' },
      ],
    },
    { containers: [{ name: 'c' }], readinessGates: [{ conditionType: 'example.com/ready' }, { conditionType: 'example.com/warm' }] },
  );
  const row = byHeader('Pod', gated);
  t.is(row.IP, '10.0.0.7');
  t.is(row.NODE, '<none>');
  t.is(row['NOMINATED NODE'], 'node-2');
  t.is(row['READINESS GATES'], '1/2');
});

// ---- ReplicationController ----

test('a replication controller shows desired, current and ready replicas, and its template and selector when wide', (t) => {
  const rc = {
    metadata: { name: 'frontend', creationTimestamp: ago(5 * DAY) },
    spec: {
      replicas: 3,
      selector: { tier: 'frontend', app: 'guestbook' },
      template: { metadata: { labels: { app: 'guestbook', tier: 'frontend' } }, spec: { containers: [{ name: 'php', image: 'php-redis' }, { name: 'log', image: 'busybox' }] } },
    },
    status: { replicas: 3, readyReplicas: 2 },
  };
  t.deepEqual(cells('ReplicationController', rc), ['frontend', 3, 3, 2, '5d', 'php,log', 'php-redis,busybox', 'app=guestbook,tier=frontend']);
  t.deepEqual(cells('ReplicationController', { metadata: { name: 'empty' }, spec: { replicas: 0 }, status: { replicas: 0 } }).slice(1, 4), [0, 0, 0]);
});

// ---- Service ----

function service(spec: Obj, status: Obj = {}): Obj {
  return { metadata: { name: 'svc', creationTimestamp: ago(HOUR) }, spec, status };
}

test('service PORT(S) read 80/TCP, with the node port 80:30080/TCP, comma-joined; <none> without ports', (t) => {
  const ports = (spec: Obj) => byHeader('Service', service(spec))['PORT(S)'];
  t.is(ports({ type: 'ClusterIP', ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] }), '80/TCP');
  t.is(ports({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] }), '80:30080/TCP');
  t.is(
    ports({
      type: 'ClusterIP',
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      ],
    }),
    '53/UDP,53/TCP',
  );
  t.is(ports({ type: 'ClusterIP', ports: [{ port: 6379 }] }), '6379/TCP');
  t.is(ports({ type: 'ClusterIP', clusterIP: 'None' }), '<none>');
});

test('service TYPE, CLUSTER-IP and EXTERNAL-IP follow the service type', (t) => {
  const row = (spec: Obj, status: Obj = {}) => byHeader('Service', service(spec, status));
  const plain = row({ type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], selector: { app: 'web' } });
  t.deepEqual([plain.TYPE, plain['CLUSTER-IP'], plain['EXTERNAL-IP'], plain.SELECTOR], ['ClusterIP', '10.96.0.10', '<none>', 'app=web']);
  t.is(row({ type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'] })['CLUSTER-IP'], 'None');
  t.is(row({ type: 'ClusterIP', externalIPs: ['1.2.3.4', '5.6.7.8'] })['EXTERNAL-IP'], '1.2.3.4,5.6.7.8');
  t.is(row({ type: 'LoadBalancer' })['EXTERNAL-IP'], '<pending>');
  t.is(
    row({ type: 'LoadBalancer', externalIPs: ['9.9.9.9'] }, { loadBalancer: { ingress: [{ ip: '203.0.113.20' }, { hostname: 'lb.example.com' }, { ip: '203.0.113.10' }] } })['EXTERNAL-IP'],
    '203.0.113.10,203.0.113.20,lb.example.com,9.9.9.9',
  );
  t.is(row({ type: 'ExternalName', externalName: 'db.example.com' })['EXTERNAL-IP'], 'db.example.com');
  t.is(row({ type: 'ExternalName', externalName: 'db.example.com' })['CLUSTER-IP'], '<none>');
  t.is(row({ type: 'ClusterIP' }).SELECTOR, '<none>');
});

// ---- Node ----

function node(conditions: Obj[], labels: Obj = {}, spec: Obj = {}): Obj {
  return {
    metadata: { name: 'node-1', labels, creationTimestamp: ago(2 * DAY + HOUR) },
    spec,
    status: {
      conditions,
      addresses: [
        { type: 'InternalIP', address: '192.168.1.20' },
        { type: 'Hostname', address: 'node-1' },
      ],
      nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0-18-amd64', containerRuntimeVersion: 'containerd://1.7.13' },
    },
  };
}

test('node STATUS is Ready, NotReady or Unknown from the Ready condition, plus SchedulingDisabled when cordoned', (t) => {
  const status = (n: Obj) => byHeader('Node', n).STATUS;
  const memory = { type: 'MemoryPressure', status: 'False' };
  t.is(status(node([memory, { type: 'Ready', status: 'True' }])), 'Ready');
  t.is(status(node([{ type: 'Ready', status: 'False' }])), 'NotReady');
  t.is(status(node([{ type: 'Ready', status: 'Unknown' }])), 'NotReady');
  t.is(status(node([memory])), 'Unknown');
  t.is(status(node([{ type: 'Ready', status: 'True' }], {}, { unschedulable: true })), 'Ready,SchedulingDisabled');
  t.is(status(node([], {}, { unschedulable: true })), 'Unknown,SchedulingDisabled');
});

test('node ROLES come from node-role.kubernetes.io/* and kubernetes.io/role labels, sorted, <none> without', (t) => {
  const roles = (labels: Obj) => byHeader('Node', node([], labels)).ROLES;
  t.is(roles({ 'kubernetes.io/hostname': 'node-1' }), '<none>');
  t.is(roles({ 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/control-plane': '' }), 'control-plane,worker');
  t.is(roles({ 'kubernetes.io/role': 'master', 'node-role.kubernetes.io/master': '' }), 'master');
  t.is(roles({ 'node-role.kubernetes.io/': '', 'kubernetes.io/role': '' }), '<none>');
});

test('node VERSION and the wide cells come from nodeInfo and the addresses', (t) => {
  t.deepEqual(cells('Node', node([{ type: 'Ready', status: 'True' }])), [
    'node-1',
    'Ready',
    '<none>',
    '2d1h',
    'v1.32.0',
    '192.168.1.20',
    '<none>',
    'Debian GNU/Linux 12 (bookworm)',
    '6.1.0-18-amd64',
    'containerd://1.7.13',
  ]);
  t.deepEqual(cells('Node', { metadata: { name: 'bare' } }).slice(4), ['', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
});

// ---- Endpoints ----

function endpoints(subsets: Obj[] | undefined): string {
  return byHeader('Endpoints', { metadata: { name: 'web' }, ...(subsets ? { subsets } : {}) }).ENDPOINTS as string;
}

test('ENDPOINTS lists ready ip:port pairs, <none> without subsets', (t) => {
  t.is(endpoints(undefined), '<none>');
  t.is(endpoints([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80, protocol: 'TCP' }] }]), '10.0.0.1:80,10.0.0.2:80');
  t.is(endpoints([{ addresses: [{ ip: '10.0.0.1' }], notReadyAddresses: [{ ip: '10.0.0.9' }], ports: [{ port: 80 }] }]), '10.0.0.1:80');
  t.is(endpoints([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }] }]), '10.0.0.1,10.0.0.2', 'a headless subset without ports shows bare IPs');
  t.is(endpoints([{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 443 }] }]), '[fd00::1]:443');
});

test('ENDPOINTS shows the first 3 and counts the rest as " + N more..."', (t) => {
  const addresses = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'].map((ip) => ({ ip }));
  t.is(endpoints([{ addresses: addresses.slice(0, 3), ports: [{ port: 80 }] }]), '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80');
  t.is(endpoints([{ addresses, ports: [{ port: 80 }] }]), '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...');
  // Every address is counted once per port, and across subsets.
  t.is(
    endpoints([
      { addresses: addresses.slice(0, 2), ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] },
      { addresses: addresses.slice(4), ports: [{ name: 'http', port: 8080 }] },
    ]),
    '10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 2 more...',
  );
});

// ---- Event ----

const event = {
  metadata: { name: 'web.17dc8f6a1b2c3d4e', namespace: 'default', creationTimestamp: ago(5 * MINUTE) },
  involvedObject: { kind: 'Pod', namespace: 'default', name: 'web', uid: 'u', apiVersion: 'v1', fieldPath: 'spec.containers{c}' },
  reason: 'BackOff',
  message: 'Back-off restarting failed container c in pod web_default(u)\n',
  source: { component: 'kubelet', host: 'node-1' },
  firstTimestamp: ago(5 * MINUTE),
  lastTimestamp: ago(30 * SECOND),
  count: 7,
  type: 'Warning',
};

test('an event row names its OBJECT as kind/name in lower case, with the wide cells', (t) => {
  t.deepEqual(cells('Event', event), [
    '30s',
    'Warning',
    'BackOff',
    'pod/web',
    'spec.containers{c}',
    'kubelet, node-1',
    'Back-off restarting failed container c in pod web_default(u)',
    '5m',
    7,
    'web.17dc8f6a1b2c3d4e',
  ]);
  const noName = byHeader('Event', { ...event, involvedObject: { kind: 'Node' } });
  t.is(noName.OBJECT, 'node');
});

test('an event without timestamps falls back on eventTime and a series, and counts at least 1', (t) => {
  const modern = {
    metadata: { name: 'e' },
    involvedObject: { kind: 'ReplicationController', name: 'frontend' },
    eventTime: new Date(NOW - 90 * SECOND).toISOString().replace('Z', '123Z'),
    reportingComponent: 'replication-controller',
    type: 'Normal',
    reason: 'SuccessfulCreate',
    message: 'Created pod: frontend-x',
  };
  const row = byHeader('Event', modern);
  t.deepEqual([row['LAST SEEN'], row['FIRST SEEN'], row.COUNT, row.SOURCE, row.OBJECT], ['90s', '90s', 1, 'replication-controller', 'replicationcontroller/frontend']);
  const series = byHeader('Event', { ...modern, series: { count: 4, lastObservedTime: new Date(NOW - 10 * SECOND).toISOString() } });
  t.deepEqual([series['LAST SEEN'], series.COUNT], ['10s', 4]);
  t.is(byHeader('Event', { metadata: { name: 'e' } })['LAST SEEN'], '<unknown>');
});

// ---- Namespace and the default table ----

test('a namespace shows its phase', (t) => {
  t.deepEqual(cells('Namespace', { metadata: { name: 'kube-system', creationTimestamp: ago(400 * DAY) }, status: { phase: 'Active' } }), ['kube-system', 'Active', '400d']);
});

test('a kind without a printer gets NAME and CREATED AT in RFC 3339', (t) => {
  const table = toTable('Binding', [{ metadata: { name: 'b', creationTimestamp: '2024-06-25T14:48:12Z' } }, { metadata: { name: 'c' } }], { resourceVersion: '9', now: NOW });
  t.deepEqual(
    table.columnDefinitions?.map((c) => [c.name, c.type, c.format]),
    [
      ['Name', 'string', 'name'],
      ['Created At', 'date', ''],
    ],
  );
  t.deepEqual(
    table.rows.map((r) => r.cells),
    [
      ['b', '2024-06-25T14:48:12Z'],
      ['c', '0001-01-01T00:00:00Z'],
    ],
  );
});

// ---- the Table and its row objects ----

const labelled = pod(
  { phase: 'Running', containerStatuses: [{ name: 'c', ready: true, restartCount: 0, state: runningState }] },
  undefined,
  { ...podMeta, namespace: 'shop', resourceVersion: '4711', uid: 'u-1', labels: { app: 'web', tier: 'front' } },
);

test('a table is a meta.k8s.io/v1 Table whose rows carry PartialObjectMetadata with labels and namespace', (t) => {
  const table = toTable('Pod', [labelled], { resourceVersion: '4800', now: NOW });
  t.is(table.kind, 'Table');
  t.is(table.apiVersion, 'meta.k8s.io/v1');
  t.deepEqual(table.metadata, { resourceVersion: '4800' });
  t.is(table.columnDefinitions?.length, 9);
  t.deepEqual(table.rows[0].object, {
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { name: 'web', namespace: 'shop', creationTimestamp: podMeta.creationTimestamp, resourceVersion: '4711', uid: 'u-1', labels: { app: 'web', tier: 'front' } },
  });
  // The keys in the order the real server writes them.
  t.deepEqual(Object.keys(JSON.parse(JSON.stringify(table))), ['kind', 'apiVersion', 'metadata', 'columnDefinitions', 'rows']);
  t.deepEqual(Object.keys(table.columnDefinitions![0]), ['name', 'type', 'format', 'description', 'priority']);
});

test('includeObject=Object carries the whole object with its kind, None carries no object', (t) => {
  const withoutKind = { ...labelled };
  delete withoutKind.kind;
  delete withoutKind.apiVersion;
  const whole = tableRow('Pod', withoutKind, { now: NOW, includeObject: 'Object' });
  t.like(whole.object, { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'web' }, spec: { nodeName: 'node-1' } });
  const none: TableRow = tableRow('Pod', labelled, { now: NOW, includeObject: 'None' });
  t.false('object' in none);
  t.false('object' in JSON.parse(JSON.stringify(toTable('Pod', [labelled], { resourceVersion: '1', now: NOW, includeObject: 'None' }))).rows[0]);
});

test('an unknown includeObject is the 400 BadRequest of the real server', (t) => {
  t.is(parseIncludeObject(undefined), 'Metadata');
  t.is(parseIncludeObject(''), 'Metadata');
  t.is(parseIncludeObject('None'), 'None');
  const error = t.throws(() => parseIncludeObject('Everything'), { instanceOf: StatusError });
  t.is(error?.info.code, 400);
  t.is(error?.info.reason, 'BadRequest');
  t.is(error?.message, `Unable to convert to Table as requested: includeObject: Invalid value: "Everything": must be 'Metadata', 'Object', 'None', or empty`);
  t.throws(() => toTable('Pod', [labelled], { resourceVersion: '1', now: NOW, includeObject: 'x' as 'None' }), { instanceOf: StatusError });
});

test('a watch event table has one row and, after the first event, no column definitions', (t) => {
  const first = toTable('Pod', [labelled], { resourceVersion: '4711', now: NOW });
  const later = toTable('Pod', [labelled], { resourceVersion: '4711', now: NOW, noHeaders: true });
  t.is(first.rows.length, 1);
  t.is(later.columnDefinitions, null);
  t.deepEqual(later.rows, first.rows);
  t.true(JSON.stringify(later).includes('"columnDefinitions":null'));
});

test('an empty list is a table with no rows', (t) => {
  const table = toTable('Service', [], { resourceVersion: '12', now: NOW });
  t.deepEqual(table.rows, []);
  t.is(table.columnDefinitions?.length, 7);
});

test('columnDefinitions hands out copies: changing them does not change the next table', (t) => {
  columnDefinitions('Pod')[0].name = 'Changed';
  t.is(columnDefinitions('Pod')[0].name, 'Name');
});

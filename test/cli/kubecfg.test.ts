/**
 * kubecfg, run as a real child process (the compiled CLI) against a stub v1beta1 server started in
 * each test, plus unit tests of its tables.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import type { Pod, ReplicationController } from '../../src/cli/client.js';
import { formatHost, formatTable, renderTable, statusTable } from '../../src/cli/table.js';

const CLI = fileURLToPath(new URL('../../src/cli/kubecfg.js', import.meta.url));

/** The seed's redis-master-pod.json, byte for byte. */
const REDIS_MASTER_POD = `{
  "apiVersion": "v1beta1",
  "kind": "Pod",
  "id": "redis-master-pod",
  "desiredState": {
    "manifest": {
      "version": "v1beta1",
      "id": "redis-master-pod",
      "containers": [{
        "name": "redis-master",
        "image": "gurpartap/redis",
        "ports": [{ "name": "redis-server", "containerPort": 6379 }]
      }]
    }
  },
  "labels": { "name": "redis", "role": "master" }
}
`;

/** The seed's redisSlaveController, written as YAML. */
const REDIS_SLAVE_CONTROLLER_YAML = `id: redisSlaveController
kind: ReplicationController
apiVersion: v1beta1
desiredState:
  replicas: 2
  replicaSelector: {name: redisslave}
  podTemplate:
    desiredState:
      manifest:
        version: v1beta1
        id: redisSlaveController
        containers:
          - name: slave
            image: brendanburns/redis-slave
            ports: [{containerPort: 6379, hostPort: 6380}]
    labels: {name: redisslave}
labels: {name: redisslave}
`;

/** One request the stub saw. */
interface Seen {
  method: string;
  url: string;
  contentType: string | undefined;
  body: unknown;
}

/** An answer: status code and body (an object is sent as JSON, a string as plain text). */
interface Answer {
  status: number;
  body?: unknown;
}

type Handler = (req: Seen) => Answer;

const LIST_KINDS: Record<string, string> = {
  pods: 'PodList',
  replicationControllers: 'ReplicationControllerList',
  services: 'ServiceList',
  minions: 'MinionList',
  events: 'EventList',
};

const SINGULAR: Record<string, string> = {
  pods: 'pod',
  replicationControllers: 'replicationController',
  services: 'service',
  minions: 'minion',
  events: 'event',
};

function status(code: number, reason: string, message: string): Answer {
  return { status: code, body: { kind: 'Status', apiVersion: 'v1beta1', status: 'Failure', message, reason, code } };
}

/**
 * A fake v1beta1 server in memory: list (with a `labels` filter), get, create (201, 409), update
 * (404, 409 on a stale resourceVersion), delete. Objects start from `seed`, keyed `resource/id`.
 */
function fakeApi(seed: Record<string, Record<string, unknown>> = {}): Handler {
  const store = new Map(Object.entries(seed));
  let version = 100;
  return (req) => {
    const url = new URL(req.url, 'http://stub');
    const match = /^\/api\/v1beta1\/([^/]+)(?:\/([^/]+))?$/.exec(url.pathname);
    if (!match || !LIST_KINDS[match[1]!]) return { status: 404, body: '404 page not found\n' };
    const resource = match[1]!;
    const id = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
    const key = `${resource}/${id}`;
    const notFound = () => status(404, 'NotFound', `${SINGULAR[resource]} "${id}" not found`);
    if (id === undefined && req.method === 'GET') {
      const wanted = (url.searchParams.get('labels') ?? '').split(',').filter(Boolean);
      const items = [...store.entries()]
        .filter(([k]) => k.startsWith(`${resource}/`))
        .map(([, v]) => v)
        .filter((o) => wanted.every((kv) => kv === `${kv.split('=')[0]}=${(o.labels as Record<string, string> | undefined)?.[kv.split('=')[0]!]}`));
      return { status: 200, body: { kind: LIST_KINDS[resource], apiVersion: 'v1beta1', resourceVersion: version, items } };
    }
    if (id === undefined && req.method === 'POST') {
      const obj = req.body as Record<string, unknown>;
      const k = `${resource}/${obj.id}`;
      if (store.has(k)) return status(409, 'AlreadyExists', `${SINGULAR[resource]} "${obj.id}" already exists`);
      const created: Record<string, unknown> = { ...obj, resourceVersion: ++version, creationTimestamp: '2014-10-01T12:00:00Z' };
      if (resource === 'pods') created.currentState = { status: 'Waiting' };
      store.set(k, created);
      return { status: 201, body: created };
    }
    if (id === undefined) return status(405, 'MethodNotAllowed', `${req.method} not allowed`);
    const current = store.get(key);
    if (current === undefined) return notFound();
    if (req.method === 'GET') return { status: 200, body: current };
    if (req.method === 'DELETE') {
      store.delete(key);
      return { status: 200, body: { kind: 'Status', apiVersion: 'v1beta1', status: 'Success' } };
    }
    if (req.method === 'PUT') {
      const obj = req.body as Record<string, unknown>;
      if (obj.resourceVersion !== current.resourceVersion) return status(409, 'Conflict', `${SINGULAR[resource]} "${id}" has been modified`);
      const updated = { ...obj, resourceVersion: ++version };
      store.set(key, updated);
      return { status: 200, body: updated };
    }
    return status(405, 'MethodNotAllowed', `${req.method} not allowed`);
  };
}

/** A stub server on 127.0.0.1: records every request and answers with `handler`. Closed after the test. */
async function stub(t: { teardown(fn: () => void): void }, handler: Handler): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text === '' ? undefined : text;
      try {
        if (text !== '') body = JSON.parse(text);
      } catch {
        // left as text: the test will see what was sent
      }
      const request: Seen = { method: req.method!, url: req.url!, contentType: req.headers['content-type'], body };
      seen.push(request);
      const answer = handler(request);
      const json = typeof answer.body !== 'string';
      res.writeHead(answer.status, { 'content-type': json ? 'application/json' : 'text/plain' });
      res.end(json ? JSON.stringify(answer.body ?? {}) : answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** Runs the compiled kubecfg as a child process. */
function kubecfg(args: string[], options: { master?: string; stdin?: string; cwd?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.KUBERNETES_MASTER;
  if (options.master !== undefined) env.KUBERNETES_MASTER = options.master;
  const child = spawn(process.execPath, [CLI, ...args], { env, cwd: options.cwd });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdin.end(options.stdin ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function tempFile(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kubecfg-'));
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

/** A port nothing listens on: bound by us, then released. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function controller(id: string, replicas: number, resourceVersion = 7): ReplicationController {
  return {
    kind: 'ReplicationController',
    apiVersion: 'v1beta1',
    id,
    resourceVersion,
    desiredState: {
      replicas,
      replicaSelector: { name: id },
      podTemplate: { desiredState: { manifest: { version: 'v1beta1', id, containers: [{ name: id, image: 'nginx' }] } }, labels: { name: id } },
    },
    labels: { name: id },
  };
}

const NO_STACK = /\n\s+at /;

// --- the CLI against a stub server -----------------------------------------------------------------

test('the seed walkthrough: create the redis-master pod from its JSON file, list the pods, delete it', async (t) => {
  const api = await stub(t, fakeApi());
  const file = await tempFile('redis-master-pod.json', REDIS_MASTER_POD);

  const created = await kubecfg(['-c', file, 'create', '/pods'], { master: api.url });
  t.is(created.stderr, '');
  t.is(created.code, 0);
  t.is(
    created.stdout,
    'Name               Image(s)          Host           Labels                   Status\n' +
      '----------         ----------        ----------     ----------               ----------\n' +
      'redis-master-pod   gurpartap/redis   <unassigned>   name=redis,role=master   Waiting\n',
  );
  t.like(api.seen[0], { method: 'POST', url: '/api/v1beta1/pods', contentType: 'application/json' });
  t.deepEqual(api.seen[0]!.body, JSON.parse(REDIS_MASTER_POD));

  const listed = await kubecfg(['list', '/pods'], { master: api.url });
  t.is(listed.code, 0);
  t.is(listed.stdout, created.stdout);
  t.like(api.seen[1], { method: 'GET', url: '/api/v1beta1/pods' });

  const deleted = await kubecfg(['delete', '/pods/redis-master-pod'], { master: api.url });
  t.is(deleted.code, 0);
  t.is(deleted.stdout, 'Status\n----------\nSuccess\n');
  t.like(api.seen[2], { method: 'DELETE', url: '/api/v1beta1/pods/redis-master-pod' });

  const empty = await kubecfg(['list', 'pods'], { master: api.url });
  t.is(empty.stdout, 'Name         Image(s)     Host         Labels       Status\n----------   ----------   ----------   ----------   ----------\n');
});

test('get prints one object as a one-row table, with host/hostIP once the pod is scheduled', async (t) => {
  const pod: Pod = {
    kind: 'Pod',
    id: 'web',
    labels: { name: 'web' },
    desiredState: { manifest: { version: 'v1beta1', id: 'web', containers: [{ image: 'nginx' }, { image: 'redis' }] } },
    currentState: { status: 'Running', host: 'minion-1', hostIP: '10.0.0.1' },
  };
  const api = await stub(t, fakeApi({ 'pods/web': pod as Record<string, unknown> }));
  const got = await kubecfg(['get', 'pods/web'], { master: api.url });
  t.is(got.code, 0);
  t.is(
    got.stdout,
    'Name         Image(s)      Host                Labels       Status\n' +
      '----------   ----------    ----------          ----------   ----------\n' +
      'web          nginx,redis   minion-1/10.0.0.1   name=web     Running\n',
  );
  t.like(api.seen[0], { method: 'GET', url: '/api/v1beta1/pods/web' });
});

test('create reads a YAML file and sends it to the server as JSON', async (t) => {
  const api = await stub(t, fakeApi());
  const file = await tempFile('redis-slave.yaml', REDIS_SLAVE_CONTROLLER_YAML);
  const out = await kubecfg(['create', 'replicationControllers', '-c', file], { master: api.url });
  t.is(out.stderr, '');
  t.is(out.code, 0);
  t.like(api.seen[0], { method: 'POST', url: '/api/v1beta1/replicationControllers', contentType: 'application/json' });
  t.deepEqual(api.seen[0]!.body, YAML.parse(REDIS_SLAVE_CONTROLLER_YAML));
  t.is((api.seen[0]!.body as ReplicationController).desiredState?.replicas, 2);
  t.is(
    out.stdout,
    'Name                   Image(s)                   Selector          Replicas\n' +
      '----------             ----------                 ----------        ----------\n' +
      'redisSlaveController   brendanburns/redis-slave   name=redisslave   2\n',
  );
});

test('create -c - reads the object from stdin', async (t) => {
  const api = await stub(t, fakeApi());
  const out = await kubecfg(['-c', '-', 'create', 'services'], {
    master: api.url,
    stdin: 'id: redismaster\nkind: Service\napiVersion: v1beta1\nport: 10000\nselector: {name: redis, role: master}\n',
  });
  t.is(out.code, 0);
  t.deepEqual(api.seen[0]!.body, { id: 'redismaster', kind: 'Service', apiVersion: 'v1beta1', port: 10000, selector: { name: 'redis', role: 'master' } });
  t.is(
    out.stdout,
    'Name          Labels       Selector                 IP           Port\n' +
      '----------    ----------   ----------               ----------   ----------\n' +
      'redismaster                name=redis,role=master                10000\n',
  );
});

test('-l sends the selector URL-encoded as ?labels=, and flags may follow the verb', async (t) => {
  const api = await stub(t, fakeApi({ 'pods/a': { kind: 'Pod', id: 'a', labels: { name: 'redis', role: 'master' } }, 'pods/b': { kind: 'Pod', id: 'b', labels: { name: 'redis', role: 'slave' } } }));
  const out = await kubecfg(['list', 'pods', '-l', 'name=redis,role=master'], { master: api.url });
  t.is(out.code, 0);
  t.is(api.seen[0]!.url, '/api/v1beta1/pods?labels=name%3Dredis%2Crole%3Dmaster');
  t.regex(out.stdout, /^a /m);
  t.notRegex(out.stdout, /^b /m);
});

test('-json and -yaml print the raw object instead of a table', async (t) => {
  const pod = { kind: 'Pod', apiVersion: 'v1beta1', id: 'web', resourceVersion: 3, labels: { name: 'web' } };
  const api = await stub(t, fakeApi({ 'pods/web': pod }));
  const json = await kubecfg(['-json', 'get', 'pods/web'], { master: api.url });
  t.is(json.code, 0);
  t.is(json.stdout, `${JSON.stringify(pod, null, 2)}\n`);
  const yaml = await kubecfg(['get', 'pods/web', '-yaml'], { master: api.url });
  t.is(yaml.code, 0);
  t.deepEqual(YAML.parse(yaml.stdout), pod);
  const list = await kubecfg(['list', 'pods', '-json'], { master: api.url });
  t.like(JSON.parse(list.stdout), { kind: 'PodList', items: [pod] });
});

test('update sends the resourceVersion it just read with the file\'s object', async (t) => {
  const api = await stub(t, fakeApi({ 'services/front': { kind: 'Service', id: 'front', port: 80, resourceVersion: 42 } }));
  const file = await tempFile('front.json', JSON.stringify({ kind: 'Service', apiVersion: 'v1beta1', id: 'front', port: 8080, selector: { name: 'front' } }));
  const out = await kubecfg(['-c', file, 'update', 'services/front'], { master: api.url });
  t.is(out.stderr, '');
  t.is(out.code, 0);
  t.deepEqual(
    api.seen.map((r) => `${r.method} ${r.url}`),
    ['GET /api/v1beta1/services/front', 'PUT /api/v1beta1/services/front'],
  );
  t.deepEqual(api.seen[1]!.body, { kind: 'Service', apiVersion: 'v1beta1', id: 'front', port: 8080, selector: { name: 'front' }, resourceVersion: 42 });
  t.regex(out.stdout, /^front +name=front +8080$/m);
});

test('resize sets desiredState.replicas with the current resourceVersion and prints the controller as YAML', async (t) => {
  const api = await stub(t, fakeApi({ 'replicationControllers/web': controller('web', 2, 7) as Record<string, unknown> }));
  const out = await kubecfg(['resize', 'web', '5'], { master: api.url });
  t.is(out.stderr, '');
  t.is(out.code, 0);
  t.deepEqual(
    api.seen.map((r) => `${r.method} ${r.url}`),
    ['GET /api/v1beta1/replicationControllers/web', 'PUT /api/v1beta1/replicationControllers/web'],
  );
  t.deepEqual(api.seen[1]!.body, { ...controller('web', 5, 7) });
  t.deepEqual(YAML.parse(out.stdout), { ...controller('web', 5, 101) });
});

test('stop resizes a controller to 0', async (t) => {
  const api = await stub(t, fakeApi({ 'replicationControllers/web': controller('web', 3) as Record<string, unknown> }));
  const out = await kubecfg(['stop', 'web'], { master: api.url });
  t.is(out.code, 0);
  t.is((api.seen[1]!.body as ReplicationController).desiredState?.replicas, 0);
  t.is(YAML.parse(out.stdout).desiredState.replicas, 0);
});

test('rm refuses a controller that still has replicas, and deletes it once stopped', async (t) => {
  const api = await stub(t, fakeApi({ 'replicationControllers/web': controller('web', 2) as Record<string, unknown> }));
  const refused = await kubecfg(['rm', 'web'], { master: api.url });
  t.is(refused.code, 1);
  t.is(refused.stdout, '');
  t.is(refused.stderr, 'error: replication controller "web" has 2 replicas; stop it first (kubecfg stop web)\n');
  t.false(api.seen.some((r) => r.method === 'DELETE'));

  t.is((await kubecfg(['stop', 'web'], { master: api.url })).code, 0);
  const removed = await kubecfg(['rm', 'web'], { master: api.url });
  t.is(removed.code, 0);
  t.is(removed.stdout, 'Status\n----------\nSuccess\n');
  t.like(api.seen.at(-1), { method: 'DELETE', url: '/api/v1beta1/replicationControllers/web' });
});

test('run with -p and -s creates a controller with the port and a service selecting its pods', async (t) => {
  const api = await stub(t, fakeApi());
  const out = await kubecfg(['-p', '8080:80', '-s', '9000', 'run', 'nginx', '3', 'web'], { master: api.url });
  t.is(out.stderr, '');
  t.is(out.code, 0);
  const rc = {
    id: 'web',
    kind: 'ReplicationController',
    apiVersion: 'v1beta1',
    desiredState: {
      replicas: 3,
      replicaSelector: { name: 'web' },
      podTemplate: {
        desiredState: { manifest: { version: 'v1beta1', id: 'web', containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80, hostPort: 8080 }] }] } },
        labels: { name: 'web' },
      },
    },
    labels: { name: 'web' },
  };
  t.deepEqual(
    api.seen.map((r) => `${r.method} ${r.url}`),
    ['POST /api/v1beta1/replicationControllers', 'POST /api/v1beta1/services'],
  );
  t.deepEqual(api.seen[0]!.body, rc);
  t.deepEqual(api.seen[1]!.body, { id: 'web', kind: 'Service', apiVersion: 'v1beta1', port: 9000, labels: { name: 'web' }, selector: { name: 'web' }, containerPort: 80 });
  t.like(YAML.parse(out.stdout), rc);
});

test('run without -p sends no ports, and without -s creates no service', async (t) => {
  const api = await stub(t, fakeApi());
  const out = await kubecfg(['run', 'redis', '1', 'cache'], { master: api.url });
  t.is(out.code, 0);
  t.is(api.seen.length, 1);
  const rc = api.seen[0]!.body as ReplicationController;
  t.deepEqual(rc.desiredState?.podTemplate?.desiredState?.manifest?.containers, [{ name: 'cache', image: 'redis' }]);
  t.is(rc.desiredState?.replicas, 1);
});

test('a table pads every column to its widest cell plus 3 spaces under a 10-dash rule, with no trailing spaces', async (t) => {
  const api = await stub(t, () => ({
    status: 200,
    body: {
      kind: 'ServiceList',
      items: [
        { id: 'redismaster', port: 10000, portalIP: '10.0.0.11', labels: { name: 'redis' }, selector: { role: 'master', name: 'redis' } },
        { id: 'fe', port: 80, selector: { name: 'fe' } },
      ],
    },
  }));
  const out = await kubecfg(['list', 'services'], { master: api.url });
  t.is(
    out.stdout,
    [
      'Name          Labels       Selector                 IP           Port',
      '----------    ----------   ----------               ----------   ----------',
      'redismaster   name=redis   name=redis,role=master   10.0.0.11    10000',
      'fe                         name=fe                               80',
      '',
    ].join('\n'),
  );
});

test('a 404 Status prints "Error from server (NotFound): ..." and exits 1', async (t) => {
  const api = await stub(t, fakeApi());
  const out = await kubecfg(['get', 'pods/x'], { master: api.url });
  t.is(out.code, 1);
  t.is(out.stdout, '');
  t.is(out.stderr, 'Error from server (NotFound): pod "x" not found\n');

  const file = await tempFile('pod.json', REDIS_MASTER_POD);
  await kubecfg(['-c', file, 'create', 'pods'], { master: api.url });
  const again = await kubecfg(['-c', file, 'create', 'pods'], { master: api.url });
  t.is(again.code, 1);
  t.is(again.stderr, 'Error from server (AlreadyExists): pod "redis-master-pod" already exists\n');
});

test('an error answer that is not a Status prints the HTTP status text and the trimmed body', async (t) => {
  const api = await stub(t, () => ({ status: 500, body: '  database on fire\n' }));
  const out = await kubecfg(['list', 'minions'], { master: api.url });
  t.is(out.code, 1);
  t.is(out.stderr, 'Error from server (Internal Server Error): database on fire\n');
});

test('a refused connection prints "cannot reach the server" and exits 1, without a stack trace', async (t) => {
  const port = await deadPort();
  const out = await kubecfg(['list', 'pods'], { master: `http://127.0.0.1:${port}` });
  t.is(out.code, 1);
  t.is(out.stdout, '');
  t.is(out.stderr, `error: cannot reach the server at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}\n`);
});

test('-h overrides $KUBERNETES_MASTER and takes a host:port without a scheme', async (t) => {
  const api = await stub(t, fakeApi({ 'minions/m1': { kind: 'Minion', id: 'm1' } }));
  const dead = `http://127.0.0.1:${await deadPort()}`;
  const out = await kubecfg(['-h', api.url.replace('http://', ''), 'list', 'minions'], { master: dead });
  t.is(out.stderr, '');
  t.is(out.code, 0);
  t.is(out.stdout, 'Minion identifier\n----------\nm1\n');
});

test('usage errors print one error line and the usage to stderr, and exit 2', async (t) => {
  const api = await stub(t, fakeApi());
  const missing = join(await mkdtemp(join(tmpdir(), 'kubecfg-')), 'nope.json');
  const badJson = await tempFile('bad.json', '{"id": "x",\n');
  const badYaml = await tempFile('bad.yaml', 'id: [x\nkind: Pod\n');
  const cases: [string[], string][] = [
    [[], 'error: no verb given'],
    [['frobnicate', 'pods'], 'error: unknown verb "frobnicate"'],
    [['get'], 'error: get needs <resource>/<id>'],
    [['get', 'pods'], 'error: get needs <resource>/<id>, got "pods"'],
    [['list', 'pods/x'], 'error: list takes a resource without an id, got "pods/x"'],
    [['list', 'pods', 'extra'], 'error: too many arguments for list: extra'],
    [['list', 'widgets'], 'error: unknown resource "widgets" (one of: pods, replicationControllers, services, minions, events)'],
    [['create', 'pods'], 'error: create needs -c <file|->'],
    [['-c', missing, 'create', 'pods'], `error: cannot read "${missing}": ENOENT: no such file or directory, open '${missing}'`],
    [['-c', badJson, 'create', 'pods'], `error: "${badJson}" is not valid JSON or YAML: `],
    [['-c', badYaml, 'create', 'pods'], `error: "${badYaml}" is not valid JSON or YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1\n`],
    [['resize', 'web', 'many'], 'error: replicas must be a non-negative integer, got "many"'],
    [['-p', '80', 'run', 'nginx', '1', 'web'], 'error: invalid port spec "80" (expected <hostPort>:<containerPort>[,...])'],
    [['-s', '0', 'run', 'nginx', '1', 'web'], 'error: -s must be a port number (1-65535), got "0"'],
    [['-x', 'list', 'pods'], 'error: unknown flag "-x"'],
    [['list', 'pods', '-l'], 'error: flag -l needs a value'],
    [['-json', '-yaml', 'list', 'pods'], 'error: -json and -yaml cannot be used together'],
  ];
  const outs = await Promise.all(cases.map(([args]) => kubecfg(args, { master: api.url })));
  for (const [i, [args, error]] of cases.entries()) {
    const out = outs[i]!;
    const [first, ...rest] = out.stderr.split(/(?<=\n)/);
    t.is(out.code, 2, args.join(' '));
    t.true(first!.startsWith(error), `${args.join(' ')} → ${first}`);
    t.true(rest.join('').startsWith('usage: kubecfg'), args.join(' '));
    t.notRegex(out.stderr, NO_STACK);
    t.is(out.stdout, '');
  }
  t.deepEqual(api.seen, [], 'no usage error reached the server');
});

test('-help and --help print the usage to stdout and exit 0; -h is the server, not help', async (t) => {
  for (const flag of ['-help', '--help']) {
    const out = await kubecfg([flag]);
    t.is(out.code, 0);
    t.true(out.stdout.startsWith('usage: kubecfg'));
    t.is(out.stderr, '');
  }
  const noServer = await kubecfg(['-h']);
  t.is(noServer.code, 2);
  t.true(noServer.stderr.startsWith('error: flag -h needs a value\n'));
});

// --- table.ts ----------------------------------------------------------------------------------------

test('renderTable aligns each column to its widest cell plus 3 spaces and trims line ends', (t) => {
  t.is(renderTable(['A', 'B'], [['x', ''], ['a-very-long-cell', 'y']]), 'A                  B\n----------         ----------\nx\na-very-long-cell   y\n');
  t.is(renderTable(['Only'], []), 'Only\n----------\n');
  t.is(renderTable(['A', 'B'], [['multi\nline', 'z']]), 'A            B\n----------   ----------\nmulti line   z\n');
});

test('the pod columns: images comma-joined, labels sorted by key, host/hostIP or <unassigned>', (t) => {
  const pod: Pod = {
    id: 'p',
    labels: { z: '1', a: '2' },
    desiredState: { manifest: { containers: [{ image: 'a' }, { image: 'b' }] } },
    currentState: { status: 'Running', host: 'm1', hostIP: '10.0.0.1' },
  };
  t.is(formatTable('pods', pod).split('\n')[2], 'p            a,b          m1/10.0.0.1   a=2,z=1      Running');
  t.is(formatHost({}), '<unassigned>');
  t.is(formatHost({ desiredState: { host: 'm2' } }), 'm2');
  t.is(formatHost({ desiredState: { host: 'm2' }, currentState: { host: 'm3', hostIP: '10.0.0.3' } }), 'm3/10.0.0.3');
});

test('the controller, service, minion and event columns', (t) => {
  t.is(
    formatTable('replicationControllers', { kind: 'ReplicationControllerList', items: [controller('web', 2)] }),
    'Name         Image(s)     Selector     Replicas\n----------   ----------   ----------   ----------\nweb          nginx        name=web     2\n',
  );
  t.is(
    formatTable('services', { id: 's', port: 80, portalIP: '10.0.0.2', labels: { b: '1', a: '1' }, selector: { app: 's' } }),
    'Name         Labels       Selector     IP           Port\n----------   ----------   ----------   ----------   ----------\ns            a=1,b=1      app=s        10.0.0.2     80\n',
  );
  t.is(formatTable('minions', { kind: 'MinionList', items: [{ id: 'm1' }, { id: 'm2' }] }), 'Minion identifier\n----------\nm1\nm2\n');
  t.is(
    formatTable('events', { kind: 'EventList', items: [{ involvedObject: { kind: 'Pod', name: 'web' }, reason: 'scheduled', message: 'on m1' }] }),
    'Name         Kind         Reason       Message\n----------   ----------   ----------   ----------\nweb          Pod          scheduled    on m1\n',
  );
});

test('a Status renders as the one-column Status table', (t) => {
  t.is(statusTable({ kind: 'Status', status: 'Success' }), 'Status\n----------\nSuccess\n');
  t.is(formatTable('pods', { kind: 'Status', status: 'Success' }), 'Status\n----------\nSuccess\n');
});

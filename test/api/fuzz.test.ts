/**
 * The whole API fuzzed: methods, paths, queries, media types and bodies mutated from valid objects
 * of every kind in both versions, patches of the three types. Every answer is below 500, every
 * error a Status with its code, no connection is dropped, and afterwards the server is healthy with
 * no watch or actor left over. `HELMSMAN_FUZZ_RUNS` sets the number of requests (CI: 100,000).
 */
import test from 'ava';
import fc from 'fast-check';
import net from 'node:net';
import { Agent, request } from 'undici';
import { startServer } from '../api-helpers.js';
import { eventually } from '../helpers.js';

const RUNS = Number(process.env.HELMSMAN_FUZZ_RUNS ?? 3000);

const meta = { name: 'fuzz', labels: { app: 'fuzz' }, annotations: { note: 'x' } };
const container = { name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] };
/** A valid object of every kind the API serves, in each version, with the path it is created at. */
const VALID: { path: string; body: Record<string, unknown> }[] = [
  { path: '/api/v1/namespaces/default/pods', body: { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: { containers: [container] } } },
  {
    path: '/api/v1/namespaces/default/replicationcontrollers',
    body: { apiVersion: 'v1', kind: 'ReplicationController', metadata: meta, spec: { replicas: 1, selector: { app: 'fuzz' }, template: { metadata: { labels: { app: 'fuzz' } }, spec: { containers: [container] } } } },
  },
  { path: '/api/v1/namespaces/default/services', body: { apiVersion: 'v1', kind: 'Service', metadata: meta, spec: { selector: { app: 'fuzz' }, ports: [{ port: 80, targetPort: 80 }] } } },
  { path: '/api/v1/namespaces/default/endpoints', body: { apiVersion: 'v1', kind: 'Endpoints', metadata: meta, subsets: [{ addresses: [{ ip: '10.1.0.1' }], ports: [{ port: 80 }] }] } },
  { path: '/api/v1/namespaces/default/events', body: { apiVersion: 'v1', kind: 'Event', metadata: meta, involvedObject: { kind: 'Pod', name: 'fuzz', namespace: 'default' }, reason: 'Fuzzed', message: 'm' } },
  { path: '/api/v1/nodes', body: { apiVersion: 'v1', kind: 'Node', metadata: meta, spec: {} } },
  { path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: meta } },
  {
    path: '/apis/coordination.k8s.io/v1/namespaces/default/leases',
    body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: meta, spec: { holderIdentity: 'me', leaseDurationSeconds: 15, renewTime: '2026-12-03T10:00:00.000000Z' } },
  },
  { path: '/api/v1beta1/pods', body: { kind: 'Pod', apiVersion: 'v1beta1', id: 'fuzz', labels: { app: 'fuzz' }, desiredState: { manifest: { version: 'v1beta1', id: 'fuzz', containers: [container] } } } },
  {
    path: '/api/v1beta1/replicationControllers',
    body: { kind: 'ReplicationController', apiVersion: 'v1beta1', id: 'fuzz', desiredState: { replicas: 1, replicaSelector: { app: 'fuzz' }, podTemplate: { desiredState: { manifest: { version: 'v1beta1', id: 'fuzz', containers: [container] } }, labels: { app: 'fuzz' } } } },
  },
  { path: '/api/v1beta1/services', body: { kind: 'Service', apiVersion: 'v1beta1', id: 'fuzz', port: 80, selector: { app: 'fuzz' } } },
  { path: '/api/v1beta1/minions', body: { kind: 'Minion', apiVersion: 'v1beta1', id: 'fuzz', hostIP: '10.2.0.1' } },
];

/** A JSON value at a random path of `value` replaced, or a key removed. */
function mutated(value: unknown, steps: { path: number[]; replacement: unknown; remove: boolean }[]): unknown {
  const copy = structuredClone(value);
  for (const step of steps) {
    let node: any = copy;
    for (const i of step.path) {
      if (node === null || typeof node !== 'object') break;
      const keys = Object.keys(node);
      if (keys.length === 0) break;
      const key = keys[i % keys.length]!;
      const child = node[key];
      if (child === null || typeof child !== 'object' || step.path.at(-1) === i) {
        if (step.remove) delete node[key];
        else node[key] = step.replacement;
        break;
      }
      node = child;
    }
  }
  return copy;
}

const oddString = fc.oneof(fc.string(), fc.constantFrom('', ' ', '%00', '1e309', '-1', 'abc', '..', '/', '\u00e9', 'a'.repeat(300), '0', '18446744073709551616', '!@#'));
const name = fc.oneof(fc.constantFrom('fuzz', 'default', 'kube-system', 'minion-1', 'x'), oddString);
const resource = fc.constantFrom('pods', 'replicationcontrollers', 'replicationControllers', 'services', 'endpoints', 'events', 'nodes', 'minions', 'namespaces', 'leases', 'bogus', 'watch');
const path = fc.oneof(
  fc.tuple(resource, fc.option(name, { nil: undefined }), fc.option(fc.constantFrom('status', 'log', 'scale', 'x'), { nil: undefined })).map(
    ([r, n, sub]) => `/api/v1/namespaces/default/${r}${n === undefined ? '' : `/${encodeURIComponent(n)}${sub ? `/${sub}` : ''}`}`,
  ),
  fc.tuple(resource, fc.option(name, { nil: undefined })).map(([r, n]) => `/api/v1/${r}${n === undefined ? '' : `/${encodeURIComponent(n)}`}`),
  fc.tuple(resource, fc.option(name, { nil: undefined })).map(([r, n]) => `/api/v1beta1/${r}${n === undefined ? '' : `/${encodeURIComponent(n)}`}`),
  fc.tuple(resource, fc.option(name, { nil: undefined })).map(([r, n]) => `/apis/coordination.k8s.io/v1/namespaces/kube-system/${r}${n === undefined ? '' : `/${encodeURIComponent(n)}`}`),
  fc.constantFrom('/', '/api', '/apis', '/api/v1', '/apis/coordination.k8s.io', '/apis/coordination.k8s.io/v1', '/openapi/v3', '/version', '/healthz', '/metrics', '/api/v1beta1', '/api/v2/pods', '/apis/apps/v1/deployments'),
  fc.array(oddString, { maxLength: 5 }).map((parts) => `/${parts.map(encodeURIComponent).join('/')}`),
);
const QUERY_KEYS = ['labelSelector', 'fieldSelector', 'labels', 'fields', 'resourceVersion', 'limit', 'timeoutSeconds', 'watch', 'namespace', 'dryRun', 'fieldValidation', 'tailLines', 'container', 'includeObject'];
const query = fc.dictionary(fc.constantFrom(...QUERY_KEYS), fc.oneof(oddString, fc.constantFrom('true', '1', 'All', 'Strict', 'app=fuzz', 'app in (a,b)', '!app', 'metadata.name=fuzz', 'spec.nodeName=minion-1')), { maxKeys: 3 });
const method = fc.constantFrom('GET', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND');
const mediaType = fc.constantFrom(
  'application/json',
  'application/yaml',
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
  'application/vnd.kubernetes.protobuf',
  'text/plain',
  'application/json; charset=utf-16',
  '',
);
const mutation = fc.record({ path: fc.array(fc.nat(8), { minLength: 1, maxLength: 5 }), replacement: fc.jsonValue({ maxDepth: 2 }), remove: fc.boolean() });
const body = fc.oneof(
  fc.tuple(fc.constantFrom(...VALID), fc.array(mutation, { maxLength: 3 })).map(([v, steps]) => JSON.stringify(mutated(v.body, steps))),
  fc.array(fc.record({ op: fc.constantFrom('add', 'remove', 'replace', 'move', 'copy', 'test', 'bogus'), path: fc.constantFrom('/metadata/labels/a', '/spec', '/x', '', '/spec/containers/0/image', '/metadata/name'), value: fc.jsonValue({ maxDepth: 2 }) })).map((ops) => JSON.stringify(ops)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.string(),
  fc.constant(undefined),
);

test('fuzzed requests: never a 500, every error a Status, no dropped connection, nothing left over', async (t) => {
  t.timeout(Math.max(120_000, RUNS * 20));
  const server = await startServer();
  t.teardown(() => server.close());
  const dispatcher = new Agent({ connections: 16, pipelining: 0 });
  t.teardown(() => dispatcher.close());
  const gauges = async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const read = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
    return { actors: read('helmsman_actors'), watches: read('apiserver_longrunning_requests') };
  };
  const before = await gauges();
  // Seed objects, so that named paths find something to read, replace, patch and delete.
  for (const v of VALID) await fetch(server.url + v.path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(v.body) });

  const failures: string[] = [];
  await fc.assert(
    fc.asyncProperty(method, path, query, mediaType, body, async (m, p, q, type, b) => {
      const search = new URLSearchParams(q).toString();
      const url = `${p}${search ? `?${search}` : ''}`;
      const what = `${m} ${url} [${type}] ${b === undefined ? '' : b.slice(0, 120)}`;
      const watching = q.watch === 'true' || q.watch === '1' || p.startsWith('/api/v1beta1/watch');
      let res;
      try {
        res = await request(server.url + url, {
          method: m as 'GET',
          headers: type ? { 'content-type': type } : {},
          body: m === 'GET' || m === 'HEAD' ? undefined : b,
          dispatcher,
          // A watch streams until it is told to stop: the headers are what is checked.
          signal: watching ? AbortSignal.timeout(3000) : undefined,
        });
      } catch (err) {
        failures.push(`${what}: ${(err as Error).message}`);
        return false;
      }
      if (watching && res.statusCode === 200) {
        res.body.on('error', () => {});
        res.body.destroy();
        return true;
      }
      let text: string;
      try {
        text = await res.body.text();
      } catch (err) {
        failures.push(`${what}: the body broke off: ${(err as Error).message}`);
        return false;
      }
      if (res.statusCode >= 500) {
        failures.push(`${what}: ${res.statusCode} ${text.slice(0, 300)}`);
        return false;
      }
      if (res.statusCode >= 400 && m !== 'HEAD') {
        let status: { kind?: string; code?: number } | undefined;
        try {
          status = JSON.parse(text);
        } catch {}
        if (status?.kind !== 'Status' || status.code !== res.statusCode) {
          failures.push(`${what}: ${res.statusCode} is not a Status: ${text.slice(0, 300)}`);
          return false;
        }
      }
      return true;
    }),
    { numRuns: RUNS, endOnFailure: true },
  ).catch((err: Error) => t.fail(`${failures.join('\n')}\n${err.message.slice(0, 2000)}`));

  // What no well-behaved client sends: raw bytes in the request line and headers, which Node's
  // parser refuses before any route sees them. The answer is still a Status.
  const rawChar = fc.constantFrom('\0', ' ', '\t', '\x7f', '\u00e9', '%', '%zz', '"', '<', '\\', '#', '?', '\x01');
  const rawPath = fc.tuple(path, fc.array(rawChar, { maxLength: 3 })).map(([p, extra]) => p + extra.join(''));
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('GET', 'POST', 'DELETE', 'OPTIONS', 'BREW', 'get'), rawPath, fc.constantFrom('', 'X-Odd: \x01\r\n', 'Content-Length: abc\r\n', 'Transfer-Encoding: bogus\r\n'), async (m, p, header) => {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(server.port, '127.0.0.1', () => socket.write(`${m} ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${header}\r\n`));
        let got = '';
        socket.setEncoding('latin1');
        socket.on('data', (d) => (got += d));
        socket.on('end', () => resolve(got));
        socket.on('error', reject);
        socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
      });
      const code = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
      if (!(code < 500)) {
        failures.push(`raw ${JSON.stringify(`${m} ${p}`)}: ${answer.slice(0, 200)}`);
        return false;
      }
      if (code >= 400) {
        const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
        // A chunked answer: the Status is the first chunk.
        const json = /^[0-9a-f]+\r\n/.test(body) ? body.replace(/^[0-9a-f]+\r\n/, '').replace(/\r\n0\r\n\r\n$/, '') : body;
        let status: { kind?: string; code?: number } | undefined;
        try {
          status = JSON.parse(json);
        } catch {}
        if (status?.kind !== 'Status' || status.code !== code) {
          failures.push(`raw ${JSON.stringify(`${m} ${p}`)}: not a Status: ${answer.slice(0, 300)}`);
          return false;
        }
      }
      return true;
    }),
    { numRuns: Math.ceil(RUNS / 10), endOnFailure: true },
  ).catch((err: Error) => t.fail(`${failures.join('\n')}\n${err.message.slice(0, 2000)}`));

  t.is((await fetch(`${server.url}/healthz`)).status, 200);
  const after = await eventually(async () => {
    const now = await gauges();
    return now.watches === before.watches && now.actors === before.actors && now;
  }, 'the watches closed and the actors back to where they were', 10_000);
  t.deepEqual(after, before);
  t.log(`${RUNS} requests, and ${Math.ceil(RUNS / 10)} raw ones`);
});

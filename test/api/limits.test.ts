/** kube-apiserver's limits and the inputs that only a fuzzer or a careless client sends: every answer a Status. */
import test from 'ava';
import net from 'node:net';
import { call, startServer } from '../api-helpers.js';
import { eventually } from '../helpers.js';

/** Sends `text` as is on a fresh connection; resolves with the status line and the body. */
function raw(port: number, text: string): Promise<{ status: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let got = '';
    socket.on('data', (d) => (got += d));
    socket.on('close', () => resolve({ status: got.split('\r\n')[0]!, body: got.slice(got.indexOf('\r\n\r\n') + 4) }));
    socket.on('error', reject);
  });
}

test('a request Node\'s parser refuses (a NUL in the query, an unknown method) is answered with a Status, not a bare 400', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  for (const line of ['GET /api/v1/pods?a=\0b HTTP/1.1', 'BREW /api HTTP/1.1', 'GET /api/v1/pods HTTP/9']) {
    const res = await raw(server.port, `${line}\r\nHost: x\r\n\r\n`);
    t.regex(res.status, /^HTTP\/1\.1 400 /, line);
    t.like(JSON.parse(res.body), { kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 }, line);
  }
});

test('a resourceVersion or limit that is not a decimal integer is a 400 naming it; a v1beta1 "abc" does not overwrite blindly', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  for (const query of ['resourceVersion=abc', 'resourceVersion=1e3', 'limit=-1', 'limit=abc']) {
    const res = await call(server.url, 'GET', `/api/v1/namespaces/default/pods?${query}`);
    t.is(res.code, 400, query);
    t.regex(res.body.message, new RegExp(`invalid ${query.split('=')[0]}`), query);
  }
  const pod = (image: string, resourceVersion?: unknown) => ({ id: 'p', kind: 'Pod', apiVersion: 'v1beta1', resourceVersion, desiredState: { manifest: { version: 'v1beta1', id: 'p', containers: [{ name: 'c', image }] } } });
  t.is((await call(server.url, 'POST', '/api/v1beta1/pods', pod('a'))).code, 201);
  for (const rv of ['abc', -1, 1.5, '1e3']) {
    const res = await call(server.url, 'PUT', '/api/v1beta1/pods/p', pod('b', rv));
    t.is(res.code, 400, String(rv));
    t.regex(res.body.message, /^resourceVersion: Invalid value/);
  }
  t.is((await call(server.url, 'GET', '/api/v1beta1/pods/p')).body.desiredState.manifest.containers[0].image, 'a', 'nothing overwritten');
});

/** Starts a create whose body is still on its way, holding a mutating seat; `finish` sends the rest and resolves with the answer. */
function slowCreate(port: number, name: string): { finish(): Promise<string>; socket: net.Socket } {
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
  const socket = net.connect(port, '127.0.0.1');
  let answer = '';
  socket.on('data', (d) => (answer += d));
  socket.write(`POST /api/v1/namespaces/default/pods HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
  return {
    socket,
    async finish() {
      socket.write(body.slice(10));
      await eventually(() => answer.includes('\r\n\r\n'), `the slow create of ${name} answered`);
      socket.destroy();
      return answer;
    },
  };
}

const podBody = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
const create = (url: string, name: string) => fetch(`${url}/api/v1/namespaces/default/pods`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: podBody(name) });

test('with no queue, a write beyond the in-flight limits is 429 TooManyRequests with Retry-After at once, served again once a seat is free', async (t) => {
  const server = await startServer({ limits: { maxRequestsInflight: 2, maxMutatingRequestsInflight: 1, queueLength: 0 } });
  t.teardown(() => server.close());
  const slow = slowCreate(server.port, 'slow');
  await new Promise((r) => setTimeout(r, 200));
  const refused = await create(server.url, 'fast');
  t.is(refused.status, 429);
  t.is(refused.headers.get('retry-after'), '1');
  t.like(await refused.json(), { kind: 'Status', reason: 'TooManyRequests', code: 429, message: 'Too many requests, please try again later.', details: { retryAfterSeconds: 1 } });
  // Reads have seats of their own, and a watch holds none.
  const watch = new AbortController();
  t.teardown(() => watch.abort());
  await fetch(`${server.url}/api/v1/pods?watch=true`, { signal: watch.signal });
  await fetch(`${server.url}/api/v1/pods?watch=true`, { signal: watch.signal });
  t.is((await fetch(`${server.url}/api/v1/namespaces/default/pods`)).status, 200);
  t.regex(await slow.finish(), /^HTTP\/1\.1 201 /);
  t.is((await create(server.url, 'fast')).status, 201);
});

test('a write beyond the in-flight limits waits for a seat in turn (as API Priority and Fairness queues it); a full queue or a long wait is 429', async (t) => {
  const server = await startServer({ limits: { maxMutatingRequestsInflight: 1, queueLength: 2, queueWaitMs: 1500 } });
  t.teardown(() => server.close());
  const slow = slowCreate(server.port, 'slow');
  await new Promise((r) => setTimeout(r, 200));
  // Two wait; the third finds the queue full.
  const first = create(server.url, 'first');
  const second = create(server.url, 'second');
  await new Promise((r) => setTimeout(r, 200));
  const third = await create(server.url, 'third');
  t.is(third.status, 429);
  t.is(third.headers.get('retry-after'), '1');
  t.regex(await slow.finish(), /^HTTP\/1\.1 201 /);
  t.deepEqual([(await first).status, (await second).status], [201, 201], 'the waiting writes are served once the seat is free');
  // Held past the wait limit, a queued write is turned away.
  const held = slowCreate(server.port, 'held');
  await new Promise((r) => setTimeout(r, 200));
  const started = Date.now();
  const late = await create(server.url, 'late');
  t.is(late.status, 429);
  t.true(Date.now() - started >= 1400, `refused after ${Date.now() - started} ms of waiting`);
  t.regex(await held.finish(), /^HTTP\/1\.1 201 /);
});

test('annotations are checked with Kubernetes\' limits: qualified-name keys, 256 KiB in all', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const pod = (annotations: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', annotations }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
  const big = await call(server.url, 'POST', '/api/v1/namespaces/default/pods', pod({ a: 'x'.repeat(262_144) }));
  t.is(big.code, 422);
  t.is(big.body.message, 'Pod "p" is invalid: metadata.annotations: Too long: must have at most 262144 bytes');
  const bad = await call(server.url, 'POST', '/api/v1/namespaces/default/pods', pod({ 'bad key': 'v' }));
  t.is(bad.code, 422);
  t.regex(bad.body.message, /metadata\.annotations: Invalid value: "bad key": name part must consist of/);
  t.is((await call(server.url, 'POST', '/api/v1/namespaces/default/pods', pod({ 'example.com/Key': 'v' }))).code, 201);
});

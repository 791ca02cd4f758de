import test from 'ava';
import { Cluster } from '../../src/cluster/cluster.js';
import type { Pod } from '../../src/api/model.js';
import { kubecfgAt } from '../api-helpers.js';
import { answersFrom, serviceWithReplicas } from '../service-helpers.js';

// A tiny HTTP server: answers with the pod's address, on POD_IP:PORT.
const SERVER = "require('node:http').createServer((q, r) => r.end(process.env.POD_IP)).listen(+process.env.PORT, process.env.POD_IP)";

async function answer(pod: Pod): Promise<string> {
  const res = await fetch(`http://${pod.status.podIP}:8080/`);
  return res.text();
}

/** The pod's answer once its server listens (it may still be starting). */
async function answerWhenUp(pod: Pod): Promise<string> {
  for (let i = 0; i < 100 && !(await answers(pod)); i++) await new Promise((r) => setTimeout(r, 50));
  return answer(pod);
}

async function answers(pod: Pod): Promise<boolean> {
  return answer(pod).then(
    (text) => text === pod.status.podIP,
    () => false,
  );
}

test('the process runtime runs replicas as host processes on their own loopback addresses, restarts a killed one, and stops them all', async (t) => {
  const cluster = await Cluster.start({ minions: 2, shards: 2, runtime: 'process', backoff: { initialMs: 0 } });
  t.teardown(() => cluster.stop());
  const labels = { app: 'hello' };
  await cluster.client.create('replicationcontrollers', {
    id: 'hello',
    kind: 'ReplicationController',
    apiVersion: 'v1beta1',
    desiredState: {
      replicas: 3,
      replicaSelector: labels,
      podTemplate: {
        labels,
        desiredState: { manifest: { version: 'v1beta1', id: 'hello', containers: [{ name: 'web', image: 'node', command: [process.execPath, '-e', SERVER], ports: [{ containerPort: 8080 }] }] } },
      },
    },
  });
  const pods = await cluster.client.waitFor('pods', { labels: 'app=hello' }, (ps) => ps.length === 3 && ps.every((p) => p.status.phase === 'Running'));
  t.true(pods.every((p) => /^127\.\d+\.\d+\.\d+$/.test(p.status.podIP!)), pods.map((p) => p.status.podIP).join(' '));
  t.is(new Set(pods.map((p) => p.status.podIP)).size, 3);
  // Each replica listens on the same port of its own address (give the servers a moment to listen).
  for (const pod of pods) {
    t.is(await answerWhenUp(pod), pod.status.podIP!);
  }

  const victim = pods[0]!;
  await cluster.crashPod(victim.metadata.name);
  const [restarted] = await cluster.client.waitFor('pods', { fields: `metadata.name=${victim.metadata.name}` }, ([p]) => p?.status.containers.web?.restartCount === 1 && p.status.phase === 'Running');
  t.is(await answerWhenUp(restarted!), victim.status.podIP!);

  // Deleting the controller's pods: it replaces them.
  for (const pod of pods) await cluster.client.delete('pods', pod.metadata.name);
  const replaced = await cluster.client.waitFor('pods', { labels: 'app=hello' }, (ps) => ps.length === 3 && ps.every((p) => p.status.phase === 'Running' && !pods.some((old) => old.metadata.name === p.metadata.name)));
  for (const pod of replaced) {
    t.is(await answerWhenUp(pod), pod.status.podIP!);
  }

  await cluster.stop();
  for (const pod of [...pods, ...replaced]) t.false(await answers(pod), `${pod.status.podIP} still answers after stop`);
});

test('a container without a command waits with a reason that says the process runtime pulls no images', async (t) => {
  const cluster = await Cluster.start({ minions: 1, shards: 1, runtime: 'process' });
  t.teardown(() => cluster.stop());
  await cluster.client.create('pods', { id: 'imageonly', kind: 'Pod', apiVersion: 'v1beta1', desiredState: { manifest: { version: 'v1beta1', id: 'imageonly', containers: [{ name: 'redis', image: 'redis' }] } } });
  const [pod] = await cluster.client.waitFor('pods', {}, ([p]) => p?.status.containers.redis?.state.waiting?.reason === 'CreateContainerConfigError');
  t.is(pod!.status.phase, 'Pending');
  t.regex(pod!.status.message ?? '', /pulls no images/);
});

test('a service balances TCP connections over its replicas through each minion\'s user-space proxy, which skips a dead replica; its variables reach the containers', async (t) => {
  // A crashed replica stays down (backing off) for the rest of the test.
  const cluster = await Cluster.start({ minions: 2, shards: 2, runtime: 'process', proxyMode: 'userspace', backoff: { initialMs: 60_000 } });
  t.teardown(() => cluster.stop());
  // Each replica answers with its address and the service port it was told.
  const server = "require('node:http').createServer((q, r) => r.end(process.env.POD_IP + ' ' + process.env.HELLO_SERVICE_PORT)).listen(+process.env.PORT, process.env.POD_IP)";
  const port = await serviceWithReplicas(cluster, 'hello', 3, { name: 'web', image: 'node', command: [process.execPath, '-e', server] });
  await cluster.client.waitFor('endpoints', {}, ([e]) => e?.endpoints.length === 3);
  const minion = await cluster.client.get('nodes', 'minion-1', '');
  const url = `http://${minion.status.hostIP}:${port}/`;
  const seen = await answersFrom(url, 30);
  for (const answer of seen.keys()) t.is(answer.split(' ')[1], String(port));
  t.is(seen.size, 3, JSON.stringify([...seen]));

  // One replica dies and stays down: the service keeps answering — a refused endpoint is skipped
  // until the endpoints leave it out.
  const pods = await cluster.client.list('pods', { labels: 'app=hello' });
  await cluster.crashPod(pods[0]!.metadata.name);
  await cluster.client.waitFor('pods', { fields: `metadata.name=${pods[0]!.metadata.name}` }, ([p]) => p?.status.containers.web?.state.waiting?.reason === 'CrashLoopBackOff');
  for (let i = 0; i < 10; i++) t.regex(await fetch(url, { headers: { connection: 'close' } }).then((r) => r.text(), (e) => `failed: ${e.cause?.message ?? e.message}`), /^127\./);
  await cluster.client.waitFor('endpoints', {}, ([e]) => e?.endpoints.length === 2);
});

test('container logs are readable through the API and kubecfg log, with tailLines; errors are Status', async (t) => {
  const cluster = await Cluster.start({ minions: 1, shards: 1, runtime: 'process', api: true });
  t.teardown(() => cluster.stop());
  const script = "for (let i = 1; i <= 5; i++) console.log('line ' + i); setInterval(() => {}, 1000)";
  await cluster.client.create('pods', { id: 'talker', kind: 'Pod', apiVersion: 'v1beta1', desiredState: { manifest: { version: 'v1beta1', id: 'talker', containers: [{ name: 'main', image: 'node', command: [process.execPath, '-e', script] }] } } });
  await cluster.client.waitFor('pods', {}, ([p]) => p?.status.phase === 'Running');
  let text = '';
  for (let i = 0; i < 100 && !text.includes('line 5'); i++) {
    text = await cluster.logs('talker');
    await new Promise((r) => setTimeout(r, 20));
  }
  t.is(text, 'line 1\nline 2\nline 3\nline 4\nline 5\n');
  const res = await fetch(`${cluster.url}/api/v1beta1/pods/talker/log?tailLines=2`);
  t.is(res.status, 200);
  t.regex(res.headers.get('content-type')!, /^text\/plain/);
  t.is(await res.text(), 'line 4\nline 5\n');
  const cli = await kubecfgAt(cluster.url!, '-tail', '1', 'log', 'talker');
  t.is(cli.code, 0, cli.stderr);
  t.is(cli.stdout, 'line 5\n');
  const missing = await kubecfgAt(cluster.url!, 'log', 'nobody');
  t.is(missing.code, 1);
  t.is(missing.stderr.trim(), 'Error from server (NotFound): pod "nobody" not found');
  const wrong = await fetch(`${cluster.url}/api/v1beta1/pods/talker/log?container=other`);
  t.is(wrong.status, 400);
  t.like(await wrong.json(), { kind: 'Status', reason: 'BadRequest', message: 'container other is not valid for pod talker' });
  t.is((await fetch(`${cluster.url}/api/v1beta1/pods/talker/log?tailLines=-1`)).status, 400);
});

test('a followed log (?follow=true) streams what the container writes after, and ends when the pod is gone', async (t) => {
  const cluster = await Cluster.start({ minions: 1, shards: 1, runtime: 'process', api: true });
  t.teardown(() => cluster.stop());
  const script = "let i = 0; console.log('line ' + ++i); setInterval(() => console.log('line ' + ++i), 150)";
  await cluster.client.create('pods', { id: 'ticker', kind: 'Pod', apiVersion: 'v1beta1', desiredState: { manifest: { version: 'v1beta1', id: 'ticker', containers: [{ name: 'main', image: 'node', command: [process.execPath, '-e', script] }] } } });
  await cluster.client.waitFor('pods', {}, ([p]) => p?.status.phase === 'Running');
  await new Promise((r) => setTimeout(r, 500));
  const res = await fetch(`${cluster.url}/api/v1/namespaces/default/pods/ticker/log?follow=true&tailLines=1`);
  t.is(res.status, 200);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  while ((text.match(/\n/g) ?? []).length < 12) text += (await reader.read()).value ?? '';
  const numbers = text.trim().split('\n').map((l) => Number(/^line (\d+)$/.exec(l)?.[1]));
  t.true(numbers[0]! > 1, 'it starts from the last line, not the first');
  t.deepEqual(numbers, numbers.map((_, i) => numbers[0]! + i), 'then every line once, in order');
  await cluster.client.delete('pods', 'ticker');
  for (;;) if ((await reader.read()).done) break;
  t.pass('the stream ended with the pod');
});

test('a failing liveness probe (httpGet, tcpSocket or exec) restarts its container; a passing one does not', async (t) => {
  const cluster = await Cluster.start({ minions: 1, shards: 1, runtime: 'process', backoff: { initialMs: 0 }, probe: { periodMs: 100, failureThreshold: 2 } });
  t.teardown(() => cluster.stop());
  // Healthy for its first three checks, then 500s.
  const flaky = "let n = 0; require('node:http').createServer((q, r) => { r.statusCode = ++n <= 3 ? 200 : 500; r.end(); }).listen(+process.env.PORT, process.env.POD_IP)";
  const steady = "require('node:http').createServer((q, r) => r.end('ok')).listen(+process.env.PORT, process.env.POD_IP)";
  const idle = 'setInterval(() => {}, 1000)';
  const pod = (id: string, script: string, livenessProbe: object) => ({
    id,
    kind: 'Pod',
    apiVersion: 'v1beta1',
    desiredState: { manifest: { version: 'v1beta1', id, containers: [{ name: 'main', image: 'node', command: [process.execPath, '-e', script], ports: [{ name: 'web', containerPort: 8080 }], livenessProbe }] } },
  });
  await cluster.client.create('pods', pod('http', flaky, { httpGet: { path: '/healthz', port: 'web' }, initialDelaySeconds: 0.3 }));
  await cluster.client.create('pods', pod('tcp', idle, { tcpSocket: { port: 8080 }, initialDelaySeconds: 0.3 }));
  await cluster.client.create('pods', pod('exec', idle, { exec: { command: [process.execPath, '-e', 'process.exit(1)'] } }));
  await cluster.client.create('pods', pod('healthy', steady, { httpGet: { path: '/', port: 8080 }, initialDelaySeconds: 0.3 }));
  const restarts = (p: Pod) => p.status.containers.main?.restartCount ?? 0;
  const pods = await cluster.client.waitFor('pods', {}, (ps) => ps.length === 4 && ps.filter((p) => p.metadata.name !== 'healthy').every((p) => restarts(p) >= 1));
  const healthy = pods.find((p) => p.metadata.name === 'healthy')!;
  t.is(restarts(healthy), 0);
  t.is(healthy.status.phase, 'Running');
});

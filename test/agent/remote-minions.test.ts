/**
 * Remote minions (issue 15): a control plane (`helmsman up`, TLS and tokens, lmdb) and two agents
 * (`helmsman minion`, process runtime), each a process of its own on its own loopback address,
 * driven by the real kubectl. The pods of a replication controller spread over both agents and a
 * service reaches them all; `kubectl logs` reads a remote pod's output through its agent's kubelet
 * endpoint; an agent killed with -9 goes NotReady and its pods run again on the other; started
 * again it is Ready and removes what it left behind; the control plane restarted leaves every pod
 * running where it was.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import YAML from 'yaml';
import { kubecfgWith, startUp, type UpProcess } from '../api-helpers.js';
import { freePort, pidsOf, startAgent, type AgentProcess } from '../agent-helpers.js';
import { eventually } from '../helpers.js';
import { Kubectl, kubectlTest } from '../kubectl-helpers.js';

/** Outside the loopback blocks embedded clusters take (127.0–127.127 for pods, 127.255 for minions). */
const CLUSTER_CIDR = '127.200.0.0/16';
const HOSTS = { 'host-a': '127.201.0.1', 'host-b': '127.201.0.2' } as const;
type Host = keyof typeof HOSTS;

interface PodView {
  name: string;
  uid: string;
  node: string;
  ip: string;
  phase: string;
  restarts: number;
}

/** GET over HTTP to a service on a host address; resolves with the body ('' when refused). */
function httpGet(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    // A connection of its own each time (no keep-alive): each is balanced anew.
    const req = request({ host, port, path: '/', timeout: 2000, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body.trim()));
    });
    req.on('error', () => resolve(''));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

kubectlTest('remote minions: pods spread over two agents and a service reaches them; logs through the kubelet; an agent killed and restarted; the control plane restarted leaves the pods alone', async (t) => {
  t.timeout(240_000);
  const dir = mkdtempSync(join(tmpdir(), 'helmsman-remote-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const marker = `helmsman-remote-test-${process.pid}-${Date.now()}`;
  const tokens = join(dir, 'tokens.csv');
  writeFileSync(tokens, 'token-a,system:node:host-a,node-a,system:nodes\ntoken-b,system:node:host-b,node-b,system:nodes\n');
  for (const host of Object.keys(HOSTS)) writeFileSync(join(dir, `${host}.token`), `token-${host.slice(-1)}\n`);
  const port = await freePort();
  const cpData = join(dir, 'control-plane');
  const upArgs = ['--port', String(port), '--store', 'lmdb', '--data', cpData, '--minions', '0', '--runtime', 'process', '--token-auth-file', tokens, '--tls', '--cluster-cidr', CLUSTER_CIDR, '--node-monitor-grace-period', '6s'];
  let up: UpProcess = await startUp(upArgs);
  t.teardown(() => up.stop('SIGKILL'));
  const ca = join(cpData, 'pki', 'ca.crt');
  const agents = new Map<Host, AgentProcess>();
  // host-a with a node token of its own; host-b with the bootstrap token (TLS bootstrapping: it gets a certificate).
  const bootstrap = readFileSync(join(cpData, 'bootstrap.token'), 'utf8').trim();
  const start = async (host: Host) => {
    const credentials = host === 'host-a' ? ['--token-file', join(dir, `${host}.token`)] : ['--token', bootstrap];
    const agent = await startAgent(['--server', up.url, ...credentials, '--certificate-authority', ca, '--name', host, '--address', HOSTS[host], '--runtime', 'process', '--kubelet-port', '0', '--node-lease-duration-seconds', '4', '--data', join(dir, host)]);
    agents.set(host, agent);
  };
  t.teardown(async () => {
    for (const agent of agents.values()) await agent.stop('SIGKILL');
    for (const pid of await pidsOf(marker)) process.kill(pid, 'SIGKILL');
  });
  await Promise.all((Object.keys(HOSTS) as Host[]).map(start));
  const kubectl = new Kubectl({ kubeconfig: up.kubeconfig });
  const nodes = async () => {
    const r = await kubectl.run(['get', 'nodes', '-o', 'json']);
    const list = r.code === 0 ? (JSON.parse(r.stdout) as { items: { metadata: { name: string }; spec: { podCIDR?: string }; status: { conditions: { type: string; status: string }[] } }[] }) : { items: [] };
    return new Map(list.items.map((n) => [n.metadata.name, { ready: n.status.conditions.find((c) => c.type === 'Ready')?.status, podCIDR: n.spec.podCIDR }]));
  };
  const pods = async (): Promise<PodView[]> => {
    const r = await kubectl.run(['get', 'pods', '-l', 'app=web', '-o', 'json']);
    if (r.code !== 0) return [];
    const list = JSON.parse(r.stdout) as { items: any[] };
    return list.items.map((p) => ({
      name: p.metadata.name,
      uid: p.metadata.uid,
      node: p.spec.nodeName ?? '',
      ip: p.status.podIP ?? '',
      phase: p.status.phase,
      restarts: p.status.containerStatuses?.[0]?.restartCount ?? 0,
    }));
  };

  // Both registered, Ready, each with a block of the cluster CIDR.
  const registered = await eventually(async () => {
    const n = await nodes();
    return n.size === 2 && [...n.values()].every((v) => v.ready === 'True' && v.podCIDR?.startsWith('127.200.')) && n;
  }, 'both agents Ready with a pod range', 15_000);
  t.not(registered.get('host-a')!.podCIDR, registered.get('host-b')!.podCIDR);

  // A node's token writes its own node only (NodeRestriction).
  const asNodeA = new Agent({ connect: { ca: readFileSync(ca, 'utf8') } });
  const refused = await fetch(`${up.url}/api/v1/nodes/host-b/status`, {
    method: 'PATCH',
    headers: { authorization: 'Bearer token-a', 'content-type': 'application/merge-patch+json' },
    body: JSON.stringify({ status: { conditions: [{ type: 'Ready', status: 'False' }] } }),
    dispatcher: asNodeA,
  });
  t.is(refused.status, 403);
  t.is(((await refused.json()) as { message: string }).message, 'nodes "host-b" is forbidden: User "system:node:host-a" cannot patch resource "nodes/status" in API group "" at the cluster scope');
  // host-b speaks with the certificate it was given: it is system:node:host-b, and host-a's node is not its own.
  const asNodeB = new Agent({ connect: { ca: readFileSync(ca, 'utf8'), cert: readFileSync(join(dir, 'host-b', 'pki', 'kubelet-client.crt'), 'utf8'), key: readFileSync(join(dir, 'host-b', 'pki', 'kubelet-client.key'), 'utf8') } });
  const byCert = await fetch(`${up.url}/api/v1/nodes/host-a/status`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: '{"status":{}}', dispatcher: asNodeB });
  t.is(byCert.status, 403);
  t.is(((await byCert.json()) as { message: string }).message, 'nodes "host-a" is forbidden: User "system:node:host-b" cannot patch resource "nodes/status" in API group "" at the cluster scope');
  // And the bootstrap token itself may do nothing but ask for a certificate.
  const asBootstrap = await fetch(`${up.url}/api/v1/pods`, { headers: { authorization: `Bearer ${bootstrap}` }, dispatcher: asNodeA });
  t.is(asBootstrap.status, 403);

  // Four replicas over both agents; the service reaches every one from either host.
  const script = `require('http').createServer((q, r) => r.end(process.env.POD_IP + '\\n')).listen(8080, process.env.POD_IP, () => console.log('listening on ' + process.env.POD_IP)) // ${marker}`;
  const manifest = [
      {
        apiVersion: 'v1',
        kind: 'ReplicationController',
        metadata: { name: 'web' },
        spec: { replicas: 4, selector: { app: 'web' }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'node', command: [process.execPath, '-e', script], ports: [{ containerPort: 8080 }] }] } } },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 9000, targetPort: 8080 }] } },
  ].map((doc) => YAML.stringify(doc)).join('---\n');
  const applied = await kubectl.run(['apply', '-f', '-'], manifest);
  t.is(applied.code, 0, applied.stderr);
  const running = await eventually(async () => {
    const p = await pods();
    return p.length === 4 && p.every((x) => x.phase === 'Running') && new Set(p.map((x) => x.node)).size === 2 && p;
  }, 'four replicas Running on both agents', 30_000);
  for (const p of running) t.true(p.ip.startsWith('127.200.'), `${p.name} has ${p.ip}`);
  const ips = new Set(running.map((p) => p.ip));
  const round = async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) seen.add(await httpGet(HOSTS[i % 2 === 0 ? 'host-a' : 'host-b'], 9000));
    return seen;
  };
  // A replica is ready once its process runs, a moment before it listens: a first round may miss.
  await eventually(async () => {
    const seen = await round();
    return [...ips].every((ip) => seen.has(ip));
  }, 'the service reaching all four replicas from both hosts', 15_000);
  const reached = await round();
  t.deepEqual([...reached].sort(), [...ips].sort(), 'every request of a round answered, by every replica');

  // kubectl logs of a pod on host-b: read from host-b's kubelet endpoint.
  const onB = running.find((p) => p.node === 'host-b')!;
  const logs = await kubectl.run(['logs', onB.name]);
  t.is(logs.code, 0, logs.stderr);
  t.is(logs.stdout.trim(), `listening on ${onB.ip}`);
  // host-a may not write the status of a pod bound to host-b (NodeRestriction).
  const foreign = await fetch(`${up.url}/api/v1/namespaces/default/pods/${onB.name}/status`, {
    method: 'PUT',
    headers: { authorization: 'Bearer token-a', 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: onB.name }, status: { phase: 'Failed' } }),
    dispatcher: asNodeA,
  });
  t.is(foreign.status, 403);
  t.regex(((await foreign.json()) as { message: string }).message, /node "host-a" can only update pod status for pods with spec.nodeName set to itself/);
  // And 2014's kubecfg log, through v1beta1, with the same kubeconfig.
  const kubecfgLog = await kubecfgWith({ KUBECONFIG: up.kubeconfig }, 'log', onB.name);
  t.is(kubecfgLog.code, 0, kubecfgLog.stderr);
  t.regex(kubecfgLog.stdout, new RegExp(`listening on ${onB.ip.replace(/\./g, '\\.')}`));

  // host-a killed with -9: NotReady after the grace period, its pods replaced on host-b.
  const onA = running.filter((p) => p.node === 'host-a').map((p) => p.name);
  await agents.get('host-a')!.stop('SIGKILL');
  const killedAt = Date.now();
  await eventually(async () => (await nodes()).get('host-a')?.ready === 'Unknown', 'host-a NotReady', 20_000);
  t.true(Date.now() - killedAt >= 4000, 'NotReady only once the grace period has passed');
  const moved = await eventually(async () => {
    const p = await pods();
    return p.length === 4 && p.every((x) => x.node === 'host-b' && x.phase === 'Running') && p;
  }, "host-a's pods running again on host-b", 30_000);
  for (const name of onA) t.false(moved.some((p) => p.name === name), `${name} was evicted`);
  // host-a's processes outlive it (a host that lost its kubelet keeps running what it ran).
  t.is((await pidsOf(marker)).length, 4 + onA.length);

  // Started again: Ready, and what it left running for pods that are gone is removed.
  await start('host-a');
  await eventually(async () => (await nodes()).get('host-a')?.ready === 'True', 'host-a Ready again', 15_000);
  await eventually(async () => (await pidsOf(marker)).length === 4, 'no process left of the evicted pods', 15_000);

  // Spread again, then the control plane restarted (kill -9) while the agents run: nothing restarts.
  t.is((await kubectl.run(['scale', 'rc', 'web', '--replicas', '6'])).code, 0);
  const before = await eventually(async () => {
    const p = await pods();
    return p.length === 6 && p.every((x) => x.phase === 'Running') && p.some((x) => x.node === 'host-a') && p;
  }, 'six replicas Running, some on host-a', 30_000);
  const pidsBefore = await pidsOf(marker);
  t.is(pidsBefore.length, 6);
  await up.stop('SIGKILL');
  up = await startUp(upArgs);
  await eventually(async () => {
    const n = await nodes();
    return n.size === 2 && [...n.values()].every((v) => v.ready === 'True');
  }, 'both agents Ready with the restarted control plane', 20_000);
  // Long enough for every agent to have resumed its watches and written its status.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const after = await pods();
  t.deepEqual(
    after.map((p) => [p.uid, p.node, p.ip, p.phase, p.restarts]).sort(),
    before.map((p) => [p.uid, p.node, p.ip, 'Running', 0]).sort(),
  );
  t.deepEqual(await pidsOf(marker), pidsBefore);

  // Deleted, the pods' processes stop on both hosts.
  t.is((await kubectl.run(['scale', 'rc', 'web', '--replicas', '0'])).code, 0);
  await eventually(async () => (await pidsOf(marker)).length === 0, 'every pod process stopped', 45_000);
});

/**
 * Remote minions on hosts of their own (issue 15, as root; required in CI): three network
 * namespaces on one bridge, made and removed by the test — the control plane in one, an agent in
 * each of the others, each host with its own address and pod range, and routes for the ranges
 * between them (as GCE's routes were in 2014). A service reached through one host's proxy answers
 * from replicas on both hosts; a host whose cable is pulled goes NotReady and its pods move, and
 * comes back Ready when it is plugged in again. Traffic goes only to addresses in these namespaces.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { startUp, type UpProcess } from '../api-helpers.js';
import { startAgent, type AgentProcess } from '../agent-helpers.js';
import { eventually } from '../helpers.js';
import { kubectlFound } from '../kubectl-helpers.js';
import { Hosts, ip, netnsTest } from '../netns-helpers.js';

const ADDRESSES = { cp: '10.123.0.1', a: '10.123.0.2', b: '10.123.0.3' };
const POD_CIDRS = { a: '10.124.1.0/24', b: '10.124.2.0/24' };

/** 40 requests to `address:port` from wherever it runs, each on a connection of its own; prints the answers as JSON. */
const CLIENT = `
const http = require('http');
const [address, port] = process.argv.slice(1);
(async () => {
  const answers = [];
  for (let i = 0; i < 40; i++) {
    answers.push(await new Promise((resolve) => {
      const req = http.request({ host: address, port: Number(port), path: '/', agent: false, timeout: 3000 }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve(body.trim()));
      });
      req.on('error', (err) => resolve('error: ' + err.message));
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.end();
    }));
  }
  console.log(JSON.stringify(answers));
})();`;

netnsTest('three hosts in network namespaces: a service through one host reaches replicas on both; a host cut off goes NotReady, its pods move, and it comes back', async (t) => {
  if (!kubectlFound) return t.pass('kubectl is not installed (the kubectl tests say so)');
  t.timeout(240_000);
  const dir = mkdtempSync(join(tmpdir(), 'helmsman-netns-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const hosts = await Hosts.create(ADDRESSES);
  t.teardown(() => hosts.remove());
  // Each minion's pod range is local on it (its pods bind their addresses) and routed to it from the others.
  for (const [host, cidr] of Object.entries(POD_CIDRS)) {
    const { ns, address } = hosts.get(host);
    await ip('-n', ns, 'route', 'add', 'local', cidr, 'dev', 'lo');
    for (const other of Object.keys(ADDRESSES)) if (other !== host) await ip('-n', hosts.get(other).ns, 'route', 'add', cidr, 'via', address);
    // A service's connection may go on to a pod on the other host.
    await hosts.run(host, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
  }

  const tokens = join(dir, 'tokens.csv');
  writeFileSync(tokens, 'netns-a,system:node:host-a,a,system:nodes\nnetns-b,system:node:host-b,b,system:nodes\n');
  const cpData = join(dir, 'cp');
  const up: UpProcess = await startUp(
    ['--address', ADDRESSES.cp, '--port', '6443', '--store', 'memory', '--data', cpData, '--minions', '0', '--runtime', 'process', '--token-auth-file', tokens, '--cluster-cidr', '10.124.0.0/16', '--node-monitor-grace-period', '6s'],
    { via: hosts.via('cp') },
  );
  t.teardown(() => up.stop('SIGKILL'));
  t.is(up.url, `https://${ADDRESSES.cp}:6443`);
  // Off loopback it says how a host joins, as kubeadm does: with a bootstrap token.
  const joinLine = /join a host \(copy the CA file there first\): helmsman minion --server https:\/\/10\.123\.0\.1:6443 --token ([a-z0-9]{6}\.[a-z0-9]{16}) --certificate-authority \S+\/pki\/ca\.crt --name NAME --address HOST-IP\n/;
  const bootstrap = (await eventually(() => joinLine.exec(up.output()), 'the join command printed', 5000))[1]!;
  const agents: AgentProcess[] = [];
  t.teardown(async () => {
    for (const agent of agents) await agent.stop('SIGKILL');
  });
  // host-a with a node token of its own, host-b as the join command says (its certificate signed on the way).
  for (const host of ['a', 'b'] as const) {
    writeFileSync(join(dir, `${host}.token`), `netns-${host}\n`);
    const credentials = host === 'a' ? ['--token-file', join(dir, 'a.token')] : ['--token', bootstrap];
    agents.push(
      await startAgent(
        ['--server', up.url, ...credentials, '--certificate-authority', join(cpData, 'pki', 'ca.crt'), '--name', `host-${host}`, '--address', ADDRESSES[host], '--pod-cidr', POD_CIDRS[host], '--runtime', 'process', '--proxy-mode', 'iptables', '--node-lease-duration-seconds', '4', '--data', join(dir, host)],
        { via: hosts.via(host) },
      ),
    );
  }
  const kubectl = (...args: string[]) => hosts.run('cp', 'kubectl', '--kubeconfig', up.kubeconfig, ...args);
  const nodes = async () => {
    const r = await kubectl('get', 'nodes', '-o', 'json');
    const list = r.code === 0 ? (JSON.parse(r.stdout) as { items: { metadata: { name: string }; status: { conditions: { type: string; status: string }[] } }[] }) : { items: [] };
    return new Map(list.items.map((n) => [n.metadata.name, n.status.conditions.find((c) => c.type === 'Ready')?.status]));
  };
  const pods = async () => {
    const r = await kubectl('get', 'pods', '-l', 'app=web', '-o', 'json');
    return r.code === 0 ? (JSON.parse(r.stdout) as { items: any[] }).items.map((p) => ({ name: p.metadata.name as string, node: p.spec.nodeName as string, ip: (p.status.podIP ?? '') as string, phase: p.status.phase as string })) : [];
  };
  await eventually(async () => {
    const n = await nodes();
    return n.get('host-a') === 'True' && n.get('host-b') === 'True';
  }, 'both hosts Ready', 20_000);

  const server = `require('http').createServer((q, r) => r.end(process.env.POD_IP + '\\n')).listen(8080, process.env.POD_IP)`;
  const manifest = [
    {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'web' },
      spec: { replicas: 4, selector: { app: 'web' }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'node', command: [process.execPath, '-e', server] }] } } },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 9000, targetPort: 8080 }] } },
  ];
  const manifestFile = join(dir, 'web.yaml');
  writeFileSync(manifestFile, manifest.map((doc) => YAML.stringify(doc)).join('---\n'));
  const applied = await kubectl('apply', '-f', manifestFile);
  t.is(applied.code, 0, applied.stderr);
  const running = await eventually(async () => {
    const p = await pods();
    return p.length === 4 && p.every((x) => x.phase === 'Running') && new Set(p.map((x) => x.node)).size === 2 && p;
  }, 'four replicas Running on both hosts', 30_000);
  for (const p of running) t.true(p.ip.startsWith(p.node === 'host-a' ? '10.124.1.' : '10.124.2.'), `${p.name} on ${p.node} has ${p.ip}`);

  // From the control plane's host, through host-b's proxy: replicas on both hosts answer.
  const ask = async (): Promise<string[]> => JSON.parse((await hosts.run('cp', process.execPath, '-e', CLIENT, ADDRESSES.b, '9000')).stdout || '[]') as string[];
  const ips = running.map((p) => p.ip).sort();
  await eventually(async () => {
    const answers = new Set(await ask());
    return ips.every((x) => answers.has(x));
  }, 'every replica answering through host-b', 20_000);
  const answers = await ask();
  t.is(answers.length, 40);
  t.deepEqual([...new Set(answers)].sort(), ips, 'all 40 answered, by replicas on both hosts');

  // host-a's cable pulled: NotReady after the grace period, its pods replaced on host-b.
  await hosts.link('a', 'down');
  await eventually(async () => (await nodes()).get('host-a') === 'Unknown', 'host-a NotReady', 25_000);
  await eventually(async () => {
    const p = await pods();
    return p.length === 4 && p.every((x) => x.node === 'host-b' && x.phase === 'Running');
  }, "host-a's pods running on host-b", 30_000);
  // Plugged in again: Ready; the pods it ran were deleted, and it stops them.
  await hosts.link('a', 'up');
  await eventually(async () => (await nodes()).get('host-a') === 'True', 'host-a Ready again', 30_000);
  await eventually(async () => (await hosts.processes('a', 'POD_IP')).length === 0, "the evicted pods' processes stopped on host-a", 45_000);
  t.is((await hosts.processes('b', 'POD_IP')).length, 4);
  t.is((await kubectl('scale', 'rc', 'web', '--replicas', '0')).code, 0);
  await eventually(async () => (await hosts.processes('b', 'POD_IP')).length === 0, 'the replicas stopped', 45_000);
});

import test from 'ava';
import { execFileSync } from 'node:child_process';
import { Cluster } from '../../src/cluster/cluster.js';
import { answersFrom, serviceWithReplicas } from '../service-helpers.js';
import { iptablesUsable, natRules, removeStaleChains } from '../../src/proxy/iptables.js';

const SERVER = "require('node:http').createServer((q, r) => r.end(process.env.POD_IP)).listen(+process.env.PORT, process.env.POD_IP)";
const natTable = () => execFileSync('iptables', ['-w', '5', '-t', 'nat', '-S'], { encoding: 'utf8' });

// Asked before any test is declared (ava wants them declared synchronously).
const usable = await iptablesUsable();
if (!usable) process.stderr.write('iptables proxy tests skipped: they need root and a working iptables\n');
const iptablesTest = usable ? test.serial : test.skip;

test('NAT rules send a service\'s new connections round-robin: rule i of n takes every (n − i)th', (t) => {
  const table = new Map([
    ['default/web', { port: 8000, endpoints: [{ ip: '127.0.8.1', port: 80 }, { ip: '127.0.8.2', port: 80 }, { ip: '127.0.8.3', port: 81 }] }],
    ['default/none', { port: 8001, endpoints: [] }],
  ]);
  t.deepEqual(natRules('HM1-00000000', '127.255.0.1', table), [
    '-A HM1-00000000 -d 127.255.0.1/32 -p tcp -m tcp --dport 8000 -m comment --comment "default/web" -m statistic --mode nth --every 3 --packet 0 -j DNAT --to-destination 127.0.8.1:80',
    '-A HM1-00000000 -d 127.255.0.1/32 -p tcp -m tcp --dport 8000 -m comment --comment "default/web" -m statistic --mode nth --every 2 --packet 0 -j DNAT --to-destination 127.0.8.2:80',
    '-A HM1-00000000 -d 127.255.0.1/32 -p tcp -m tcp --dport 8000 -m comment --comment "default/web" -j DNAT --to-destination 127.0.8.3:81',
  ]);
});

iptablesTest('with iptables (kube-proxy\'s default mode) the kernel balances a service over its replicas, and the rules go when the cluster stops', async (t) => {
  const cluster = await Cluster.start({ minions: 1, shards: 1, runtime: 'process', proxyMode: 'iptables' });
  t.teardown(() => cluster.stop());
  t.is(cluster.proxyMode, 'iptables');
  const port = await serviceWithReplicas(cluster, 'hello', 3, { name: 'web', image: 'node', command: [process.execPath, '-e', SERVER] });
  await cluster.client.waitFor('endpoints', {}, ([e]) => e?.endpoints.length === 3);
  const minion = await cluster.client.get('nodes', 'minion-1', '');
  const chain = natTable().split('\n').find((l) => l.startsWith('-A OUTPUT') && l.includes(`${minion.status.hostIP}/32`))?.split(' ').at(-1);
  t.regex(chain ?? '', new RegExp(`^HM${process.pid}-[0-9a-f]{8}$`));
  const seen = await answersFrom(`http://${minion.status.hostIP}:${port}/`, 30);
  t.is(seen.size, 3, JSON.stringify([...seen]));
  await cluster.stop();
  t.false(natTable().includes(chain!), 'no rule or chain left behind');
});

iptablesTest('chains left by a helmsman process that died are removed by the next one', async (t) => {
  // A pid no process has (above the kernel's pid_max), as a crashed run would leave behind.
  const stale = 'HM99999999-0badc0de';
  execFileSync('iptables', ['-w', '5', '-t', 'nat', '-N', stale]);
  execFileSync('iptables', ['-w', '5', '-t', 'nat', '-A', 'OUTPUT', '-d', '127.255.255.254/32', '-p', 'tcp', '-j', stale]);
  t.teardown(() => {
    try {
      execFileSync('iptables', ['-w', '5', '-t', 'nat', '-D', 'OUTPUT', '-d', '127.255.255.254/32', '-p', 'tcp', '-j', stale], { stdio: 'ignore' });
      execFileSync('iptables', ['-w', '5', '-t', 'nat', '-X', stale], { stdio: 'ignore' });
    } catch {}
  });
  await removeStaleChains();
  t.false(natTable().includes(stale));
});

import test from 'ava';
import { kubecfgAt, seedPath, startUp, type UpProcess } from '../api-helpers.js';

let up: UpProcess;
test.before(async () => {
  up = await startUp(['--store', 'memory', '--minions', '3', '--runtime', 'fake']);
});
test.after.always(() => up?.stop());

const kubecfg = (...args: string[]) => kubecfgAt(up.url, ...args);

/** Polls kubecfg until `check` passes on its output (the cluster converges asynchronously). */
async function until(args: string[], check: (stdout: string) => boolean, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout } = await kubecfg(...args);
    if (check(stdout)) return stdout;
    if (Date.now() > deadline) throw new Error(`kubecfg ${args.join(' ')} never passed its check; last output:\n${stdout}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const rows = (stdout: string) => stdout.trim().split('\n').slice(2);

test.serial('the seed walkthrough on helmsman up: the redis master runs on a minion, the slaves run, the service finds them', async (t) => {
  t.is((await kubecfg('-c', seedPath('redis-master-pod'), 'create', '/pods')).code, 0);
  const master = await until(['get', '/pods/redis-master-pod'], (out) => /Running/.test(out));
  t.regex(master, /redis-master-pod\s+gurpartap\/redis\s+minion-\d\/172\.16\.0\.\d\s+name=redis,role=master\s+Running/);

  t.is((await kubecfg('-c', seedPath('redis-slave-controller'), 'create', 'replicationControllers')).code, 0);
  const slaves = await until(['-l', 'name=redisslave', 'list', 'pods'], (out) => rows(out).length === 2 && rows(out).every((r) => /Running/.test(r)));
  t.is(rows(slaves).length, 2);

  const service = JSON.stringify({ id: 'redisslave', kind: 'Service', apiVersion: 'v1beta1', port: 10001, containerPort: 6379, selector: { name: 'redisslave' } });
  const created = await new Promise<number>((resolve) => {
    void import('node:child_process').then(({ execFile }) => {
      const child = execFile(process.execPath, [new URL('../../src/cli/kubecfg.js', import.meta.url).pathname, '-c', '-', 'create', 'services'], { env: { ...process.env, KUBERNETES_MASTER: up.url } }, (err) =>
        resolve((err as { code?: number } | null)?.code ?? 0),
      );
      child.stdin!.end(service);
    });
  });
  t.is(created, 0);
  // kubecfg has no endpoints verb (nor had it in 2014): read them from the API.
  const deadline = Date.now() + 15_000;
  let endpoints: string[] = [];
  while (endpoints.length !== 2 && Date.now() < deadline) {
    const res = await fetch(`${up.url}/api/v1beta1/endpoints/redisslave`);
    endpoints = res.ok ? ((await res.json()) as { endpoints: string[] }).endpoints : [];
    await new Promise((r) => setTimeout(r, 100));
  }
  t.is(endpoints.length, 2);
  t.true(endpoints.every((e) => /^10\.0\.\d+\.\d+:6379$/.test(e)), endpoints.join(' '));
});

test.serial('resize, rollingupdate, stop and rm on helmsman up', async (t) => {
  t.is((await kubecfg('resize', 'redisSlaveController', '3')).code, 0);
  await until(['-l', 'name=redisslave', 'list', 'pods'], (out) => rows(out).filter((r) => /Running/.test(r)).length === 3 && rows(out).length === 3);
  const updated = await kubecfg('-u', '10ms', '-image', 'brendanburns/redis-slave:v2', 'rollingupdate', 'redisSlaveController');
  t.is(updated.code, 0, updated.stderr);
  t.regex(updated.stderr, /Deleted pod redisslavecontroller-\w+ \(3\/3\)/);
  const after = await until(['-l', 'name=redisslave', 'list', 'pods'], (out) => rows(out).length === 3 && rows(out).every((r) => /redis-slave:v2\s.*Running/.test(r)));
  t.is(rows(after).length, 3);
  t.is((await kubecfg('stop', 'redisSlaveController')).code, 0);
  await until(['-l', 'name=redisslave', 'list', 'pods'], (out) => rows(out).length === 0);
  t.is((await kubecfg('rm', 'redisSlaveController')).code, 0);
  const bad = await kubecfg('-u', 'soon', 'rollingupdate', 'redisSlaveController');
  t.is(bad.code, 2);
  t.regex(bad.stderr, /-u must be a duration/);
});

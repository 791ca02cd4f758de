import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ApiServer } from '../../src/server.js';
import { seedPath, startServer } from '../api-helpers.js';

const KUBECFG = fileURLToPath(new URL('../../src/cli/kubecfg.js', import.meta.url));
const run = promisify(execFile);

let server: ApiServer;
test.before(async () => {
  server = await startServer();
});
test.after.always(() => server?.close());

async function kubecfg(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [KUBECFG, ...args], { env: { ...process.env, KUBERNETES_MASTER: server.url } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test.serial('the seed walkthrough with the real kubecfg against a real server', async (t) => {
  const created = await kubecfg('-c', seedPath('redis-master-pod'), 'create', '/pods');
  t.is(created.code, 0, created.stderr);
  t.regex(created.stdout, /^Name\s+Image\(s\)\s+Host\s+Labels\s+Status\n----------/);
  t.regex(created.stdout, /redis-master-pod\s+gurpartap\/redis\s+<unassigned>\s+name=redis,role=master\s+Waiting/);
  const listed = await kubecfg('list', '/pods');
  t.is(listed.code, 0);
  t.regex(listed.stdout, /redis-master-pod\s+gurpartap\/redis/);
  const deleted = await kubecfg('delete', '/pods/redis-master-pod');
  t.is(deleted.code, 0, deleted.stderr);
  t.regex(deleted.stdout, /Success/);
  const again = await kubecfg('get', '/pods/redis-master-pod');
  t.is(again.code, 1);
  t.is(again.stderr.trim(), 'Error from server (NotFound): pod "redis-master-pod" not found');
});

test.serial("the seed's controller: create, resize, stop and rm with kubecfg", async (t) => {
  t.is((await kubecfg('-c', seedPath('redis-slave-controller'), 'create', 'replicationControllers')).code, 0);
  const listed = await kubecfg('list', 'replicationControllers');
  t.regex(listed.stdout, /redisSlaveController\s+brendanburns\/redis-slave\s+name=redisslave\s+2/);
  const resized = await kubecfg('resize', 'redisSlaveController', '5');
  t.is(resized.code, 0, resized.stderr);
  t.regex(resized.stdout, /replicas: 5/);
  const refused = await kubecfg('rm', 'redisSlaveController');
  t.is(refused.code, 1);
  t.is((await kubecfg('stop', 'redisSlaveController')).code, 0);
  t.is((await kubecfg('rm', 'redisSlaveController')).code, 0);
  t.regex((await kubecfg('list', 'replicationControllers')).stdout, /^Name.*\n-+.*\n?$/);
});

test.serial('kubecfg prints validation errors from the server and exits non-zero', async (t) => {
  const bad = await new Promise<{ code: number; stderr: string }>((resolve) => {
    const child = execFile(process.execPath, [KUBECFG, '-c', '-', 'create', 'pods'], { env: { ...process.env, KUBERNETES_MASTER: server.url } }, (err, _out, stderr) =>
      resolve({ code: (err as { code?: number } | null)?.code ?? 0, stderr }),
    );
    child.stdin!.end(JSON.stringify({ kind: 'Pod', id: 'x', desiredState: { manifest: { containers: [{ name: 'c' }] } } }));
  });
  t.is(bad.code, 1);
  t.is(bad.stderr.trim(), 'Error from server (Invalid): Pod "x" is invalid: desiredState.manifest.containers[0].image: Required value');
});

import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { call, seed } from '../api-helpers.js';

const SERVER = fileURLToPath(new URL('../fixtures/api-server.js', import.meta.url));

/** Starts the server in a child process; resolves with its URL and the process. */
function startChild(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [SERVER, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve({ url: out.trim(), child });
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

test('every acknowledged write survives a hard kill of the server (lmdb)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'helmsman-lmdb-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const first = await startChild(dir);
  const created: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: 200 }, async (_, i) => {
      const p = seed('redis-master-pod');
      p.id = p.desiredState.manifest.id = `pod-${i}`;
      const res = await call(first.url, 'POST', '/api/v1beta1/pods', p);
      t.is(res.code, 201);
      created[p.id] = res.body.resourceVersion;
    }),
  );
  const rc = await call(first.url, 'POST', '/api/v1beta1/replicationControllers', seed('redis-slave-controller'));
  t.is(rc.code, 201);
  await call(first.url, 'DELETE', '/api/v1beta1/pods/pod-0');
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));

  const second = await startChild(dir);
  t.teardown(() => second.child.kill('SIGKILL'));
  const pods = (await call(second.url, 'GET', '/api/v1beta1/pods')).body;
  const found = Object.fromEntries(pods.items.map((p: any) => [p.id, p.resourceVersion]));
  delete created['pod-0'];
  t.deepEqual(found, created, 'every pod with the resourceVersion it was acknowledged with');
  const rcs = (await call(second.url, 'GET', '/api/v1beta1/replicationControllers')).body;
  t.deepEqual(rcs.items.map((r: any) => [r.id, r.resourceVersion]), [['redisSlaveController', rc.body.resourceVersion]]);
  const next = seed('redis-master-pod');
  const after = await call(second.url, 'POST', '/api/v1beta1/pods', next);
  t.true(after.body.resourceVersion > pods.resourceVersion, 'revisions keep increasing after the restart');
  t.is(pods.resourceVersion, rc.body.resourceVersion + 1, 'the delete was acknowledged, so it is there too');
});

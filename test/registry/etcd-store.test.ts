/** The API server on a real three-member etcd cluster: losing etcd's leader, and compaction. */
import avaTest from 'ava';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { etcdFound, etcdPrefix, etcdServers } from '../etcd-helpers.js';
import { call, openWatch, startServer } from '../api-helpers.js';
import { eventually } from '../helpers.js';

// Serial: one test kills an etcd member, which the others would feel.
const test = etcdFound ? avaTest.serial : avaTest.skip;
const etcdDir = process.env.HELMSMAN_ETCD_DIR;

function pod(name: string) {
  return { kind: 'Pod', apiVersion: 'v1', metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
}

/** The index (in etcdServers) of the member that leads etcd's Raft group now. */
async function etcdLeader(): Promise<number> {
  const statuses = await Promise.all(
    etcdServers.map((url) =>
      fetch(new URL('/v3/maintenance/status', url), { method: 'POST', body: '{}', signal: AbortSignal.timeout(2000) }).then(
        (r) => r.json() as Promise<{ header: { member_id: string }; leader: string }>,
        () => undefined,
      ),
    ),
  );
  const i = statuses.findIndex((s) => s && s.header.member_id === s.leader);
  if (i < 0) throw new Error('no etcd member says it leads');
  return i;
}

const leaderTest = etcdDir ? test : avaTest.skip;
leaderTest('etcd\'s leader killed during a create load: every acknowledged create is there afterwards, and writes resume within 5 s', async (t) => {
  const server = await startServer({ store: 'etcd', etcd: { servers: etcdServers, prefix: etcdPrefix() }, port: 0 });
  t.teardown(() => server.close());
  const leader = await etcdLeader();
  const acknowledged: string[] = [];
  const failures: number[] = [];
  let killedAt = 0;
  let firstAfterKill = 0;
  let stop = false;
  // Eight writers, each creating pods one after another until told to stop.
  const writers = Array.from({ length: 8 }, async (_, w) => {
    for (let i = 0; !stop; i++) {
      const name = `w${w}-${i}`;
      const res = await call(server.url, 'POST', '/api/v1/namespaces/default/pods', pod(name)).catch(() => ({ code: 0, body: undefined }));
      if (res.code === 201) {
        acknowledged.push(name);
        if (killedAt && !firstAfterKill) firstAfterKill = Date.now();
      } else failures.push(res.code);
    }
  });
  await eventually(() => acknowledged.length >= 200, 'creates under way', 10_000);
  const pid = Number(readFileSync(join(etcdDir!, `member-${leader}.pid`), 'utf8'));
  killedAt = Date.now();
  process.kill(pid, 'SIGKILL');
  t.teardown(() => {
    // Bring the member back for the tests after this one.
    spawn('setsid', [join(etcdDir!, `member-${leader}.sh`)], { detached: true, stdio: 'ignore' }).unref();
  });
  await eventually(() => firstAfterKill > 0 && Date.now() - firstAfterKill > 1000, 'creates after the kill', 20_000);
  stop = true;
  await Promise.all(writers);
  const resumedMs = firstAfterKill - killedAt;
  t.log(`etcd member-${leader} (the leader) killed; writes resumed after ${resumedMs} ms; ${acknowledged.length} acknowledged, ${failures.length} failed (${[...new Set(failures)].join(', ')})`);
  t.true(resumedMs <= 5000, `writes resumed in ${resumedMs} ms`);
  for (const code of failures) t.true(code === 503 || code === 500 || code === 504 || code === 409 || code === 0, `a failed create is a Status (${code})`);
  const listed = await eventually(async () => {
    const res = await call(server.url, 'GET', '/api/v1/namespaces/default/pods');
    return res.code === 200 && new Set((res.body.items as any[]).map((p) => p.metadata.name as string));
  }, 'the list');
  const lost = acknowledged.filter((name) => !listed.has(name));
  t.deepEqual(lost, [], 'nothing acknowledged is lost');
});

test('a watch from a revision the store compacted away gets 410 Gone, and a fresh list and watch go on', async (t) => {
  const server = await startServer({ store: 'etcd', etcd: { servers: etcdServers, prefix: etcdPrefix() }, port: 0, compactionIntervalMs: 200 });
  t.teardown(() => server.close());
  const first = await call(server.url, 'POST', '/api/v1/namespaces/default/pods', pod('old'));
  t.is(first.code, 201);
  const old = first.body.metadata.resourceVersion;
  for (let i = 0; i < 5; i++) t.is((await call(server.url, 'POST', '/api/v1/namespaces/default/pods', pod(`p${i}`))).code, 201);
  // Compaction goes to the revision seen one round earlier: after a few rounds it is past `old`.
  const gone = await eventually(async () => {
    // A watch that is accepted streams on: look only at its status.
    const res = await fetch(`${server.url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${old}`, { signal: AbortSignal.timeout(2000) });
    if (res.status !== 410) {
      await res.body?.cancel();
      return false;
    }
    return { code: res.status, body: (await res.json()) as { reason: string; message: string } };
  }, 'a 410 for the old revision', 10_000);
  t.is(gone.body.reason, 'Gone');
  t.regex(gone.body.message, /too old resource version/);
  // What an informer does next: list, then watch from the list's revision.
  const list = await call(server.url, 'GET', '/api/v1/namespaces/default/pods');
  t.is(list.body.items.length, 6);
  const watch = await openWatch(`${server.url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`);
  t.teardown(() => watch.close());
  t.is((await call(server.url, 'POST', '/api/v1/namespaces/default/pods', pod('new'))).code, 201);
  const [added] = await watch.read(1);
  t.is(added.type, 'ADDED');
  t.is(added.object.metadata.name, 'new');
});

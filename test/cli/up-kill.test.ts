/**
 * `helmsman up` on lmdb killed with SIGKILL in the middle of a create load, again and again: what
 * it acknowledged (201) is there after every restart.
 */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, startUp } from '../api-helpers.js';

const CYCLES = 20;
const CLIENTS = 32;

test(`kill -9 during a ${CLIENTS}-client create load, ${CYCLES} times: every create answered 201 is there after each restart`, async (t) => {
  t.timeout(240_000);
  const dir = mkdtempSync(join(tmpdir(), 'helmsman-kill-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const acknowledged: string[] = [];
  let killedMidFlight = 0;
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const up = await startUp(['--store', 'lmdb', '--data', dir, '--minions', '0', '--runtime', 'fake', '--shards', '1']);
    // Everything acknowledged before any kill so far is there.
    const names = new Set(((await call(up.url, 'GET', '/api/v1/namespaces/default/pods')).body.items as any[]).map((p) => p.metadata.name as string));
    const missing = acknowledged.filter((n) => !names.has(n));
    t.deepEqual(missing, [], `cycle ${cycle}: ${missing.length} acknowledged creates are missing`);
    let killed = false;
    let inFlight = 0;
    const clients = Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = 0; !killed; i++) {
        const name = `c${cycle}-${c}-${i}`;
        inFlight++;
        const res = await call(up.url, 'POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }).catch(() => undefined);
        inFlight--;
        if (res?.code === 201) acknowledged.push(name);
      }
    });
    await new Promise((r) => setTimeout(r, 300 + 40 * cycle));
    if (inFlight > 0) killedMidFlight++;
    await up.stop('SIGKILL');
    killed = true;
    await Promise.all(clients);
  }
  const up = await startUp(['--store', 'lmdb', '--data', dir, '--minions', '0', '--runtime', 'fake', '--shards', '1']);
  t.teardown(() => up.stop('SIGKILL'));
  const names = new Set(((await call(up.url, 'GET', '/api/v1/namespaces/default/pods')).body.items as any[]).map((p) => p.metadata.name as string));
  t.deepEqual(acknowledged.filter((n) => !names.has(n)), []);
  t.true(killedMidFlight >= CYCLES / 2, `killed with creates in flight in ${killedMidFlight} of ${CYCLES} cycles`);
  t.log(`${acknowledged.length} creates acknowledged over ${CYCLES} kills (${killedMidFlight} with creates in flight), all there`);
});

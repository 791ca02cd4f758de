import test from 'ava';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServer } from '../api-helpers.js';
import { Client } from '../../src/cli/client.js';
import { printActors } from '../../src/cli/actors.js';

const HELMSMAN = fileURLToPath(new URL('../../src/cli/helmsman.js', import.meta.url));

function helmsman(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [HELMSMAN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: '' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

test('helmsman actors prints a row per shard and the main thread, as the token\'s user may read it', async (t) => {
  const tokens = new Map([
    ['viewer-token', { name: 'viewer', uid: 'v', groups: ['helmsman:view'] }],
    ['node-token', { name: 'system:node:n1', uid: 'n', groups: ['system:nodes'] }],
  ]);
  const server = await startServer({ authentication: { tokens, anonymous: false } });
  t.teardown(() => server.close());
  const ok = await helmsman('actors', '--server', server.url, '--token', 'viewer-token');
  t.is(ok.code, 0, ok.stderr);
  const rows = ok.stdout.split('\n').filter((l) => /^(main|\d+)\s/.test(l));
  const slots = rows.map((r) => r.split(/\s+/)[0]);
  t.deepEqual(slots, ['main', ...slots.slice(1).map((_, i) => String(i))]);
  t.true(slots.length >= 3);
  t.regex(ok.stdout, /^SHARD\s+ACTORS\s+MSGS\/S/);
  t.regex(ok.stdout, /\n\d+ actors; rates over \d+\.\d s\n$/);

  const refused = await helmsman('actors', '--server', server.url, '--token', 'node-token');
  t.is(refused.code, 1);
  t.is(refused.stderr, 'Error from server (Forbidden): forbidden: User "system:node:n1" cannot get path "/debug/actors"\n');
  const anonymous = await helmsman('actors', '--server', server.url);
  t.is(anonymous.code, 1);
  t.regex(anonymous.stderr, /^Error from server \(Unauthorized\)/);
});

test('with --watch the table is drawn again in place on a terminal, and one after another elsewhere, until stopped', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  for (const isTTY of [true, false]) {
    const stop = new AbortController();
    const writes: string[] = [];
    const out = { isTTY, write: (text: string) => (writes.push(text), writes.length === 3 && stop.abort()) };
    await printActors({ client: new Client(server.url), watch: true, intervalMs: 10, out, signal: stop.signal });
    t.is(writes.length, 3);
    if (isTTY) t.true(writes.every((w) => w.startsWith('\x1b[H\x1b[2JSHARD')));
    else t.true(writes[0]!.startsWith('SHARD') && writes.slice(1).every((w) => w.startsWith('\nSHARD')));
  }
});

import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startUp } from '../api-helpers.js';
import { dockerAnswers } from '../../src/runtimes/docker.js';

const HELMSMAN = fileURLToPath(new URL('../../src/cli/helmsman.js', import.meta.url));

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`helmsman up brings up a cluster with its minions and stops cleanly on ${signal}`, async (t) => {
    const data = mkdtempSync(join(tmpdir(), 'helmsman-up-'));
    t.teardown(() => rmSync(data, { recursive: true, force: true }));
    const up = await startUp(['--data', data, '--shards', '1', '--runtime', 'fake']);
    t.regex(up.output(), /starting 3 minions \(fake runtime\)/);
    const res = await fetch(`${up.url}/api/v1beta1/minions`);
    t.is(res.status, 200);
    const minions = ((await res.json()) as { items: { id: string }[] }).items.map((m) => m.id).sort();
    t.deepEqual(minions, ['minion-1', 'minion-2', 'minion-3']);
    t.is(await up.stop(signal), 0, up.output());
    t.regex(up.output(), new RegExp(`${signal}: stopping…\\nstopped in \\d+ ms`));
  });
}

test('helmsman with a bad flag or command prints usage and exits 2', async (t) => {
  for (const args of [['up', '--store', 'mongo'], ['up', '--runtime', 'podman'], ['up', '--proxy-mode', 'ipvs'], ['up', '--event-ttl', 'soon'], ['up', '--max-events', '0'], ['fly'], []]) {
    const child = spawn(process.execPath, [HELMSMAN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    t.is(code, 2, args.join(' '));
    t.regex(err, /usage: helmsman/);
  }
});

test('helmsman up picks the docker runtime when an engine answers, else the process runtime', async (t) => {
  const up = await startUp(['--store', 'memory', '--minions', '1', '--shards', '1']);
  t.teardown(() => up.stop());
  const expected = (await dockerAnswers()) ? 'docker' : 'process';
  t.regex(up.output(), new RegExp(`starting 1 minions \\(${expected} runtime, (iptables|userspace) service proxy\\)`));
});

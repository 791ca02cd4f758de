import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Etcd3 } from 'etcd3';
import { etcdPrefix, etcdServers, etcdTest } from '../etcd-helpers.js';

const HELMSMAN = fileURLToPath(new URL('../../src/cli/helmsman.js', import.meta.url));
const run = promisify(execFile);

/** `helmsman bench …`: its exit code, stdout and stderr (a failing exit is an answer, not an error). */
async function bench(args: string[], options: { timeout?: number; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [HELMSMAN, 'bench', ...args], { timeout: options.timeout ?? 120_000, env: options.env, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// A small recovery scenario (10 minions, 200 pods, 10 crashes): the harness, not the figures, is under test.
const SMALL = ['recovery', '--runs', '2', '--minions', '10', '--pods', '200', '--scale', '0.05'];

test('helmsman bench prints the machine, each figure with median, min–max, target and anchor, and a count of the targets met', async (t) => {
  const { code, stdout, stderr } = await bench(SMALL);
  t.is(code, 0, stderr);
  t.regex(stdout, /^machine: \d+ cores \(.+\), [\d.]+ GiB, Node v\d+\.\d+\.\d+, \w+-\w+$/m);
  t.regex(stdout, /^recovery — 2 runs \(medians\), \d+ s$/m);
  t.regex(stdout, /^figure\s+median\s+min – max\s+target\s+anchor$/m);
  t.regex(stdout, /^crashRestartP99Ms\s+[\d.]+\s+[\d.]+ – [\d.]+\s+<= 10 (met|MISSED)\s+fake container crash/m);
  t.regex(stdout, /^minionLossRecoveryMs\s+[\d.,]+\s+[\d.,]+ – [\d.,]+\s+<= 5,000 (met|MISSED)/m);
  const [, met, of] = /^targets: (\d+) of (\d+) met/m.exec(stdout) ?? [];
  t.is(of, '2');
  t.true(met === '2' || /; missed: recovery\.\w+/.test(stdout), stdout);
  // Progress went to stderr, not into the table: plain lines when not on a terminal.
  t.regex(stderr, /recovery: run 1\/2: 200 pods on 10 minions/);
  t.notRegex(stdout, /run 1\/2/);
});

test('helmsman bench --json prints one document with the scenario keys, figures and the machine', async (t) => {
  const { code, stdout, stderr } = await bench([...SMALL, '--json']);
  t.is(code, 0, stderr);
  const lines = stdout.trim().split('\n');
  t.is(lines.length, 1);
  const doc = JSON.parse(lines[0]!) as Record<string, any>;
  t.is(doc.scenario, 'recovery');
  t.is(typeof doc.crashRestartP99Ms, 'number');
  t.is(typeof doc.minionLossRecoveryMs, 'number');
  // The top-level key is the figure's median, rounded to hundredths.
  t.is(Math.round(doc.figures.crashRestartP99Ms.median * 100) / 100, doc.crashRestartP99Ms);
  t.true(doc.figures.crashRestartP99Ms.min <= doc.figures.crashRestartP99Ms.max);
  t.true(doc.distributions.crashRestartMs.samples.length >= 2);
  t.like(doc.machine, { node: process.version });
});

test('helmsman bench with an unknown scenario or a bad option prints usage and exits 2', async (t) => {
  for (const args of [['nope'], [], ['churn', '--runs', '0'], ['churn', '--scale', 'x'], ['churn', '--rate', '-5']]) {
    const { code, stderr } = await bench(args);
    t.is(code, 2, args.join(' '));
    t.regex(stderr, /usage: helmsman bench/, args.join(' '));
  }
});

// The api scenario at its shortest (one run, every load 1 s, a list of 1,000 pods): about half a minute.
etcdTest('helmsman bench api --json has the etcd figures where etcd answers, and leaves none of its keys behind', async (t) => {
  t.timeout(240_000);
  const client = new Etcd3({ hosts: etcdServers });
  // The run's prefixes all start with this one (HELMSMAN_BENCH_ETCD_PREFIX), no other run's do.
  const base = `${etcdPrefix()}-bench`;
  try {
    const env = { ...process.env, HELMSMAN_BENCH_ETCD_PREFIX: base };
    const { code, stdout, stderr } = await bench(['api', '--runs', '1', '--scale', '0.01', '--json'], { timeout: 200_000, env });
    t.is(code, 0, stderr);
    const doc = JSON.parse(stdout) as Record<string, any>;
    t.is(doc.notes, undefined, JSON.stringify(doc.notes));
    for (const key of ['createPerSecEtcd', 'etcdRawPutPerSec', 'etcdCreateRatio', 'mutatingP99MsEtcd', 'watchLagP99MsEtcd', 'etcdRawPutP99Ms', 'etcdRawWatchLagP99Ms']) {
      t.true(Number.isFinite(doc[key]), `${key}: ${doc[key]}`);
      t.deepEqual(doc.figures[key].runs.length, 1, key);
    }
    t.true(doc.createPerSecEtcd > 0 && doc.etcdRawPutPerSec > 0);
    // The ratio is taken per run, from the unrounded figures of the same run.
    t.is(doc.figures.etcdCreateRatio.median, doc.figures.createPerSecEtcd.median / doc.figures.etcdRawPutPerSec.median);
    // The figures that were there before are all still there.
    for (const key of ['createPerSecMemory', 'createPerSecLmdb', 'mutatingP99Ms', 'getOneRatio']) t.true(Number.isFinite(doc[key]), key);
    t.true(doc.distributions['POST pods at 1,000/s (etcd)'].samples.length > 0);
    // Every prefix the run wrote under was deleted afterwards.
    t.deepEqual(await client.getAll().prefix(base).keys(), []);
  } finally {
    client.close();
  }
});

// The load scenario at its shortest (10 s of 200 requests/s, 1 s GETs): about half a minute.
test('helmsman bench load --json measures the mixed load over TLS with a token, with every request answered, and the cost of TLS', async (t) => {
  t.timeout(240_000);
  const { code, stdout, stderr } = await bench(['load', '--scale', '0.02', '--rate', '200', '--json'], { timeout: 200_000 });
  t.is(code, 0, stderr);
  const doc = JSON.parse(stdout) as Record<string, any>;
  for (const key of ['loadP99Ms', 'loadRssGrowthPct', 'tlsAuthCostRatio', 'plainGetReqPerSec', 'tlsAuthGetReqPerSec']) t.true(Number.isFinite(doc[key]), `${key}: ${doc[key]}`);
  t.is(doc.loadFailed, 0, `no request failed or was answered 5xx: ${doc.notes[0]}`);
  t.true(doc.tlsAuthGetReqPerSec > 0 && doc.plainGetReqPerSec > 0);
  t.regex(doc.notes[0], /answers .*get 200×\d+.*watch 200×\d+/);
  t.true(doc.distributions.loadLatency.samples.length > 100);
});

// The soak scenario: 10 s of chaos on 200 pods in npm test; CI runs 2 minutes (HELMSMAN_SOAK_SECONDS).
test('helmsman bench soak: after crashes and minion kills the cluster converges and leaves no actor, container or process behind', async (t) => {
  const seconds = Number(process.env.HELMSMAN_SOAK_SECONDS ?? 10);
  t.timeout(120_000 + seconds * 2000);
  const { code, stdout, stderr } = await bench(['soak', '--duration', String(seconds), '--pods', '200', '--minions', '10', '--json'], { timeout: 100_000 + seconds * 2000 });
  t.is(code, 0, stderr);
  const doc = JSON.parse(stdout) as Record<string, any>;
  t.true(doc.crashes >= seconds * 15, `crashes: ${doc.crashes}`);
  t.true(doc.minionsKilled >= 2, `minions killed: ${doc.minionsKilled}`);
  t.true(Number.isFinite(doc.convergeAfterChaosMs), 'converged');
  t.is(doc.leakedActors, 0);
  t.is(doc.leakedContainers, 0);
  t.is(doc.leakedProcesses, 0);
  t.true(Number.isFinite(doc.rssGrowthPct));
});

// The remote scenario at its smallest: a control plane and 20 hollow minions as processes, 400 pods, 3 s of churn.
test('helmsman bench remote --json: hollow minions join over TLS, every pod created through the API runs on them, and the churn is timed', async (t) => {
  t.timeout(150_000);
  const { code, stdout, stderr } = await bench(['remote', '--minions', '20', '--pods', '400', '--duration', '3', '--json'], { timeout: 140_000 });
  t.is(code, 0, stderr);
  const doc = JSON.parse(stdout) as Record<string, any>;
  for (const key of ['remoteMinionsReadyMs', 'remoteAllRunningMs', 'remotePodStartupP99Ms', 'hollowMiBPerMinion', 'controlPlaneCpuPerIdleMinion']) t.true(Number.isFinite(doc[key]) && doc[key] > 0, `${key}: ${doc[key]}`);
  t.regex(doc.notes.at(-1), /^run 1: 300 churn pods timed .*, 0 creates refused/);
});

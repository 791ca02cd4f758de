import test from 'ava';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ActorSystem } from '../../src/kernel/index.js';
import { Chain, Counter, Hog, Journal } from '../fixtures/actors.js';
import { eventually, startSystem } from '../helpers.js';

test('stopping an actor stops its children first, across shards, running every postStop', async (t) => {
  const system = await startSystem();
  t.teardown(() => system.stop());
  const journal = system.spawn(Journal, 'journal', undefined, { slot: 0 });
  const chain = system.spawn(Chain, 'c', { depth: 3, journal, slots: [1, 0, 1] }, { slot: 0 });
  await eventually(async () => (await system.ask<string[]>(journal, { type: 'entries' })).length === 4, 'chain started');
  t.is(await system.stopActor(chain), 'stopped');
  const entries = await eventually(async () => {
    const e = await system.ask<string[]>(journal, { type: 'entries' });
    return e.length === 8 && e;
  }, 'chain stopped');
  t.deepEqual(entries.slice(4), ['stop:c-c-c-c', 'stop:c-c-c', 'stop:c-c', 'stop:c']);
});

test('stats count processed messages, restarts and dead letters, and the dead letters can be read', async (t) => {
  const system = await startSystem();
  t.teardown(() => system.stop());
  const counter = system.spawn(Counter, 'counter', undefined, { slot: 1 });
  for (let i = 0; i < 100; i++) system.send(counter, { type: 'add', n: 1 });
  t.is(await system.ask(counter, { type: 'get' }), 100);
  system.send(counter, { type: 'crash' });
  t.is(await system.ask(counter, { type: 'get' }), 0);
  await system.stopActor(counter);
  system.send(counter, { type: 'add', n: 42 });
  const stats = await eventually(async () => {
    const s = await system.stats();
    return s.deadLetters === 1 && s;
  }, 'a dead letter');
  t.true(stats.processed >= 103);
  t.is(stats.restarts, 1);
  t.is(stats.nodes.length, 3);
  const letters = await system.deadLetters();
  t.deepEqual(letters.map((d) => [d.to, d.message]), [[counter, '{"type":"add","n":42}']]);
});

test('the supervision tree shows each actor under its parent', async (t) => {
  const system = await startSystem();
  t.teardown(() => system.stop());
  const journal = system.spawn(Journal, 'journal', undefined, { slot: 1 });
  system.spawn(Chain, 'c', { depth: 2, journal, slots: [1, 0] }, { slot: 0 });
  const tree = await eventually(async () => {
    const tr = await system.tree();
    return tr.children.find((c) => c.name === 'c')?.children[0]?.children.length === 1 && tr;
  }, 'a three-level chain');
  t.is(tree.kind, '$guardian');
  const c = tree.children.find((n) => n.name === 'c')!;
  t.is(c.ref.slot, 0);
  t.is(c.children[0]!.name, 'c-c');
  t.is(c.children[0]!.ref.slot, 1);
  t.is(c.children[0]!.children[0]!.ref.slot, 0);
  t.is(c.children[0]!.children[0]!.state, 'running');
});

test('report: each actor\'s messages handled, each node\'s heap, and a shard too busy to answer named silent instead of holding the rest', async (t) => {
  const system = await startSystem();
  t.teardown(() => system.stop());
  const counter = system.spawn(Counter, 'counter', undefined, { slot: 0 });
  const hog = system.spawn(Hog, 'hog', undefined, { slot: 1 });
  for (let i = 0; i < 3; i++) system.send(counter, { type: 'add', n: 1 });
  t.is(await system.ask(counter, { type: 'get' }), 3);
  const all = await system.report({ tree: true });
  t.deepEqual(all.silent, []);
  t.deepEqual(all.nodes.map((n) => n.slot), [-1, 0, 1]);
  t.true(all.nodes.every((n) => n.heapUsedBytes > 0));
  t.true(all.tree!.children.find((c) => c.name === 'counter')!.processed >= 4, 'three adds and a get at least');
  system.send(hog, { type: 'hog', ms: 1_500 });
  await new Promise((r) => setTimeout(r, 100));
  const busy = await system.report({ tree: true, timeoutMs: 300 });
  t.deepEqual(busy.silent, [1]);
  t.deepEqual(busy.nodes.map((n) => n.slot), [-1, 0]);
  t.deepEqual(busy.tree!.children.map((c) => c.name), ['counter'], 'the silent shard\'s actors are left out');
  await eventually(async () => (await system.report({ timeoutMs: 300 })).silent.length === 0, 'the shard answers again');
});

test('a process that starts and stops a system exits by itself, with no handle left open', async (t) => {
  const script = fileURLToPath(new URL('../fixtures/start-stop.js', import.meta.url));
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, 45_000);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  t.is(code, 0, `the process did not exit by itself: ${out}`);
  t.regex(out, /postStop ran for 3 actors/);
});

test('options are validated with messages that name the option', async (t) => {
  await t.throwsAsync(ActorSystem.start({ shards: 0 }), { instanceOf: TypeError, message: 'options.shards must be a positive integer' });
  await t.throwsAsync(ActorSystem.start({ shards: 1.5 }), { message: 'options.shards must be a positive integer' });
  await t.throwsAsync(ActorSystem.start({ throughput: -1 }), { message: 'options.throughput must be a positive integer' });
  await t.throwsAsync(ActorSystem.start({ askTimeoutMs: 0 }), { message: 'options.askTimeoutMs must be a number > 0' });
  await t.throwsAsync(ActorSystem.start({ clock: 'fake' as never }), { message: 'options.clock must be "real" or a VirtualClock' });
  await t.throwsAsync(ActorSystem.start({ modules: 'x' as never }), { message: 'options.modules must be an array of module paths or URLs' });
  await t.throwsAsync(ActorSystem.start({ supervision: { strategy: 'all' as never } }), {
    message: 'options.supervision.strategy must be one of one_for_one, one_for_all, rest_for_one',
  });
  await t.throwsAsync(ActorSystem.start({ supervision: { backoff: { minMs: 10, maxMs: 5, randomFactor: 0 } } }), {
    instanceOf: RangeError,
    message: 'options.supervision.backoff.maxMs must be a number >= backoff.minMs',
  });
  await t.throwsAsync(ActorSystem.start({ shard: 2 } as never), { message: 'unknown option "shard"' });
  await t.throwsAsync(ActorSystem.start({ shards: 1, modules: ['/nonexistent/actors.js'] }), { message: /Cannot find module|ERR_MODULE_NOT_FOUND/ });
});

test('spawn rejects unknown kinds, duplicate names, bad names and bad slots', async (t) => {
  const system = await startSystem();
  t.teardown(() => system.stop());
  t.throws(() => system.spawn('no.such.kind', 'x', undefined), {
    instanceOf: TypeError,
    message: 'actor kind "no.such.kind" is not registered (is its module in the modules option?)',
  });
  system.spawn(Counter, 'dup', undefined);
  t.throws(() => system.spawn(Counter, 'dup', undefined), { message: /already has a child named "dup"/ });
  t.throws(() => system.spawn(Counter, 'a/b', undefined), { message: 'name must be 1 to 253 characters without "/" or white space' });
  t.throws(() => system.spawn(Counter, 'x', undefined, { slot: 2 }), { instanceOf: RangeError, message: 'options.slot must be an integer from 0 to 1' });
  t.throws(() => system.spawn(Counter, 'y', undefined, { restart: 'sometimes' as never }), {
    message: 'options.restart must be one of permanent, transient, temporary',
  });
});

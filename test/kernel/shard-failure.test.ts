import test from 'ava';
import { ShardCrashedError, type ActorSystem } from '../../src/kernel/index.js';
import { Counter, ShardKiller, Silent, Supervisor, Watcher } from '../fixtures/actors.js';
import { eventually, findInTree, startSystem } from '../helpers.js';

function restarted(system: ActorSystem, slot: number): Promise<void> {
  return new Promise((resolve) => {
    const on = (e: { slot: number }) => {
      if (e.slot !== slot) return;
      system.off('shardRestart', on);
      resolve();
    };
    system.on('shardRestart', on);
  });
}

for (const [how, extra] of [
  ['process.exit inside an actor', {}],
  ['an error thrown outside any actor', {}],
  ['running out of memory under resourceLimits', { resourceLimits: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 } }],
] as const) {
  test(`a shard that dies by ${how} is respawned and its actors restarted by their supervisors`, async (t) => {
    const system = await startSystem({ shards: 2, ...extra });
    t.teardown(() => system.stop());
    const killer = system.spawn(ShardKiller, 'killer', undefined, { slot: 1 });
    const counter = system.spawn(Counter, 'counter', { start: 3 }, { slot: 1 });
    const silent = system.spawn(Silent, 'silent', undefined, { slot: 1 });
    const survivor = system.spawn(Counter, 'survivor', undefined, { slot: 0 });
    system.send(counter, { type: 'add', n: 10 });
    t.is(await system.ask(counter, { type: 'get' }), 13);
    const exits: { slot: number; reason: string }[] = [];
    system.on('shardExit', (e) => exits.push(e));
    const back = restarted(system, 1);
    const pending = system.ask(silent, 'never answered', 30_000);
    const started = Date.now();
    system.send(killer, { type: how.startsWith('process') ? 'exit' : how.startsWith('an error') ? 'throwOutside' : 'oom' });
    const err = await t.throwsAsync(pending, { instanceOf: ShardCrashedError });
    t.true(Date.now() - started < 20_000, 'the pending ask was rejected, not timed out');
    t.regex(err!.message, /shard 1 exited/);
    await back;
    t.is(exits[0]?.slot, 1);
    // Same refs, fresh state: the guardian restarted the roots on the new shard.
    t.is(await eventually(() => system.ask(counter, { type: 'get' }, 1000), 'counter back'), 3);
    t.is(await system.ask(killer, { type: 'ping' }), 'pong');
    t.is(await system.ask(survivor, { type: 'get' }), 0);
    t.is((await findInTree(system, 'counter'))?.restarts, 1);
  });
}

test('a parent on a healthy shard restarts its child lost with another shard', async (t) => {
  const system = await startSystem({ shards: 2 });
  t.teardown(() => system.stop());
  const sup = system.spawn(Supervisor, 'sup', { children: [{ name: 'remote', slot: 1 }, { name: 'local', slot: 0 }] }, { slot: 0 });
  const killer = system.spawn(ShardKiller, 'killer', undefined, { slot: 1 });
  const watcher = system.spawn(Watcher, 'watcher', undefined, { slot: 0 });
  const remote = await system.ask<{ id: number; slot: number }>(sup, { type: 'childRef', child: 'remote' });
  await system.ask(watcher, { type: 'watch', ref: remote, probe: { type: 'ping' } });
  const before = await system.ask<number>(remote, { type: 'ping' });
  const back = restarted(system, 1);
  system.send(killer, { type: 'exit' });
  await back;
  const after = await eventually(() => system.ask<number>(remote, { type: 'ping' }, 1000), 'remote child back');
  t.not(after, before);
  t.is((await findInTree(system, 'sup', 'remote'))?.restarts, 1);
  t.is((await findInTree(system, 'sup', 'local'))?.restarts, 0);
  const events = await system.ask<{ id: number; reason: string }[]>(watcher, { type: 'events' });
  t.deepEqual(events, [{ id: remote.id, reason: 'shard-crash' }]);
});

test('with respawn off, a dead shard stays down: asks to it fail at once and spawning there is refused', async (t) => {
  const system = await startSystem({ shards: 2, respawn: false });
  t.teardown(() => system.stop());
  const killer = system.spawn(ShardKiller, 'killer', undefined, { slot: 1 });
  const counter = system.spawn(Counter, 'counter', undefined, { slot: 1 });
  t.is(await system.ask(counter, { type: 'get' }), 0);
  const exited = new Promise((resolve) => system.once('shardExit', resolve));
  system.send(killer, { type: 'exit' });
  await exited;
  await t.throwsAsync(system.ask(counter, { type: 'get' }), { instanceOf: ShardCrashedError, message: /shard 1 is down/ });
  t.throws(() => system.spawn(Counter, 'another', undefined, { slot: 1 }), { message: 'shard 1 exited and is not respawned (respawn is off)' });
  system.send(counter, { type: 'add', n: 1 });
  await eventually(async () => (await system.stats()).deadLetters >= 1, 'a dead letter for the gone shard');
  t.deepEqual((await system.tree()).children.map((c) => c.name), [], 'the lost roots were dropped, not restarted');
  const survivor = system.spawn(Counter, 'survivor', undefined, { slot: 0 });
  t.is(await system.ask(survivor, { type: 'get' }), 0);
});

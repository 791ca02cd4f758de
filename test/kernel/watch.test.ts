import test from 'ava';
import type { ActorRef, ActorSystem, TerminationReason } from '../../src/kernel/index.js';
import { Counter, Watcher } from '../fixtures/actors.js';
import { eventually, startSystem } from '../helpers.js';

async function events(system: ActorSystem, watcher: ActorRef) {
  return system.ask<{ id: number; reason: TerminationReason }[]>(watcher, { type: 'events' });
}

test('a watcher is told when a watched actor on another shard stops', async (t) => {
  const system = await startSystem();
  t.teardown(() => system.stop());
  const watcher = system.spawn(Watcher, 'watcher', undefined, { slot: 0 });
  const counter = system.spawn(Counter, 'counter', undefined, { slot: 1 });
  await system.ask(watcher, { type: 'watch', ref: counter, probe: { type: 'get' } });
  await system.stopActor(counter);
  t.deepEqual(await eventually(() => events(system, watcher).then((e) => e.length && e), 'terminated'), [{ id: counter.id, reason: 'stopped' }]);
});

test('watching an actor that is already dead still delivers Terminated', async (t) => {
  const system = await startSystem();
  t.teardown(() => system.stop());
  const watcher = system.spawn(Watcher, 'watcher', undefined, { slot: 0 });
  const counter = system.spawn(Counter, 'counter', undefined, { slot: 1 });
  await system.stopActor(counter);
  system.send(watcher, { type: 'watch', ref: counter });
  t.deepEqual(await eventually(() => events(system, watcher).then((e) => e.length && e), 'terminated'), [{ id: counter.id, reason: 'not-found' }]);
});

test('an actor that stops itself terminates with reason normal', async (t) => {
  const system = await startSystem();
  t.teardown(() => system.stop());
  const watcher = system.spawn(Watcher, 'watcher', undefined, { slot: 1 });
  const counter = system.spawn(Counter, 'counter', undefined, { slot: 0, restart: 'transient' });
  await system.ask(watcher, { type: 'watch', ref: counter, probe: { type: 'get' } });
  system.send(counter, { type: 'stopSelf' });
  t.deepEqual(await eventually(() => events(system, watcher).then((e) => e.length && e), 'terminated'), [{ id: counter.id, reason: 'normal' }]);
});

test('after unwatch no Terminated arrives', async (t) => {
  const system = await startSystem();
  t.teardown(() => system.stop());
  const watcher = system.spawn(Watcher, 'watcher', undefined, { slot: 0 });
  const counter = system.spawn(Counter, 'counter', undefined, { slot: 1 });
  await system.ask(watcher, { type: 'watch', ref: counter, probe: { type: 'get' } });
  system.send(watcher, { type: 'unwatch', ref: counter });
  await events(system, watcher);
  await system.stopActor(counter);
  await new Promise((r) => setTimeout(r, 100));
  t.deepEqual(await events(system, watcher), []);
});

test('a restart is not a termination: watchers hear nothing', async (t) => {
  const system = await startSystem();
  t.teardown(() => system.stop());
  const watcher = system.spawn(Watcher, 'watcher', undefined, { slot: 0 });
  const counter = system.spawn(Counter, 'counter', { start: 1 }, { slot: 1 });
  await system.ask(watcher, { type: 'watch', ref: counter, probe: { type: 'get' } });
  system.send(counter, { type: 'crash' });
  t.is(await system.ask(counter, { type: 'get' }), 1);
  t.deepEqual(await events(system, watcher), []);
});

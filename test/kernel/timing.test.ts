import test from 'ava';
import { VirtualClock } from '../../src/kernel/index.js';
import { Supervisor, Ticker } from '../fixtures/actors.js';
import { eventually, findInTree, startSystem } from '../helpers.js';

test('restart backoff doubles from its minimum, on the virtual clock', async (t) => {
  const clock = new VirtualClock(0);
  const system = await startSystem({ clock });
  t.teardown(() => system.stop());
  const supervision = { intensity: 100, periodMs: 60_000, backoff: { minMs: 100, maxMs: 1000, randomFactor: 0, resetAfterMs: 60_000 } };
  const sup = system.spawn(Supervisor, 'sup', { children: [{ name: 'a', slot: 1 }] }, { slot: 0, supervision });
  const state = async () => (await findInTree(system, 'sup', 'a'))?.state;
  await eventually(async () => (await state()) === 'running', 'child running');
  for (const delay of [100, 200, 400, 800, 1000, 1000]) {
    system.send(sup, { type: 'crash', child: 'a' });
    await eventually(async () => (await state()) === 'failed', 'child failed');
    await clock.advance(delay - 1);
    t.is(await state(), 'failed', `still waiting 1 ms before ${delay} ms`);
    await clock.advance(1);
    await eventually(async () => (await state()) === 'running', `restarted after ${delay} ms`);
  }
});

test('periodic timers fire on the virtual clock and are cancelled on restart and stop', async (t) => {
  const clock = new VirtualClock(0);
  const system = await startSystem({ clock });
  t.teardown(() => system.stop());
  const ticker = system.spawn(Ticker, 'ticker', { intervalMs: 10 }, { slot: 1 });
  await system.ask(ticker, { type: 'count' });
  await clock.advance(100);
  t.is(await system.ask(ticker, { type: 'count' }), 10);
  system.send(ticker, { type: 'crash' });
  await eventually(async () => (await findInTree(system, 'ticker'))?.restarts === 1, 'ticker restarted');
  await clock.advance(100);
  // The old instance's timer is gone: only the new one ticks (10, not 20).
  t.is(await system.ask(ticker, { type: 'count' }), 10);
  const before = (await system.stats()).deadLetters;
  await system.stopActor(ticker);
  await clock.advance(100);
  t.is((await system.stats()).deadLetters, before, 'no tick delivered after the stop');
});

test('a VirtualClock on its own fires its timers in due order', async (t) => {
  const clock = new VirtualClock(1000);
  const fired: string[] = [];
  clock.setTimer(() => fired.push('b'), 20);
  clock.setTimer(() => fired.push('a'), 10);
  const cancelled = clock.setTimer(() => fired.push('x'), 15);
  clock.clearTimer(cancelled);
  clock.setTimer(() => fired.push('c'), 20);
  await clock.advance(19);
  t.deepEqual(fired, ['a']);
  await clock.advance(1);
  t.deepEqual(fired, ['a', 'b', 'c']);
  t.is(clock.now(), 1020);
});

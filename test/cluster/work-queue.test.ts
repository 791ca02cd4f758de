import test from 'ava';
import { VirtualClock } from '../../src/kernel/index.js';
import { Silent } from '../fixtures/actors.js';
import { Reconciler } from '../fixtures/reconciler.js';
import { eventually, startSystem } from '../helpers.js';

const MODULES = [new URL('../fixtures/reconciler.js', import.meta.url)];

async function start(t: { teardown(fn: () => Promise<void>): void }) {
  const clock = new VirtualClock(0);
  const system = await startSystem({ clock, modules: MODULES });
  t.teardown(() => system.stop());
  const registry = system.spawn(Silent, 'registry', undefined, { slot: 0 });
  const reconciler = system.spawn(Reconciler, 'reconciler', { registry }, { slot: 1 });
  const log = () => system.ask<[number, string][]>(reconciler, { type: 'log' });
  /** Waits until `n` reconciles are logged and returns the log. */
  const logged = (n: number) => eventually(async () => ((await log()).length >= n ? log() : undefined), `${n} reconciles`);
  return { clock, system, reconciler, log, logged };
}

test('keys enqueued in one burst are reconciled once each, in the order they first came', async (t) => {
  const { system, reconciler, logged } = await start(t);
  system.send(reconciler, { type: 'enqueue', keys: ['ns/a', 'ns/b', 'ns/a', 'ns/c', 'ns/b'] });
  t.deepEqual((await logged(3)).map(([, key]) => key), ['ns/a', 'ns/b', 'ns/c']);
  system.send(reconciler, { type: 'enqueue', keys: ['ns/b'] });
  t.deepEqual((await logged(4)).map(([, key]) => key), ['ns/a', 'ns/b', 'ns/c', 'ns/b'], 'a key reconciled is queued again by its next change');
});

test('a reconcile that asks to be retried is tried after 5, 10, 20, 40 ms on the clock, and from 5 ms again once it succeeded', async (t) => {
  const { clock, system, reconciler, log, logged } = await start(t);
  system.send(reconciler, { type: 'plan', key: 'ns/x', results: [{ requeue: true }, { requeue: true }, { requeue: true }, { requeue: true }] });
  system.send(reconciler, { type: 'enqueue', keys: ['ns/x'] });
  await logged(1);
  for (const [i, delay] of [5, 10, 20, 40].entries()) {
    await clock.advance(delay - 1);
    t.is((await log()).length, i + 1, `not retried 1 ms before ${delay} ms`);
    await clock.advance(1);
    await logged(i + 2);
  }
  t.deepEqual((await log()).map(([at]) => at), [0, 5, 15, 35, 75]);
  // The fifth succeeded: the next failure starts from the first step again.
  system.send(reconciler, { type: 'plan', key: 'ns/x', results: [{ requeue: true }] });
  system.send(reconciler, { type: 'enqueue', keys: ['ns/x'] });
  await logged(6);
  await clock.advance(5);
  t.deepEqual((await logged(7)).map(([at]) => at).slice(5), [75, 80]);
  await clock.advance(10_000);
  t.is((await log()).length, 7, 'a success is not retried');
});

test('requeueAfterMs looks again after the delay, and a change meanwhile is reconciled at once', async (t) => {
  const { clock, system, reconciler, log, logged } = await start(t);
  system.send(reconciler, { type: 'plan', key: 'ns/y', results: [{ requeueAfterMs: 1000 }] });
  system.send(reconciler, { type: 'enqueue', keys: ['ns/y'] });
  await logged(1);
  await clock.advance(400);
  system.send(reconciler, { type: 'enqueue', keys: ['ns/y'] });
  await logged(2);
  await clock.advance(599);
  t.is((await log()).length, 2);
  await clock.advance(1);
  t.deepEqual((await logged(3)).map(([at]) => at), [0, 400, 1000]);
});

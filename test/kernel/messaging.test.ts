import test from 'ava';
import { ActorNotFoundError, AskTimeoutError, ActorFailedError } from '../../src/kernel/index.js';
import { Blaster, Counter, Echo, Recorder, Relay, Silent } from '../fixtures/actors.js';
import { startSystem } from '../helpers.js';

test('one million messages across shards arrive complete and in order per sender', async (t) => {
  const system = await startSystem({ shards: 2 });
  t.teardown(() => system.stop());
  const recorder = system.spawn(Recorder, 'recorder', undefined, { slot: 1 });
  // Three senders on the other shard, one on the recorder's own shard: 4 × 250,000.
  const blasters = [0, 0, 0, 1].map((slot, i) => system.spawn(Blaster, `blaster-${i}`, undefined, { slot }));
  await Promise.all(blasters.map((b, i) => system.ask(b, { target: recorder, n: 250_000, from: i }, 60_000)));
  let report: { received: number; outOfOrder: number; senders: number };
  const deadline = Date.now() + 30_000;
  do {
    report = await system.ask(recorder, { type: 'report' }, 30_000);
  } while (report.received < 1_000_000 && Date.now() < deadline);
  t.deepEqual(report, { received: 1_000_000, outOfOrder: 0, senders: 4 });
});

test('messages sent from the main thread keep their order', async (t) => {
  const system = await startSystem();
  t.teardown(() => system.stop());
  const recorder = system.spawn(Recorder, 'recorder', undefined, { slot: 0 });
  for (let seq = 0; seq < 20_000; seq++) system.send(recorder, { from: 99, seq });
  t.deepEqual(await system.ask(recorder, { type: 'report' }), { received: 20_000, outOfOrder: 0, senders: 1 });
});

test('values that JSON cannot carry cross shards intact', async (t) => {
  const system = await startSystem();
  t.teardown(() => system.stop());
  const echo = system.spawn(Echo, 'echo', undefined, { slot: 1 });
  const value = { when: new Date(5), map: new Map([[1, 'a']]), missing: undefined, nan: NaN, big: 10n, bytes: new Uint8Array([1, 2]) };
  t.deepEqual(await system.ask(echo, value), value);
});

test('a forwarded ask is answered by the actor it was passed to, whose ref was reserved before it was spawned', async (t) => {
  const system = await startSystem({ shards: 2 });
  t.teardown(() => system.stop());
  const echoRef = system.reserve(1);
  const relay = system.spawn(Relay, 'relay', { to: echoRef }, { slot: 0 });
  const echo = system.spawn(Echo, 'echo', undefined, { ref: echoRef });
  t.deepEqual(echo, echoRef);
  t.deepEqual(await system.ask(relay, { hello: 'there' }), { hello: 'there' });
  t.throws(() => system.reserve(2), { instanceOf: RangeError });
});

test('an ask with no reply rejects with AskTimeoutError after its timeout', async (t) => {
  const system = await startSystem();
  t.teardown(() => system.stop());
  const silent = system.spawn(Silent, 'silent', undefined, { slot: 1 });
  const started = Date.now();
  const err = await t.throwsAsync(system.ask(silent, 'hello?', 200), { instanceOf: AskTimeoutError });
  const elapsed = Date.now() - started;
  t.true(elapsed >= 190 && elapsed < 2000, `rejected after ${elapsed} ms`);
  t.regex(err!.message, /timed out after 200 ms/);
});

test('an ask to an actor that does not exist fails at once with ActorNotFoundError', async (t) => {
  const system = await startSystem();
  t.teardown(() => system.stop());
  const counter = system.spawn(Counter, 'counter', undefined, { slot: 1 });
  await system.stopActor(counter);
  const started = Date.now();
  await t.throwsAsync(system.ask(counter, { type: 'get' }, 10_000), { instanceOf: ActorNotFoundError });
  t.true(Date.now() - started < 2000);
});

test('an ask whose handler throws rejects with ActorFailedError, and the actor is restarted', async (t) => {
  const system = await startSystem();
  t.teardown(() => system.stop());
  const counter = system.spawn(Counter, 'counter', { start: 7 }, { slot: 1 });
  system.send(counter, { type: 'add', n: 1 });
  const err = await t.throwsAsync(system.ask(counter, { type: 'crash', message: 'boom' }), { instanceOf: ActorFailedError });
  t.regex(err!.message, /boom/);
  t.is(await system.ask(counter, { type: 'get' }), 7, 'fresh state from props after the restart');
});

test('an async handler holds the actor until it settles (run to completion)', async (t) => {
  const system = await startSystem();
  t.teardown(() => system.stop());
  const counter = system.spawn(Counter, 'counter', undefined, { slot: 0 });
  system.send(counter, { type: 'slowAdd', n: 5, ms: 100 });
  // Queued behind the slow turn: it must see the slow add applied.
  t.is(await system.ask(counter, { type: 'get' }), 5);
});

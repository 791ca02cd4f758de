import test from 'ava';
import type { ActorRef, ActorSystem } from '../../src/kernel/index.js';
import { Supervisor, type ChildSpec } from '../fixtures/actors.js';
import { eventually, findInTree, startSystem } from '../helpers.js';

/** Starts a Supervisor root with the given children and strategy; returns refs to it and its children. */
async function supervise(system: ActorSystem, children: ChildSpec[], supervision: object, name = 'sup') {
  const sup = system.spawn(Supervisor, name, { children, supervision }, { slot: 0, supervision });
  const refs: Record<string, ActorRef> = {};
  for (const c of children) refs[c.name] = await system.ask<ActorRef>(sup, { type: 'childRef', child: c.name });
  return { sup, refs };
}

/** The instance token of each child: a new token means a new instance (a restart). */
async function instances(system: ActorSystem, refs: Record<string, ActorRef>) {
  const out: Record<string, number> = {};
  for (const [name, ref] of Object.entries(refs)) out[name] = await system.ask<number>(ref, { type: 'ping' });
  return out;
}

async function restartsOf(system: ActorSystem, ...path: string[]) {
  return (await findInTree(system, ...path))?.restarts;
}

const lenient = { intensity: 100, periodMs: 1000 };

test('one_for_one restarts only the failed child', async (t) => {
  const system = await startSystem();
  t.teardown(() => system.stop());
  const { sup, refs } = await supervise(system, [{ name: 'a' }, { name: 'b', slot: 1 }], { strategy: 'one_for_one', ...lenient });
  const before = await instances(system, refs);
  system.send(sup, { type: 'crash', child: 'a' });
  await eventually(async () => (await restartsOf(system, 'sup', 'a')) === 1, 'a restarted');
  const after = await instances(system, refs);
  t.not(after.a, before.a);
  t.is(after.b, before.b);
});

test('one_for_all restarts every child when one fails', async (t) => {
  const system = await startSystem();
  t.teardown(() => system.stop());
  const { sup, refs } = await supervise(system, [{ name: 'a' }, { name: 'b', slot: 1 }, { name: 'c' }], { strategy: 'one_for_all', ...lenient });
  const before = await instances(system, refs);
  system.send(sup, { type: 'crash', child: 'b' });
  await eventually(async () => (await restartsOf(system, 'sup', 'c')) === 1, 'c restarted');
  const after = await instances(system, refs);
  for (const name of ['a', 'b', 'c']) t.not(after[name], before[name], `${name} restarted`);
});

test('rest_for_one restarts the failed child and those started after it', async (t) => {
  const system = await startSystem();
  t.teardown(() => system.stop());
  const { sup, refs } = await supervise(system, [{ name: 'a' }, { name: 'b' }, { name: 'c', slot: 1 }], { strategy: 'rest_for_one', ...lenient });
  const before = await instances(system, refs);
  system.send(sup, { type: 'crash', child: 'b' });
  await eventually(async () => (await restartsOf(system, 'sup', 'c')) === 1, 'c restarted');
  const after = await instances(system, refs);
  t.is(after.a, before.a, 'a started before b: untouched');
  t.not(after.b, before.b);
  t.not(after.c, before.c);
});

test('a permanent child is restarted after a failure and after stopping itself', async (t) => {
  const system = await startSystem();
  t.teardown(() => system.stop());
  const { refs } = await supervise(system, [{ name: 'p', restart: 'permanent' }], lenient);
  system.send(refs.p!, { type: 'crash' });
  await eventually(async () => (await restartsOf(system, 'sup', 'p')) === 1, 'restart after failure');
  system.send(refs.p!, { type: 'stopSelf' });
  await eventually(async () => (await restartsOf(system, 'sup', 'p')) === 2, 'restart after normal exit');
  t.is(typeof (await system.ask(refs.p!, { type: 'ping' })), 'number');
});

test('a transient child is restarted after a failure but not after stopping itself', async (t) => {
  const system = await startSystem();
  t.teardown(() => system.stop());
  const { refs } = await supervise(system, [{ name: 'tr', restart: 'transient' }], lenient);
  system.send(refs.tr!, { type: 'crash' });
  await eventually(async () => (await restartsOf(system, 'sup', 'tr')) === 1, 'restart after failure');
  const reason = system.terminated(refs.tr!);
  system.send(refs.tr!, { type: 'stopSelf' });
  t.is(await reason, 'normal');
  await new Promise((r) => setTimeout(r, 100));
  t.is(await findInTree(system, 'sup', 'tr'), undefined, 'not restarted');
});

test('a temporary child is never restarted', async (t) => {
  const system = await startSystem();
  t.teardown(() => system.stop());
  const { sup, refs } = await supervise(system, [{ name: 'tmp', restart: 'temporary' }, { name: 'other' }], { strategy: 'one_for_all', ...lenient });
  const gone = system.terminated(refs.tmp!);
  system.send(sup, { type: 'crash', child: 'tmp' });
  t.is(await gone, 'stopped');
  await new Promise((r) => setTimeout(r, 100));
  t.is(await findInTree(system, 'sup', 'tmp'), undefined);
  t.is(await restartsOf(system, 'sup', 'other'), 0, 'a temporary child failing restarts no sibling');
});

test('exceeding the restart intensity stops the children and escalates to the next supervisor', async (t) => {
  const system = await startSystem();
  t.teardown(() => system.stop());
  // OTP's default intensity: 1 restart in 5 s.
  const { sup, refs } = await supervise(system, [{ name: 'a' }, { name: 'b', slot: 1 }], {});
  const before = await instances(system, refs);
  system.send(sup, { type: 'crash', child: 'a' });
  await eventually(async () => (await restartsOf(system, 'sup', 'a')) === 1, 'first restart within intensity');
  system.send(sup, { type: 'crash', child: 'a' });
  // The second restart within 5 s is one too many: the supervisor fails, and the guardian restarts it.
  await eventually(async () => (await restartsOf(system, 'sup')) === 1, 'supervisor restarted by the guardian');
  const tree = await eventually(async () => {
    const node = await findInTree(system, 'sup');
    return node?.state === 'running' && node.children.length === 2 ? node : undefined;
  }, 'children started afresh');
  t.deepEqual(tree.children.map((c) => c.restarts), [0, 0], 'fresh children, not restarted ones');
  // The old children were stopped with their supervisor; its new instance spawned new ones.
  t.is(await system.terminated(refs.b!), 'not-found');
  const newB = await system.ask<ActorRef>(sup, { type: 'childRef', child: 'b' });
  t.not(newB.id, refs.b!.id);
  t.not(await system.ask(newB, { type: 'ping' }), before.b);
});

test('the guardian escalates when root restarts exceed its intensity, stopping every root', async (t) => {
  const system = await startSystem({ supervision: { intensity: 0, periodMs: 5000 } });
  t.teardown(() => system.stop());
  const escalation = new Promise<Error>((resolve) => system.once('escalation', resolve));
  const { sup } = await supervise(system, [{ name: 'a' }], lenient, 'root1');
  const other = await supervise(system, [{ name: 'a' }], lenient, 'root2');
  const gone = system.terminated(other.sup);
  system.send(sup, { type: 'crashSelf' });
  const err = await escalation;
  t.regex(err.message, /gave up: more than 0 restart/);
  t.is(await gone, 'stopped');
  await eventually(async () => (await system.tree()).children.length === 0, 'no roots left');
});

import test from 'ava';
import { Cluster } from '../../src/cluster/cluster.js';
import { cutTree, parseActorQuery, renderActorsText, type ActorEntry, type ActorsDocument } from '../../src/debug/actors.js';
import type { ActorTreeNode } from '../../src/kernel/index.js';
import { StatusError } from '../../src/api/status.js';
import { controller, running } from '../cluster-helpers.js';
import { call } from '../api-helpers.js';

let cluster: Cluster;
test.before(async () => {
  cluster = await Cluster.start({ minions: 2, shards: 2, runtime: 'fake', api: true });
  await cluster.client.create('replicationcontrollers', controller('web', 4, { app: 'web' }));
  await cluster.client.waitFor('pods', {}, running(4));
});
test.after.always(() => cluster?.stop());

const get = async (path: string) => {
  const { code, body } = await call(cluster.url!, 'GET', path);
  return { status: code, body, text: typeof body === 'string' ? body : JSON.stringify(body) };
};

const all = (e: ActorEntry): ActorEntry[] => [e, ...e.children.flatMap(all)];

test.serial('/debug/actors has every shard and the whole supervision tree, with mailboxes, messages handled and restarts', async (t) => {
  const { status, body } = await get('/debug/actors');
  t.is(status, 200);
  const doc = body as ActorsDocument;
  t.is(doc.kind, 'ActorSystemStatus');
  t.deepEqual(doc.shards.map((s) => s.slot), [-1, 0, 1]);
  for (const s of doc.shards) {
    t.true(s.answered);
    t.true(s.heapUsedBytes > 1_000_000, `shard ${s.slot} reports its own heap`);
    t.true(s.busyPercent >= 0 && s.busyPercent <= 100);
  }
  t.true(doc.intervalMs >= 200, 'the first read measures its rates over a second reading');
  const actors = all(doc.tree!);
  t.is(actors.length, doc.actors, 'no query: every actor is shown');
  t.is(doc.shown, doc.actors - 1, 'shown counts the actors below the root');
  t.false(doc.truncated);
  const pods = actors.filter((a) => a.kind === 'helmsman.pod');
  t.is(pods.length, 4);
  t.true(pods.every((p) => p.state === 'running' && p.processed > 0 && p.restarts === 0 && p.mailbox === 0));
  const registry = actors.find((a) => a.kind === 'helmsman.registry')!;
  t.true(registry.processed > 10, 'the registry has handled the writes');
  t.is(doc.shards.reduce((n, s) => n + s.actors, 0), doc.actors);
});

test.serial('a query cuts the tree: by kind with the ancestors kept, by shard, by depth, and by a breadth-first limit', async (t) => {
  const byKind = (await get('/debug/actors?kind=pod')).body as ActorsDocument;
  const kinds = new Set(all(byKind.tree!).map((a) => a.kind));
  t.true(kinds.has('helmsman.pod'));
  t.false(kinds.has('helmsman.scheduler'), 'other kinds are left out');
  t.true(all(byKind.tree!).some((a) => a.kind === 'helmsman.minion'), 'a pod is shown under its minion');
  t.is(all(byKind.tree!).filter((a) => a.kind === 'helmsman.pod').length, 4);

  const onShard = (await get('/debug/actors?shard=1&kind=helmsman.pod')).body as ActorsDocument;
  t.true(all(onShard.tree!).filter((a) => a.kind === 'helmsman.pod').every((a) => a.shard === 1));

  const top = (await get('/debug/actors?depth=1')).body as ActorsDocument;
  t.true(top.tree!.children.length > 0);
  t.true(top.tree!.children.every((c) => c.children.length === 0));
  t.true(top.tree!.children.some((c) => (c.omittedChildren ?? 0) > 0), 'a cut level says how many children it hides');

  const few = (await get('/debug/actors?limit=3')).body as ActorsDocument;
  t.is(few.shown, 3);
  t.true(few.truncated);
  t.is(all(few.tree!).length, 4);

  const shardsOnly = (await get('/debug/actors?depth=0')).body as ActorsDocument;
  t.is(shardsOnly.tree, undefined);
  t.is(shardsOnly.shards.length, 3);
});

test.serial('?format=text is the shards table and an indented tree', async (t) => {
  const res = await get('/debug/actors?format=text&kind=pod');
  t.is(res.status, 200);
  const text = res.text;
  t.regex(text, /^SHARD\s+ACTORS\s+MSGS\/S\s+MAILBOX\s+DEEPEST\s+RESTARTS\s+DEAD LETTERS\s+HEAP\s+BUSY\n/);
  t.regex(text, /\nmain\s+\d+/);
  t.regex(text, /\n {4}[a-z0-9-]+ \(helmsman\.pod\) shard [01] #\d+ {2}mailbox 0 {2}processed \d+/, 'pods two levels down, indented');
});

test.serial('bad query parameters are 400 BadRequest naming the parameter', async (t) => {
  for (const [query, message] of [
    ['limit=0', 'limit: Invalid value: "0": must be an integer >= 1'],
    ['depth=-1', 'depth: Invalid value: "-1": must be an integer >= 0'],
    ['shard=x', 'shard: Invalid value: "x": must be a shard\'s number or "main"'],
    ['format=yaml', 'format: Unsupported value: "yaml": supported values: "json", "text"'],
  ]) {
    const res = await get(`/debug/actors?${query}`);
    t.is(res.status, 400, query);
    t.is(res.body.reason, 'BadRequest');
    t.is(res.body.message, message);
  }
  t.throws(() => parseActorQuery({ kind: ['a', 'b'] }), { instanceOf: StatusError, message: 'kind: given more than once' });
});

// ---- the cut, on a tree made by hand ----------------------------------------------------------

const node = (name: string, kind: string, slot: number, children: ActorTreeNode[] = []): ActorTreeNode => ({
  name,
  kind,
  ref: { id: name.length, slot },
  state: 'running',
  mailbox: 0,
  processed: 0,
  restarts: 0,
  children,
});

test('the cut keeps the ancestors of what matches and counts what it leaves out', (t) => {
  const root = node('/', '$guardian', -1, [node('a', 'x.minion', 0, [node('p1', 'x.pod', 0), node('s', 'x.proxy', 0)]), node('b', 'x.minion', 1, [node('p2', 'x.pod', 1)])]);
  const { tree, shown } = cutTree(root, { kind: 'pod', shard: 1 });
  t.deepEqual(all(tree).map((e) => e.name), ['/', 'b', 'p2']);
  t.is(shown, 2);
  t.is(tree.omittedChildren, 1);
  const limited = cutTree(root, { limit: 2 });
  t.deepEqual(all(limited.tree).map((e) => e.name), ['/', 'a', 'b'], 'breadth first');
  t.true(limited.truncated);
  t.is(limited.tree.children[0]!.omittedChildren, 2);
  const doc: ActorsDocument = { kind: 'ActorSystemStatus', time: '', intervalMs: 1000, shards: [], actors: 6, shown: 2, truncated: false, tree };
  t.true(renderActorsText(doc).includes('\n/ ($guardian) shard main #1  mailbox 0  processed 0\n  b (x.minion) shard 1 #1'));
});

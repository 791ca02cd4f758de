import test from 'ava';
import { emptyMeta, type Pod } from '../../src/api/model.js';
import { ObjectIndex } from '../../src/api/object-index.js';
import { WatchIndex } from '../../src/api/watch-index.js';
import { samePins } from '../../src/api/pins.js';
import { parseFieldSelector, parseLabelSelector } from '../../src/api/selector.js';
import type { Filter } from '../../src/api/filter.js';
import { Informer } from '../../src/cluster/informer.js';
import type { WatchEvent } from '../../src/registry/protocol.js';
import type { ActorRef, Context } from '../../src/kernel/index.js';

function pod(name: string, host: string, labels: Record<string, string>): Pod {
  return {
    kind: 'Pod',
    metadata: { ...emptyMeta(name, 'default'), labels },
    spec: { host, containers: [], restartPolicy: 'Always' } as unknown as Pod['spec'],
    status: { phase: 'Pending', containers: {} },
  };
}

const byLabel = (s: string): Filter => ({ labels: parseLabelSelector(s) });
const byHost = (host: string): Filter => ({ fields: parseFieldSelector(`spec.host=${host}`) });
const names = (it: Iterable<Pod | { metadata: { name: string } }>) => [...it].map((o) => o.metadata.name).sort();

test('samePins: same host and equal labels (another object or the same) are the same pins', (t) => {
  const labels = { app: 'web' };
  t.true(samePins(pod('a', 'm1', labels), pod('a', 'm1', labels)));
  t.true(samePins(pod('a', 'm1', { app: 'web' }), pod('a', 'm1', { app: 'web' })));
  t.false(samePins(pod('a', 'm1', labels), pod('a', 'm2', labels)));
  t.false(samePins(pod('a', 'm1', { app: 'web' }), pod('a', 'm1', { app: 'db' })));
  t.false(samePins(pod('a', 'm1', { app: 'web' }), pod('a', 'm1', { app: 'web', tier: 'x' })));
  t.false(samePins(pod('a', 'm1', { app: 'web', tier: 'x' }), pod('a', 'm1', { app: 'web' })));
});

test('ObjectIndex: a status-only write keeps the object filed; a label or host change files it anew', (t) => {
  const index = new ObjectIndex();
  const labels = { app: 'web' };
  index.set('k', pod('a', '', labels));
  const running = pod('a', '', labels);
  running.status.phase = 'Running';
  index.set('k', running);
  t.deepEqual(names(index.candidates(byLabel('app=web'))), ['a']);
  t.is(index.get('k'), running);

  index.set('k', pod('a', 'm1', { app: 'db' }));
  t.deepEqual(names(index.candidates(byLabel('app=web'))), []);
  t.deepEqual(names(index.candidates(byLabel('app=db'))), ['a']);
  t.deepEqual(names(index.candidates(byHost('m1'))), ['a']);

  index.set('k', pod('a', 'm2', { app: 'db' }));
  t.deepEqual(names(index.candidates(byHost('m1'))), []);
  t.deepEqual(names(index.candidates(byHost('m2'))), ['a']);
  index.delete('k');
  t.deepEqual(names(index.candidates(byLabel('app=db'))), []);
  t.is(index.size, 0);
});

test('WatchIndex: a change is offered to the watchers of its old and new pins, each once', (t) => {
  const index = new WatchIndex<{ name: string; filter: Filter }>();
  for (const w of [
    { name: 'web', filter: byLabel('app=web') },
    { name: 'db', filter: byLabel('app=db') },
    { name: 'm1', filter: byHost('m1') },
    { name: 'all', filter: {} },
  ]) index.add(w);
  const offered = (object: Pod, prev?: Pod) => {
    const seen: string[] = [];
    index.forEach(object, prev, (w) => seen.push(w.name));
    return seen.sort();
  };
  const before = pod('a', 'm1', { app: 'web' });
  t.deepEqual(offered(pod('a', 'm1', { app: 'web' }), before), ['all', 'm1', 'web']);
  t.deepEqual(offered(pod('a', 'm1', { app: 'db' }), before), ['all', 'db', 'm1', 'web']);
  t.deepEqual(offered(pod('a', 'm2', { app: 'web' }), before), ['all', 'm1', 'web']);
});

/** An informer's view of the actor it serves: only `send` is used. */
function informer(registry: ActorRef, seen: unknown[]): Informer<Pod> {
  const ctx = { send() {} } as unknown as Context<any>;
  return new Informer<Pod>(ctx, registry, `w${seen.length}:${Math.random()}`, { name: 'pods', resource: 'pods', onChange: (_k, obj) => seen.push(obj) });
}

test('Informers of one registry on one thread share the object parsed from a change; other changes and registries do not', (t) => {
  const registry = { id: 901, slot: 0 };
  const other = { id: 902, slot: 0 };
  const a: unknown[] = [];
  const b: unknown[] = [];
  const c: unknown[] = [];
  const ia = informer(registry, a);
  const ib = informer(registry, b);
  const ic = informer(other, c);
  const at = (revision: number) => {
    const p = pod('a', 'm1', {});
    p.metadata.resourceVersion = revision;
    return JSON.stringify(p);
  };
  const event = (inf: Informer<Pod>, revision: number): WatchEvent => ({ watch: inf.id, type: 'ADDED', object: at(revision), revision });
  ia.handle(event(ia, 7));
  ib.handle(event(ib, 7));
  ic.handle(event(ic, 7));
  t.is(a[0], b[0]);
  t.not(a[0], c[0]);
  t.deepEqual(a[0], c[0]);
  ib.handle({ ...event(ib, 8), type: 'MODIFIED' });
  t.is(b.length, 2);
  t.is((b[1] as Pod).metadata.resourceVersion, 8);
});

test('An informer that watches again forgets the parses: a registry that lost its store reuses revisions', (t) => {
  const registry = { id: 903, slot: 0 };
  const a: Pod[] = [];
  const b: Pod[] = [];
  const ia = informer(registry, a);
  const ib = informer(registry, b);
  const change = (inf: Informer<Pod>, name: string): WatchEvent => ({ watch: inf.id, type: 'ADDED', object: JSON.stringify(pod(name, 'm1', {})), revision: 3 });
  ia.handle(change(ia, 'before'));
  // The registry's shard died and came back empty: the informers watch again, and revision 3 is another change.
  ia.start();
  ib.start();
  ib.handle(change(ib, 'after'));
  t.is(b[0]!.metadata.name, 'after');
});

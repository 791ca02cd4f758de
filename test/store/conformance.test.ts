/**
 * One conformance suite for every Store backend: memory, lmdb (in a temporary folder) and etcd
 * (on the cluster HELMSMAN_ETCD_SERVERS names, under a key prefix of its own per test).
 *
 * An etcd cluster is shared: other tests' writes move its revision, and its compaction is
 * global. So the exact revision arithmetic is asserted only on the backends a test owns, and the
 * compaction tests are serial (ava runs them before this file's concurrent tests).
 */
import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdStore } from '../../src/store/etcd.js';
import { LmdbStore } from '../../src/store/lmdb.js';
import { MemoryStore } from '../../src/store/memory.js';
import { StoreCompactedError, StoreFutureRevisionError, type Store, type StoreEvent, type TxnOp, type TxnResult } from '../../src/store/store.js';
import { etcdFound, etcdPrefix, etcdServers } from '../etcd-helpers.js';
import { eventually } from '../helpers.js';

interface Backend {
  name: string;
  available: boolean;
  /** Whether the test owns the whole store (no other writer moves its revision). */
  exclusive: boolean;
  /** A fresh store, closed (and emptied) when the test ends. */
  open(t: ExecutionContext): Promise<Store>;
}

function tempDir(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'helmsman-store-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const backends: Backend[] = [
  {
    name: 'memory',
    available: true,
    exclusive: true,
    async open(t) {
      const store = new MemoryStore();
      t.teardown(() => store.close());
      return store;
    },
  },
  {
    name: 'lmdb',
    available: true,
    exclusive: true,
    async open(t) {
      const store = LmdbStore.open(tempDir(t));
      // Registered after tempDir's, so it runs first (ava runs teardowns in reverse).
      t.teardown(() => store.close());
      return store;
    },
  },
  {
    name: 'etcd',
    available: etcdFound,
    exclusive: false,
    async open(t) {
      const prefix = etcdPrefix();
      const store = await EtcdStore.connect({ servers: etcdServers, prefix });
      t.teardown(async () => {
        await store.client.delete().prefix(`${prefix}/`);
        await store.close();
      });
      return store;
    },
  },
];

const put = (key: string, value: string): TxnOp => ({ type: 'put', key, value });
const get = (key: string): TxnOp => ({ type: 'get', key });
const del = (key: string): TxnOp => ({ type: 'delete', key });

/** A watch that records what it is told. */
function record(store: Store, prefix: string, fromRevision: number) {
  const calls: StoreEvent[][] = [];
  const errors: Error[] = [];
  const watch = store.watch(prefix, fromRevision, { onEvents: (events) => calls.push(events), onError: (err) => errors.push(err) });
  return {
    calls,
    errors,
    events: () => calls.flat(),
    cancel: () => watch.cancel(),
  };
}

const P = '/registry/pods/default/';

for (const backend of backends) {
  const { name, exclusive } = backend;
  const run = backend.available ? test : test.skip;
  const serial = backend.available ? test.serial : test.serial.skip;

  run(`${name}: put and get round-trip values, non-ASCII and empty ones included`, async (t) => {
    const store = await backend.open(t);
    const values = { a: '{"kind":"Pod","name":"nginx"}', b: 'héllo wörld ✓ 日本語 🚀', c: '' };
    const written = await store.txn([], Object.entries(values).map(([k, v]) => put(P + k, v)));
    t.true(written.succeeded);
    const read = await store.txn([], Object.keys(values).map((k) => get(P + k)));
    t.deepEqual(read.results.map((kv) => kv?.value), Object.values(values));
    t.deepEqual((await store.range(P)).kvs.map((kv) => kv.value), Object.values(values));
    t.deepEqual((await store.txn([], [get(P + 'missing')])).results, [undefined], 'an absent key gets undefined');
  });

  run(`${name}: a create compares mod revision 0 and fails when the key exists`, async (t) => {
    const store = await backend.open(t);
    const first = await store.txn([{ key: P + 'x', modRevision: 0 }], [put(P + 'x', '1')], [get(P + 'x')]);
    t.true(first.succeeded);
    const second = await store.txn([{ key: P + 'x', modRevision: 0 }], [put(P + 'x', '2')], [get(P + 'x')]);
    t.false(second.succeeded);
    t.like(second.results[0], { key: P + 'x', value: '1', modRevision: first.revision, createRevision: first.revision });
  });

  run(`${name}: an update compares the expected mod revision; a stale one fails and onFailure reads the current value`, async (t) => {
    const store = await backend.open(t);
    const created = await store.txn([{ key: P + 'x', modRevision: 0 }], [put(P + 'x', '1')]);
    const updated = await store.txn([{ key: P + 'x', modRevision: created.revision }], [put(P + 'x', '2')], [get(P + 'x')]);
    t.true(updated.succeeded);
    t.true(updated.revision > created.revision);
    const stale = await store.txn([{ key: P + 'x', modRevision: created.revision }], [put(P + 'x', '3')], [get(P + 'x')]);
    t.false(stale.succeeded);
    t.like(stale.results[0], { value: '2', modRevision: updated.revision });
    const deleted = await store.txn([{ key: P + 'x', modRevision: updated.revision }], [del(P + 'x')]);
    t.true(deleted.succeeded);
    t.deepEqual((await store.range(P)).kvs, []);
  });

  run(`${name}: a transaction moves the revision once: its puts share one mod revision, delivered in one watch call`, async (t) => {
    const store = await backend.open(t);
    const before = await store.txn([], [put(P + 'seed', '0')]);
    const w = record(store, P, before.revision + 1);
    const res = await store.txn([], [put(P + 'a', '1'), put(P + 'b', '2'), put(P + 'c', '3')]);
    if (exclusive) t.is(res.revision, before.revision + 1);
    else t.true(res.revision > before.revision);
    const { kvs } = await store.range(P);
    t.deepEqual(
      kvs.filter((kv) => kv.key !== P + 'seed').map((kv) => kv.modRevision),
      [res.revision, res.revision, res.revision],
    );
    await eventually(() => w.events().length === 3, 'the three events');
    t.is(w.calls.length, 1, "a revision's events come in one call");
    t.deepEqual(w.calls[0]!.map((e) => [e.key, e.modRevision]), [[P + 'a', res.revision], [P + 'b', res.revision], [P + 'c', res.revision]]);
    w.cancel();
  });

  run(`${name}: a read-only transaction does not move the revision`, async (t) => {
    const store = await backend.open(t);
    const written = await store.txn([], [put(P + 'a', '1')]);
    const reads = [
      await store.txn([], [get(P + 'a')]),
      await store.txn([{ key: P + 'a', modRevision: 0 }], [put(P + 'a', '2')], [get(P + 'a')]),
      await store.txn([{ key: P + 'a', modRevision: 0 }], [put(P + 'a', '2')]),
    ];
    t.false(reads[1]!.succeeded);
    t.false(reads[2]!.succeeded);
    for (const r of reads) {
      if (exclusive) t.is(r.revision, written.revision);
      else t.true(r.revision >= written.revision);
    }
    t.like((await store.txn([], [get(P + 'a')])).results[0], { value: '1', modRevision: written.revision });
  });

  run(`${name}: an update keeps the create revision; a delete and a new put start another`, async (t) => {
    const store = await backend.open(t);
    const created = await store.txn([], [put(P + 'x', '1')]);
    const updated = await store.txn([], [put(P + 'x', '2')]);
    t.like((await store.range(P)).kvs[0], { value: '2', createRevision: created.revision, modRevision: updated.revision });
    await store.txn([], [del(P + 'x')]);
    const recreated = await store.txn([], [put(P + 'x', '3')]);
    t.like((await store.range(P)).kvs[0], { value: '3', createRevision: recreated.revision, modRevision: recreated.revision });
  });

  run(`${name}: a range by prefix lists its keys in key order, none of a sibling prefix`, async (t) => {
    const store = await backend.open(t);
    const keys = ['/registry/pods/b', '/registry/podsx/a', '/registry/pods/a/1', '/registry/pod', '/registry/pods/a'];
    await store.txn([], keys.map((k) => put(k, k)));
    const { kvs } = await store.range('/registry/pods/');
    t.deepEqual(kvs.map((kv) => kv.key), ['/registry/pods/a', '/registry/pods/a/1', '/registry/pods/b']);
    t.deepEqual((await store.range('/registry/podsx/')).kvs.map((kv) => kv.key), ['/registry/podsx/a']);
  });

  run(`${name}: a range at a past revision sees the values of then`, async (t) => {
    const store = await backend.open(t);
    const then = await store.txn([], [put(P + 'a', 'a1'), put(P + 'b', 'b1')]);
    await store.txn([], [put(P + 'a', 'a2'), del(P + 'b')]);
    await store.txn([], [put(P + 'c', 'c1')]);
    const past = await store.range(P, { revision: then.revision });
    t.is(past.revision, then.revision);
    t.deepEqual(past.kvs.map((kv) => [kv.key, kv.value, kv.modRevision]), [[P + 'a', 'a1', then.revision], [P + 'b', 'b1', then.revision]]);
    t.deepEqual((await store.range(P)).kvs.map((kv) => [kv.key, kv.value]), [[P + 'a', 'a2'], [P + 'c', 'c1']]);
  });

  run(`${name}: a range or a compaction at a future revision rejects with StoreFutureRevisionError`, async (t) => {
    const store = await backend.open(t);
    const { revision } = await store.txn([], [put(P + 'a', '1')]);
    await t.throwsAsync(store.range(P, { revision: revision + 1000 }), { instanceOf: StoreFutureRevisionError });
    await t.throwsAsync(store.compact(revision + 1000), { instanceOf: StoreFutureRevisionError });
  });

  run(`${name}: a watch from a past revision replays every change in order, then live ones, each once`, async (t) => {
    const store = await backend.open(t);
    const early: TxnResult[] = [];
    for (let i = 0; i < 5; i++) early.push(await store.txn([], [put(P + `k${i % 2}`, `v${i}`)]));
    early.push(await store.txn([], [del(P + 'k0')]));
    const w = record(store, P, early[0]!.revision);
    // Concurrent: the store orders them; the watch must show that order, without gaps or repeats.
    const live = await Promise.all(Array.from({ length: 200 }, (_, i) => store.txn([], [put(P + `live${i}`, String(i))])));
    await eventually(() => w.events().length >= 206, 'every change');
    const events = w.events();
    t.is(events.length, 206);
    const seen = events.map((e) => e.modRevision);
    t.true(
      seen.every((r, i) => i === 0 || r > seen[i - 1]!),
      'revisions strictly increase',
    );
    t.deepEqual(seen, [...early, ...live].map((r) => r.revision).sort((a, b) => a - b), 'each revision exactly once');
    t.like(events[5], { type: 'delete', key: P + 'k0', value: '', modRevision: early[5]!.revision });
    t.deepEqual(w.errors, []);
    w.cancel();
  });

  run(`${name}: a cancelled watch reports nothing more`, async (t) => {
    const store = await backend.open(t);
    const a = await store.txn([], [put(P + 'a', '1')]);
    const w = record(store, P, a.revision);
    await eventually(() => w.events().length === 1, 'the first event');
    w.cancel();
    const { revision } = await store.txn([], [put(P + 'b', '2')]);
    // A second watch sees the write: the first would have had it by then.
    const probe = record(store, P, revision);
    await eventually(() => probe.events().length === 1, 'the probe event');
    probe.cancel();
    t.deepEqual(w.events().map((e) => e.key), [P + 'a']);
    t.deepEqual(w.errors, []);
  });

  serial(`${name}: a watch from a compacted revision reports StoreCompactedError; the compacted revision itself still watches`, async (t) => {
    const store = await backend.open(t);
    const a = await store.txn([], [put(P + 'a', '1')]);
    const b = await store.txn([], [put(P + 'b', '2')]);
    await store.txn([], [put(P + 'c', '3')]);
    await store.compact(b.revision);
    const old = record(store, P, a.revision);
    await eventually(() => old.errors.length === 1, 'the error');
    t.true(old.errors[0] instanceof StoreCompactedError, String(old.errors[0]));
    t.deepEqual(old.calls, []);
    const kept = record(store, P, b.revision);
    await eventually(() => kept.events().length === 2, 'the kept events');
    t.deepEqual(kept.events().map((e) => e.key), [P + 'b', P + 'c']);
    kept.cancel();
  });

  serial(`${name}: a range at a compacted revision, or a compaction again, rejects with StoreCompactedError`, async (t) => {
    const store = await backend.open(t);
    const a = await store.txn([], [put(P + 'a', '1')]);
    const b = await store.txn([], [put(P + 'a', '2')]);
    await store.txn([], [put(P + 'a', '3')]);
    await store.compact(b.revision);
    await t.throwsAsync(store.range(P, { revision: a.revision }), { instanceOf: StoreCompactedError });
    t.deepEqual((await store.range(P, { revision: b.revision })).kvs.map((kv) => kv.value), ['2'], 'the compacted revision itself is kept');
    await t.throwsAsync(store.compact(b.revision), { instanceOf: StoreCompactedError });
  });
}

for (const name of ['memory', 'lmdb'] as const) {
  test(`${name}: history beyond historyLimit is compacted on its own`, async (t) => {
    const store = name === 'memory' ? new MemoryStore({ historyLimit: 10 }) : LmdbStore.open(tempDir(t), { historyLimit: 10 });
    t.teardown(() => store.close());
    const results: TxnResult[] = [];
    for (let i = 0; i < 30; i++) results.push(await store.txn([], [put(P + 'a', String(i))]));
    const oldest = results[20]!.revision;
    const w = record(store, P, oldest);
    await eventually(() => w.events().length === 10, 'the kept revisions');
    await t.throwsAsync(store.range(P, { revision: oldest - 1 }), { instanceOf: StoreCompactedError });
    const old = record(store, P, oldest - 1);
    await eventually(() => old.errors.length === 1, 'the error');
    t.true(old.errors[0] instanceof StoreCompactedError);
    w.cancel();
  });
}

test('lmdb: a reopened store keeps its data, revision, change log and compaction', async (t) => {
  const dir = tempDir(t);
  const first = LmdbStore.open(dir);
  const a = await first.txn([], [put(P + 'a', 'a1'), put(P + 'b', 'b1')]);
  const b = await first.txn([], [put(P + 'a', 'a2'), del(P + 'b')]);
  const c = await first.txn([], [put(P + 'c', 'ç')]);
  await first.compact(b.revision);
  await first.close();

  const store = LmdbStore.open(dir);
  t.teardown(() => store.close());
  const now = await store.range(P);
  t.is(now.revision, c.revision);
  t.deepEqual(now.kvs.map((kv) => [kv.key, kv.value, kv.modRevision, kv.createRevision]), [
    [P + 'a', 'a2', b.revision, a.revision],
    [P + 'c', 'ç', c.revision, c.revision],
  ]);
  t.deepEqual((await store.range(P, { revision: b.revision })).kvs.map((kv) => kv.key), [P + 'a']);
  await t.throwsAsync(store.range(P, { revision: a.revision }), { instanceOf: StoreCompactedError });
  const w = record(store, P, b.revision);
  await eventually(() => w.events().length === 3, 'the logged events');
  t.deepEqual(w.events().map((e) => [e.type, e.key, e.modRevision]), [
    ['put', P + 'a', b.revision],
    ['delete', P + 'b', b.revision],
    ['put', P + 'c', c.revision],
  ]);
  const next = await store.txn([{ key: P + 'c', modRevision: c.revision }], [put(P + 'c', 'c2')]);
  t.true(next.succeeded, 'the index of mod revisions was reloaded');
  t.is(next.revision, c.revision + 1);
  await eventually(() => w.events().length === 4, 'the live event');
  w.cancel();
});

test('lmdb: a store of the layout before the Store seam is refused, not read as empty', async (t) => {
  const dir = tempDir(t);
  const { open } = await import('lmdb');
  const old = open({ path: dir });
  await old.put('#revision', 3);
  await old.close();
  t.throws(() => LmdbStore.open(dir), { message: /older layout/ });
});

/**
 * The registry's write pipeline against a store that another writer (another control plane)
 * changes behind the registry's cache: a failure is final only when computed from the store's
 * current state, and a guarded write never commits over a guard that changed.
 */
import test from 'ava';
import { KeyWriter, type Known, type KeyWrite, type WriteOutcome } from '../../src/registry/key-writer.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { StatusInfo } from '../../src/api/status.js';

const exists: StatusInfo = { code: 409, reason: 'AlreadyExists', message: 'already exists' };
const refused: StatusInfo = { code: 403, reason: 'Forbidden', message: 'namespace is terminating' };

/** A writer whose cache is a plain map the test makes as stale as it likes. */
function writer(store: MemoryStore, cache: Map<string, Known>) {
  return new KeyWriter(store, (key) => cache.get(key), (fn) => queueMicrotask(fn));
}

function write(w: KeyWriter, spec: Omit<KeyWrite, 'done'>): Promise<WriteOutcome> {
  return new Promise((done) => w.submit({ ...spec, done }));
}

test('a create the stale cache says exists is checked against the store, and succeeds when the key is gone', async (t) => {
  const store = new MemoryStore();
  t.teardown(() => store.close());
  // Another control plane created and deleted the key; this cache saw only the create.
  const created = await store.txn([], [{ type: 'put', key: '/k', value: 'theirs' }], []);
  await store.txn([], [{ type: 'delete', key: '/k' }], []);
  const w = writer(store, new Map([['/k', { modRevision: created.revision, value: 'theirs' }]]));
  let computed = 0;
  const outcome = await write(w, { key: '/k', mutate: (current) => (computed++, current ? { fail: exists } : { put: 'mine' }) });
  t.true(outcome.ok);
  t.is(computed, 2, 'computed from the cache, then from the store');
  const [kv] = (await store.txn([], [{ type: 'get', key: '/k' }], [])).results;
  t.is(kv?.value, 'mine');
});

test('a failure computed from the store\'s current state is final', async (t) => {
  const store = new MemoryStore();
  t.teardown(() => store.close());
  const created = await store.txn([], [{ type: 'put', key: '/k', value: 'theirs' }], []);
  const w = writer(store, new Map([['/k', { modRevision: created.revision, value: 'theirs' }]]));
  let computed = 0;
  const outcome = await write(w, { key: '/k', mutate: (current) => (computed++, current ? { fail: exists } : { put: 'mine' }) });
  t.deepEqual(outcome, { ok: false, error: exists });
  t.is(computed, 2);
});

test('a guarded write whose guard changed behind the cache is computed again from the new guard, and fails on it', async (t) => {
  const store = new MemoryStore();
  t.teardown(() => store.close());
  const active = await store.txn([], [{ type: 'put', key: '/ns', value: 'Active' }], []);
  // Another control plane marks the namespace Terminating; this cache still has it Active.
  await store.txn([], [{ type: 'put', key: '/ns', value: 'Terminating' }], []);
  const w = writer(store, new Map([['/ns', { modRevision: active.revision, value: 'Active' }]]));
  const seen: string[] = [];
  const outcome = await write(w, {
    key: '/ns/pod',
    guard: '/ns',
    mutate: (_current, ns) => (seen.push(ns?.value ?? 'absent'), ns?.value === 'Active' ? { put: 'pod' } : { fail: refused }),
  });
  t.deepEqual(outcome, { ok: false, error: refused });
  t.deepEqual(seen, ['Active', 'Terminating'], 'the transaction compared the guard and read it back');
  const [kv] = (await store.txn([], [{ type: 'get', key: '/ns/pod' }], [])).results;
  t.is(kv, undefined, 'nothing was written');
});

test('a guarded write commits when its guard is as it was computed', async (t) => {
  const store = new MemoryStore();
  t.teardown(() => store.close());
  const active = await store.txn([], [{ type: 'put', key: '/ns', value: 'Active' }], []);
  const w = writer(store, new Map([['/ns', { modRevision: active.revision, value: 'Active' }]]));
  const outcome = await write(w, { key: '/ns/pod', guard: '/ns', mutate: (_c, ns) => (ns?.value === 'Active' ? { put: 'pod' } : { fail: refused }) });
  t.true(outcome.ok);
});

test('a writer that is the store\'s only one takes its view as current: a failure is final at once, with no read', async (t) => {
  const store = new MemoryStore();
  t.teardown(() => store.close());
  const created = await store.txn([], [{ type: 'put', key: '/k', value: 'mine' }], []);
  const w = new KeyWriter(store, (key) => (key === '/k' ? { modRevision: created.revision, value: 'mine' } : undefined), (fn) => queueMicrotask(fn), false);
  let computed = 0;
  const outcome = await write(w, { key: '/k', mutate: (current) => (computed++, current ? { fail: exists } : { put: 'again' }) });
  t.deepEqual(outcome, { ok: false, error: exists });
  t.is(computed, 1);
});

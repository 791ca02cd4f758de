import test from 'ava';
import { Worker, MessageChannel } from 'node:worker_threads';
import { decodeBatch, encodeBatch, isJsonSafe } from '../../src/kernel/codec.js';
import { BatchBuilder } from '../../src/kernel/batch.js';
import { ControlClient } from '../../src/kernel/control.js';
import { ControlTimeoutError, ShardCrashedError } from '../../src/kernel/index.js';
import { backoffDelay, resolveSupervision, RestartWindow } from '../../src/kernel/supervision.js';
import { IdBlock, IdGrants, ID_BLOCK, ID_LIMIT } from '../../src/kernel/ids.js';

test('isJsonSafe accepts exactly what JSON round-trips unchanged', (t) => {
  for (const ok of [null, true, 0, -1.5, 'x', [], [1, 'a', null], { a: { b: [1] } }, Object.create(null)]) t.true(isJsonSafe(ok), JSON.stringify(ok));
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  for (const bad of [undefined, NaN, Infinity, -0, 1n, new Date(0), new Map(), new Uint8Array(1), { a: undefined }, [, 1], () => 1, cyclic, { toJSON: () => 1 }]) {
    t.false(isJsonSafe(bad), String(bad));
  }
});

test('a batch survives encoding: JSON text when it can, structured clone otherwise', (t) => {
  const b = new BatchBuilder();
  b.add(7, 3, 0, 0, { n: 1 });
  b.add(7, 3, 0, 0, { n: 2 });
  b.add(8, 3, 0, 1, { t: 'stop' });
  const flat = b.take();
  t.deepEqual(flat, [7, 3, 0, 0, 2, { n: 1 }, { n: 2 }, 8, 3, 0, 1, 1, { t: 'stop' }]);
  const wire = encodeBatch(flat);
  t.is(typeof wire, 'string');
  t.deepEqual(decodeBatch(wire), flat);
  b.add(7, 3, 0, 0, new Date(1));
  const withDate = b.take();
  t.is(encodeBatch(withDate), withDate, 'left for structured clone');
  t.is(b.messages, 0);
});

test('the restart window allows `intensity` restarts per period, sliding', (t) => {
  const spec = resolveSupervision({ intensity: 2, periodMs: 1000 });
  const w = new RestartWindow();
  t.true(w.allow(spec, 0));
  t.true(w.allow(spec, 500));
  t.false(w.allow(spec, 900), 'a third within 1 s');
  t.true(new RestartWindow().allow(resolveSupervision({ intensity: 1 }), 0));
  const w2 = new RestartWindow();
  t.true(w2.allow(spec, 0));
  t.true(w2.allow(spec, 100));
  t.true(w2.allow(spec, 1200), 'the first two slid out of the window');
});

test('backoff doubles from minMs to maxMs with bounded jitter', (t) => {
  const b = { minMs: 100, maxMs: 1000, randomFactor: 0.5 };
  t.deepEqual([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(b, n, () => 0)), [100, 200, 400, 800, 1000, 1000]);
  t.is(backoffDelay(b, 0, () => 1), 150);
  t.is(backoffDelay(b, 9, () => 1), 1500);
});

test('id blocks stay in the small-integer range and are requested ahead of need', (t) => {
  const grants = new IdGrants();
  let requests = 0;
  const block = new IdBlock(grants.grant(), () => requests++);
  const first = block.take();
  t.is(first, ID_BLOCK);
  for (let i = 1; i < ID_BLOCK / 2; i++) block.take();
  t.is(requests, 0, 'half the block used');
  block.take();
  t.is(requests, 1, 'past half: the next block is requested');
  block.supply(grants.grant());
  for (let i = 0; i < ID_BLOCK / 2 - 1; i++) block.take();
  t.is(block.take(), 2 * ID_BLOCK, 'continues in the granted block');
  const many = new IdGrants();
  let last = 0;
  for (let i = 0; i < ID_LIMIT / ID_BLOCK; i++) last = many.grant();
  t.true(last < ID_LIMIT && Number.isSafeInteger(last));
  t.true(many.wrapped);
});

function controlWorker(code: string, timeoutMs = 300) {
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(code, { eval: true, workerData: { port: port2 }, transferList: [port2] });
  return { worker, client: new ControlClient(0, port1, worker, timeoutMs) };
}

test('a control call that gets no answer times out instead of hanging', async (t) => {
  const { worker, client } = controlWorker(`setInterval(() => {}, 1000);`);
  t.teardown(() => worker.terminate());
  await t.throwsAsync(client.call('stats'), { instanceOf: ControlTimeoutError, message: 'shard 0 did not answer stats within 300 ms' });
  client.close();
});

test('a control call pending when the worker exits rejects with ShardCrashedError', async (t) => {
  const { worker, client } = controlWorker(`setTimeout(() => process.exit(4), 50);`, 10_000);
  t.teardown(() => worker.terminate());
  const err = await t.throwsAsync(client.call('stats'), { instanceOf: ShardCrashedError });
  t.regex(err!.message, /exited \(code 4\)/);
  client.close();
});

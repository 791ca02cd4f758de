/**
 * The `actors` benchmark: the kernel's message rates, ask latency, spawn rate and idle footprint,
 * beside a raw batched-postMessage baseline measured in the same run.
 */
import { Worker } from 'node:worker_threads';
import { ActorSystem, type ActorRef } from '../src/kernel/index.js';
import { Asker, Echo, FanIn, Sink, Source, Spawner } from './kinds.js';
import { figure, median, quantile, type Figure, type Target } from './stats.js';

/** Options of the actors benchmark. */
export interface ActorsBenchOptions {
  /** Repetitions of each figure (the median is reported). */
  runs: number;
  /** Scales every message count (1 = the default sizes). */
  scale: number;
  progress: (line: string) => void;
}

/** The figures, keyed as `--json` prints them. */
export interface ActorsBenchResult {
  inShardMsgsPerSec: number;
  fanInMsgsPerSec: number;
  crossShardMsgsPerSec: number;
  rawBatchedPostMessagePerSec: number;
  crossShardRatio: number;
  askRoundTripP50Micros: number;
  askRoundTripP99Micros: number;
  /** The anchor for asks: a bare postMessage ping-pong main ↔ worker, same run. */
  rawRoundTripP50Micros: number;
  spawnPerSec: number;
  bytesPerIdleActor: number;
  figures: Record<string, Figure>;
}

/** The targets of issue 2, for this 2-core machine. */
export const ACTORS_TARGETS: Record<string, Target> = {
  inShardMsgsPerSec: { op: '>=', value: 10_000_000, anchor: 'nact (single thread) ≈ 200,000/s here' },
  crossShardRatio: { op: '>=', value: 1.0, anchor: 'raw batched postMessage of 1,000 objects' },
  askRoundTripP50Micros: { op: '<=', value: 50, anchor: 'rawRoundTripP50Micros (same run)' },
  spawnPerSec: { op: '>=', value: 200_000, anchor: 'a bare loop building the same objects: 250–400 k/s here' },
  bytesPerIdleActor: { op: '<=', value: 1024, anchor: 'Akka: ~2.5 million actors per GB of heap (≈ 430 bytes each)' },
};

const BATCH = 1000;

/** Runs every figure `runs` times in one process and returns the medians. */
export async function benchActors(opts: ActorsBenchOptions): Promise<ActorsBenchResult> {
  const n = (base: number) => Math.max(1000, Math.round(base * opts.scale));
  const system = await ActorSystem.start({
    shards: 2,
    modules: [new URL('./kinds.js', import.meta.url)],
    logLevel: 'error',
  });
  const raw = await startRawWorker();
  try {
    const runs: Record<string, number[]> = {
      inShardMsgsPerSec: [],
      fanInMsgsPerSec: [],
      crossShardMsgsPerSec: [],
      rawBatchedPostMessagePerSec: [],
      crossShardRatio: [],
      askRoundTripP50Micros: [],
      askRoundTripP99Micros: [],
      rawRoundTripP50Micros: [],
      spawnPerSec: [],
      bytesPerIdleActor: [],
    };
    const local = { sink: system.spawn(Sink, 'local-sink', undefined, { slot: 0 }), source: system.spawn(Source, 'local-source', undefined, { slot: 0 }) };
    const remoteSink = system.spawn(Sink, 'remote-sink', undefined, { slot: 1 });
    const fanIn = system.spawn(FanIn, 'fan-in', undefined, { slot: 0 });
    await system.ask(fanIn, { kind: 'setup', senders: 1000 }, 30_000);
    const echo = system.spawn(Echo, 'echo', undefined, { slot: 1 });
    const asker = system.spawn(Asker, 'asker', undefined, { slot: 0 });

    for (let r = 0; r < opts.runs; r++) {
      opts.progress(`run ${r + 1}/${opts.runs}`);
      const inShardN = n(5_000_000);
      runs.inShardMsgsPerSec!.push(
        await rate(inShardN, () => system.send(local.source, { kind: 'go', target: local.sink, n: inShardN, fresh: false }), system, local.sink),
      );
      const fanN = n(2_000_000);
      runs.fanInMsgsPerSec!.push(
        await rate(fanN - (fanN % 1000), () => system.send(fanIn, { kind: 'go', target: local.sink, perSender: Math.floor(fanN / 1000) }), system, local.sink),
      );
      const crossN = n(2_000_000);
      const rawRate = await raw.measure(crossN);
      const crossRate = await rate(
        crossN,
        () => system.send(local.source, { kind: 'go', target: remoteSink, n: crossN, fresh: true }),
        system,
        remoteSink,
      );
      runs.rawBatchedPostMessagePerSec!.push(rawRate);
      runs.crossShardMsgsPerSec!.push(crossRate);
      runs.crossShardRatio!.push(crossRate / rawRate);
      const micros = await system.ask<number[]>(asker, { target: echo, n: 2000 }, 60_000);
      const steady = micros.slice(200);
      runs.askRoundTripP50Micros!.push(median(steady));
      runs.askRoundTripP99Micros!.push(quantile(steady, 0.99));
      runs.rawRoundTripP50Micros!.push(median((await raw.pingPong(2000)).slice(200)));
      const spawnN = n(200_000);
      const spawner = system.spawn(Spawner, `spawner-${r}`, undefined, { slot: 0 });
      const spawnMs = await system.ask<number>(spawner, { n: spawnN, prefix: 'i' }, 120_000);
      runs.spawnPerSec!.push(spawnN / (spawnMs / 1000));
      await system.stopActor(spawner);
      runs.bytesPerIdleActor!.push(await idleFootprint(system, n(100_000), r));
    }
    const figures = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, figure(v)]));
    const m = (k: string) => figures[k]!.median;
    return {
      inShardMsgsPerSec: Math.round(m('inShardMsgsPerSec')),
      fanInMsgsPerSec: Math.round(m('fanInMsgsPerSec')),
      crossShardMsgsPerSec: Math.round(m('crossShardMsgsPerSec')),
      rawBatchedPostMessagePerSec: Math.round(m('rawBatchedPostMessagePerSec')),
      crossShardRatio: round(m('crossShardRatio'), 3),
      askRoundTripP50Micros: round(m('askRoundTripP50Micros'), 1),
      askRoundTripP99Micros: round(m('askRoundTripP99Micros'), 1),
      rawRoundTripP50Micros: round(m('rawRoundTripP50Micros'), 1),
      spawnPerSec: Math.round(m('spawnPerSec')),
      bytesPerIdleActor: Math.round(m('bytesPerIdleActor')),
      figures,
    };
  } finally {
    await raw.stop();
    await system.stop();
  }
}

/** Messages per second: from the trigger until `sink` has counted `count` pings. */
async function rate(count: number, trigger: () => void, system: ActorSystem, sink: ActorRef): Promise<number> {
  await system.ask(sink, { kind: 'arm', n: count });
  const t0 = performance.now();
  const done = system.ask(sink, { kind: 'wait' }, 120_000);
  trigger();
  await done;
  return count / ((performance.now() - t0) / 1000);
}

/** Heap growth per actor when `count` idle actors are spawned on shard 1. */
async function idleFootprint(system: ActorSystem, count: number, run: number): Promise<number> {
  const before = await system.heapUsed(1, true);
  const spawner = system.spawn(Spawner, `idle-spawner-${run}`, undefined, { slot: 1 });
  await system.ask(spawner, { n: count, prefix: 'idle' }, 120_000);
  const after = await system.heapUsed(1, true);
  await system.stopActor(spawner);
  return (after - before) / count;
}

interface RawWorker {
  measure(count: number): Promise<number>;
  /** Round trips of a small message, in microseconds. */
  pingPong(count: number): Promise<number[]>;
  stop(): Promise<number>;
}

/**
 * The baseline: main thread → one plain worker, postMessage of arrays of 1,000 fresh `{seq, kind}`
 * objects (structured clone), the receiver reading every object.
 */
async function startRawWorker(): Promise<RawWorker> {
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     let n = 0, sum = 0, target = -1;
     parentPort.on('message', (m) => {
       if (typeof m === 'number') { n = 0; target = m; return; }
       if (m.ping !== undefined) { parentPort.postMessage(m); return; }
       for (let i = 0; i < m.length; i++) sum += m[i].seq;
       n += m.length;
       if (n === target) parentPort.postMessage(n);
     });`,
    { eval: true },
  );
  return {
    async measure(count: number): Promise<number> {
      worker.postMessage(count);
      const done = new Promise((resolve) => worker.once('message', resolve));
      const t0 = performance.now();
      for (let sent = 0; sent < count; sent += BATCH) {
        const batch = new Array(Math.min(BATCH, count - sent));
        for (let k = 0; k < batch.length; k++) batch[k] = { seq: sent + k, kind: 'ping' };
        worker.postMessage(batch);
      }
      await done;
      return count / ((performance.now() - t0) / 1000);
    },
    async pingPong(count: number): Promise<number[]> {
      const micros: number[] = [];
      for (let i = 0; i < count; i++) {
        const t0 = performance.now();
        const back = new Promise((resolve) => worker.once('message', resolve));
        worker.postMessage({ ping: i });
        await back;
        micros.push((performance.now() - t0) * 1000);
      }
      return micros;
    },
    stop: () => worker.terminate(),
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

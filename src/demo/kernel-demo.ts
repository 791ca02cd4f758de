/**
 * The kernel demo (`npm start` until the cluster arrives): minions supervising pods on worker-thread
 * shards, a million messages, pods crashing and restarted, a whole shard killed and rebuilt.
 */
import { availableParallelism } from 'node:os';
import { ActorSystem, type ActorRef } from '../kernel/index.js';
import { DemoMinion } from './actors.js';

/** Options of the demo. */
export interface DemoOptions {
  minions: number;
  podsPerMinion: number;
  shards: number;
  out: (line: string) => void;
}

/** Runs the demo and stops the system; resolves when done. */
export async function runKernelDemo(opts: DemoOptions): Promise<void> {
  const { out } = opts;
  const t0 = performance.now();
  const system = await ActorSystem.start({ shards: opts.shards, modules: [new URL('./actors.js', import.meta.url)], logLevel: 'error' });
  out(`started ${system.shards} shards in ${ms(t0)}`);
  try {
    let t = performance.now();
    const minions: ActorRef[] = [];
    for (let i = 0; i < opts.minions; i++) minions.push(system.spawn(DemoMinion, `minion-${i}`, { pods: opts.podsPerMinion }));
    const pods = (await Promise.all(minions.map((m) => system.ask<number>(m, { type: 'pods' })))).reduce((a, b) => a + b, 0);
    out(`spawned ${minions.length} minions supervising ${pods} pods in ${ms(t)}`);

    const perPod = Math.max(1, Math.round(1_000_000 / pods));
    t = performance.now();
    for (const m of minions) system.send(m, { type: 'ping', n: perPod });
    const pings = await sumOf(system, minions, { type: 'pings' });
    out(`delivered ${pings.toLocaleString('en-US')} pings in ${ms(t)} (${Math.round(pings / ((performance.now() - t) / 1000)).toLocaleString('en-US')}/s)`);

    for (let i = 0; i < 10; i++) system.send(minions[i % minions.length]!, { type: 'crashPod', index: i });
    await waitFor(async () => (await system.stats()).restarts >= 10);
    out(`crashed 10 pods: their minions restarted them (fresh state, same refs)`);

    const victim = minions.find((m) => m.slot === system.shards - 1)!;
    const onVictimShard = minions.filter((m) => m.slot === victim.slot).length;
    t = performance.now();
    const back = new Promise<void>((resolve) => system.once('shardRestart', () => resolve()));
    system.send(victim, { type: 'exitShard' });
    await back;
    const podsAfter = await sumOf(system, minions, { type: 'pods' }, 500);
    out(`killed shard ${victim.slot} (process.exit in an actor): respawned, ${onVictimShard} minions and their pods rebuilt in ${ms(t)}; ${podsAfter} pods running`);

    const stats = await system.stats();
    out(`stats (a respawned shard counts from zero): ${stats.actors} actors, ${stats.processed.toLocaleString('en-US')} messages processed, ${stats.restarts} restarts, ${stats.deadLetters} dead letters`);
    for (const n of stats.nodes) out(`  ${n.slot < 0 ? 'main   ' : `shard ${n.slot}`}: ${n.actors} actors, ${n.processed.toLocaleString('en-US')} processed`);
  } finally {
    const ts = performance.now();
    await system.stop();
    out(`stopped every actor and shard in ${ms(ts)}`);
  }
}

async function sumOf(system: ActorSystem, refs: ActorRef[], msg: unknown, retryMs = 0): Promise<number> {
  const ask = async (r: ActorRef): Promise<number> => {
    for (;;) {
      try {
        return await system.ask<number>(r, msg, 10_000);
      } catch (err) {
        if (!retryMs) throw err;
        await new Promise((res) => setTimeout(res, retryMs / 10));
      }
    }
  };
  return (await Promise.all(refs.map(ask))).reduce((a, b) => a + b, 0);
}

async function waitFor(probe: () => Promise<boolean>): Promise<void> {
  while (!(await probe())) await new Promise((r) => setTimeout(r, 20));
}

function ms(since: number): string {
  return `${Math.round(performance.now() - since)} ms`;
}

/** The demo's defaults. */
export const DEMO_DEFAULTS: Omit<DemoOptions, 'out'> = { minions: 100, podsPerMinion: 20, shards: availableParallelism() };

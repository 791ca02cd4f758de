/**
 * The `soak` benchmark (issue 14): a 1,000-pod workload (10 controllers of 100 on 20 simulated
 * minions) under chaos for 10 minutes — 20 container crashes a second and a minion killed every
 * 30 s (back 15 s later, by then NotReady and its pods evicted) — then how long until every
 * desired replica runs again, and whether anything is left over: actors, containers, host
 * processes (each against the settled cluster before the chaos), and RSS growth during it.
 */
import { ClusterRuns, type GatheredRuns } from './cluster-runs.js';
import type { ScenarioOptions } from './scenarios.js';
import type { Target } from './stats.js';

/** The targets of issue 14. */
export const SOAK_TARGETS: Record<string, Target> = {
  convergeAfterChaosMs: { op: '<=', value: 5000, anchor: 'the chaos stops → every desired replica Running (1,000 pods, 20 minions)' },
  leakedActors: { op: '<=', value: 0, anchor: 'actors beyond the settled cluster\'s before the chaos, 30 s after convergence' },
  leakedContainers: { op: '<=', value: 0, anchor: 'containers the runtimes run beyond one per Running pod' },
  leakedProcesses: { op: '<=', value: 0, anchor: 'host processes beyond the settled cluster\'s before the chaos' },
  rssGrowthPct: { op: '<=', value: 10, anchor: 'RSS, the last 30 s of the chaos against its first 30 s' },
};

/** Runs the soak `runs` times. */
export async function benchSoak(opts: ScenarioOptions): Promise<GatheredRuns> {
  const durationSec = opts.durationSec ?? Math.max(10, Math.round(600 * opts.scale));
  const minions = opts.minions ?? 20;
  const pods = opts.pods ?? 1000;
  const runs = new ClusterRuns();
  for (let r = 0; r < opts.runs; r++) {
    opts.progress(`run ${r + 1}/${opts.runs}: ${pods.toLocaleString('en-US')} pods on ${minions} minions, chaos for ${durationSec} s`);
    await runs.run({ mode: 'soak', minions, pods, durationSec, crashesPerSec: 20, killEverySec: Math.min(30, Math.max(2, Math.floor(durationSec / 4))), downSec: 15 });
  }
  return runs.result();
}

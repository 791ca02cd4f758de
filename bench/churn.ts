/**
 * The `churn` benchmark: pods created at a steady rate (default 1,000/s) for a while (default 60 s)
 * and deleted a few seconds later, on 100 simulated minions; each pod's startup latency as
 * Kubernetes defines it (created → Running, seen through a watch) and the RSS every second. The same
 * load runs 30 s first, unmeasured, so that RSS growth measures growth under a steady load and not
 * an idle cluster's heaps filling up to their working size.
 */
import { ClusterRuns, type GatheredRuns } from './cluster-runs.js';
import type { Target } from './stats.js';

/** Options of the churn benchmark. */
export interface ChurnBenchOptions {
  runs: number;
  /** Scales the duration (1 = 60 s). */
  scale: number;
  minions?: number;
  rate?: number;
  durationSec?: number;
  progress: (line: string) => void;
}

/** The targets of issue 7. */
export const CHURN_TARGETS: Record<string, Target> = {
  podStartupP99Ms: { op: '<=', value: 100, anchor: 'Kubernetes SLO: pod startup p99 ≤ 5 s; kwok: 10k pods Running in ≤ 60 s' },
  rssGrowthPct: { op: '<=', value: 10, anchor: 'RSS, last 10 s against the first 10 s of the measured load (after 30 s of warm-up)' },
};

/** Runs the churn `runs` times. */
export async function benchChurn(opts: ChurnBenchOptions): Promise<GatheredRuns> {
  const rate = opts.rate ?? 1000;
  const durationSec = opts.durationSec ?? Math.max(5, Math.round(60 * opts.scale));
  const runs = new ClusterRuns();
  for (let r = 0; r < opts.runs; r++) {
    opts.progress(`run ${r + 1}/${opts.runs}: ${rate.toLocaleString('en-US')} pods/s for ${durationSec} s on ${opts.minions ?? 100} minions`);
    await runs.run({ mode: 'churn', minions: opts.minions ?? 100, rate, durationSec, warmupSec: Math.round(30 * opts.scale), crashes: 0 });
  }
  return runs.result();
}

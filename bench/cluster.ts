/**
 * The `cluster` benchmark: a whole embedded cluster on the fake runtime, each run in a process of
 * its own (bench/cluster-run.ts). A burst of `pods` pods from `pods / 100` controllers on `minions`
 * minions (time until all Running, the share of it the registry's shard was busy —
 * `registryBusyPct`, the limit when near 100 — RSS, recovery from a lost minion), then pod startup latency at
 * 1,000 pods/s of churn for 10 s and the restart time of crashed containers; and the largest
 * cluster Kubernetes supports, 5,000 minions and 150,000 pods, converging within 4 GiB.
 */
import { ClusterRuns, type GatheredRuns } from './cluster-runs.js';
import type { Target } from './stats.js';

/** Options of the cluster benchmark. */
export interface ClusterBenchOptions {
  runs: number;
  /** Scales the churn's duration (1 = 10 s). */
  scale: number;
  minions?: number;
  pods?: number;
  progress: (line: string) => void;
}

/** The targets of issues 4 (at 1,000 minions and 100,000 pods), 7 (at 5,000 and 150,000) and 16 (both tightened), for this 2-core machine. */
export const CLUSTER_TARGETS: Record<string, Target> = {
  allRunningMs: { op: '<=', value: 10_000, anchor: 'kube-scheduler benchmark: 680–810 pods/s at 5,000 nodes; kwok CI floor: 167 pods/s' },
  rssMiB: { op: '<=', value: 2048, anchor: 'the whole process (registry, controllers, 1,000 minions, 100,000 pod actors) after convergence' },
  podStartupP99Ms: { op: '<=', value: 100, anchor: 'Kubernetes SLO: pod startup p99 ≤ 5 s (1,000 pods/s churn here)' },
  crashRestartP99Ms: { op: '<=', value: 10, anchor: 'fake container crash → running again, backoff first step 0' },
  minionLossRecoveryMs: { op: '<=', value: 5000, anchor: 'NotReady → all its pods Running elsewhere' },
  maxScaleAllRunningMs: { op: '<=', value: 15_000, anchor: 'Kubernetes supported maximum: 5,000 nodes, 150,000 pods' },
  maxScaleRssMiB: { op: '<=', value: 3072, anchor: 'Kubernetes supported maximum: 5,000 nodes, 150,000 pods' },
};

/** Runs the burst and the churn `runs` times each, and the largest cluster once; figures are medians with min–max. */
export async function benchCluster(opts: ClusterBenchOptions): Promise<GatheredRuns> {
  const minions = opts.minions ?? 1000;
  const pods = opts.pods ?? 100_000;
  const runs = new ClusterRuns();
  for (let r = 0; r < opts.runs; r++) {
    opts.progress(`run ${r + 1}/${opts.runs}: ${pods.toLocaleString('en-US')} pods on ${minions.toLocaleString('en-US')} minions`);
    await runs.run({ mode: 'burst', minions, pods });
    opts.progress(`run ${r + 1}/${opts.runs}: churn at 1,000 pods/s, then crashes`);
    await runs.run({ mode: 'churn', minions: Math.min(minions, 100), rate: 1000, durationSec: Math.max(2, Math.round(10 * opts.scale)), warmupSec: 0, crashes: 200 });
  }
  const result = runs.result();
  if (opts.minions === undefined && opts.pods === undefined) {
    opts.progress('the largest cluster: 150,000 pods on 5,000 minions');
    const max = new ClusterRuns();
    await max.run({ mode: 'burst', minions: 5000, pods: 150_000 });
    const big = max.result();
    for (const [key, name] of [['rssMiB', 'maxScaleRssMiB'], ['allRunningMs', 'maxScaleAllRunningMs']] as const) {
      result[name] = big[key];
      result.figures[name] = big.figures[key]!;
    }
    result.series.maxScalePodsRunning = big.series.podsRunning!;
  }
  return result;
}

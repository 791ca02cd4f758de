/**
 * The `recovery` benchmark: on a running cluster (100 minions, 3,000 pods from controllers),
 * containers crashed one by one — each one's time until it runs again — then a minion killed —
 * the time from its NotReady until all its pods run elsewhere.
 */
import { ClusterRuns, type GatheredRuns } from './cluster-runs.js';
import type { Target } from './stats.js';

/** Options of the recovery benchmark. */
export interface RecoveryBenchOptions {
  runs: number;
  scale: number;
  minions?: number;
  pods?: number;
  progress: (line: string) => void;
}

/** The targets of issue 4, measured on their own. */
export const RECOVERY_TARGETS: Record<string, Target> = {
  crashRestartP99Ms: { op: '<=', value: 10, anchor: 'fake container crash → running again, backoff first step 0' },
  minionLossRecoveryMs: { op: '<=', value: 5000, anchor: 'NotReady → all its pods Running elsewhere' },
};

/** Runs the recovery `runs` times. */
export async function benchRecovery(opts: RecoveryBenchOptions): Promise<GatheredRuns> {
  const minions = opts.minions ?? 100;
  const pods = opts.pods ?? 3000;
  const runs = new ClusterRuns();
  for (let r = 0; r < opts.runs; r++) {
    opts.progress(`run ${r + 1}/${opts.runs}: ${pods.toLocaleString('en-US')} pods on ${minions} minions, ${Math.round(200 * opts.scale)} crashes, one minion lost`);
    await runs.run({ mode: 'recovery', minions, pods, crashes: Math.max(10, Math.round(200 * opts.scale)) });
  }
  return runs.result();
}

/**
 * Runs `bench/cluster-run.js` in processes of their own (so each RSS is one cluster's) and gathers
 * what several runs print: numbers into figures (medians, min–max), samples into distributions
 * (all runs together), series from the last run.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Distribution, Series } from './results.js';
import { figure, type Figure } from './stats.js';

const RUN = fileURLToPath(new URL('./cluster-run.js', import.meta.url));
const run = promisify(execFile);

/** What one run prints. */
type RunOutput = Record<string, unknown> & { distributions?: Record<string, Distribution>; series?: Record<string, Series> };

/** What several runs add up to: `--json` keys (medians) beside `figures`, `distributions`, `series`. */
export type GatheredRuns = Record<string, unknown> & { figures: Record<string, Figure>; distributions: Record<string, Distribution>; series: Record<string, Series> };

/** Gathers the output of runs. */
export class ClusterRuns {
  private readonly numbers: Record<string, number[]> = {};
  private readonly distributions: Record<string, Distribution> = {};
  private series: Record<string, Series> = {};

  /** Runs one child with `config` (see cluster-run.ts) and keeps what it printed. */
  async run(config: Record<string, unknown>): Promise<void> {
    const { stdout } = await run(process.execPath, ['--max-old-space-size=6144', RUN, JSON.stringify(config)], { maxBuffer: 64 << 20, timeout: 900_000 });
    const out = JSON.parse(stdout.trim().split('\n').pop()!) as RunOutput;
    for (const [k, v] of Object.entries(out)) if (typeof v === 'number') (this.numbers[k] ??= []).push(v);
    for (const [k, d] of Object.entries(out.distributions ?? {})) {
      const into = (this.distributions[k] ??= { unit: 'ms', samples: [] }).samples;
      for (const x of d.samples) into.push(x); // not push(...): a long run has more samples than a call takes arguments
    }
    if (out.series) this.series = { ...this.series, ...out.series };
  }

  /** The medians as `--json` keys, with figures, distributions and series. */
  result(): GatheredRuns {
    const figures = Object.fromEntries(Object.entries(this.numbers).map(([k, v]) => [k, figure(v)]));
    const flat = Object.fromEntries(Object.entries(figures).map(([k, f]) => [k, Math.round(f.median * 100) / 100]));
    return { ...flat, figures, distributions: this.distributions, series: this.series };
  }
}

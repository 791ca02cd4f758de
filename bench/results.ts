/**
 * The results document of a `helmsman bench` invocation: what `--json` prints and what the HTML
 * report (`--report FILE`) draws. One entry per scenario run.
 */
import type { MachineInfo } from './machine.js';
import type { Figure, Target } from './stats.js';

/** One figure with its target (when it has one) and whether the median meets it. */
export interface ReportedFigure extends Figure {
  target?: Target;
  met?: boolean;
}

/** Values over time: `t` in seconds since the scenario's measurement began, `v` the value then. */
export interface Series {
  unit: string;
  t: number[];
  v: number[];
}

/** A latency distribution: every sample, in milliseconds. */
export interface Distribution {
  unit: 'ms';
  samples: number[];
}

/** What one scenario reports. */
export interface ScenarioResult {
  scenario: string;
  runs: number;
  /** Seconds the scenario took. */
  elapsedSec: number;
  figures: Record<string, ReportedFigure>;
  /** Latency distributions to chart (pod startup, API latency per verb…). */
  distributions: Record<string, Distribution>;
  /** Throughput and memory over time to chart (pods Running per second, RSS…). */
  series: Record<string, Series>;
  /** What was not measured, and why. */
  notes?: string[];
}

/** The whole document. */
export interface BenchResults {
  /** The command line that produced it. */
  command: string;
  /** ISO 8601. */
  startedAt: string;
  machine: MachineInfo;
  scenarios: ScenarioResult[];
}

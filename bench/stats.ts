/** Small statistics helpers shared by the benchmarks. */

/** The value at quantile `q` (0..1) of `values` (nearest rank). */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** The median of `values`. */
export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A figure measured several times: its median and range. */
export interface Figure {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

/** Summarises repeated measurements. */
export function figure(runs: number[]): Figure {
  return { median: median(runs), min: Math.min(...runs), max: Math.max(...runs), runs };
}

/** A figure's target on this machine, and the published figure it is set beside. */
export interface Target {
  op: '>=' | '<=';
  value: number;
  anchor: string;
}

/**
 * Charts over time, drawn by Chart.js (its UMD build, served from the package): a line chart of
 * per-second series, and the samplers that feed the throughput view — the API's requests and
 * latency read from `/metrics` every few seconds.
 */
import type { Chart as ChartJs } from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import { text } from './api.js';
import { Series } from './cluster.js';
import { html } from './html.js';

declare const Chart: typeof ChartJs;

/** One line: a label, its series and colour. */
export interface Line {
  label: string;
  series: Series;
  color: string;
}

/** A line chart of per-second series, the x axis in seconds ago. */
export function LineChart({ lines, unit, max }: { lines: Line[]; unit: string; max?: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<ChartJs | null>(null);
  const now = Math.floor(Date.now() / 1000);
  const datasets = lines.map((l) => ({
    label: l.label,
    data: l.series.t.map((t, i) => ({ x: t - now, y: l.series.v[i]! })),
    borderColor: l.color,
    backgroundColor: l.color,
    // A line needs two points; until then the one there is is drawn as a dot.
    pointRadius: l.series.t.length < 2 ? 3 : 0,
    borderWidth: 1.5,
    tension: 0.2,
  }));
  // The window: the last five minutes, or since the first point while the page is younger (30 s at least).
  const oldest = Math.min(now, ...lines.map((l) => l.series.t[0] ?? now));
  const xMin = Math.min(-30, Math.max(-300, oldest - now));
  useEffect(() => {
    if (!canvas.current) return;
    chart.current = new Chart(canvas.current, {
      type: 'line',
      data: { datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        scales: {
          x: { type: 'linear', min: xMin, max: 0, title: { display: true, text: 'seconds ago' } },
          y: { beginAtZero: true, ...(max === undefined ? {} : { max }), title: { display: true, text: unit } },
        },
        plugins: { legend: { position: 'bottom' } },
      },
    });
    return () => chart.current?.destroy();
  }, []);
  useEffect(() => {
    if (!chart.current) return;
    chart.current.data.datasets = datasets as never;
    chart.current.options.scales!.x!.min = xMin;
    chart.current.update('none');
  });
  return html`<div class="chart"><canvas ref=${canvas}></canvas></div>`;
}

/** A Prometheus text exposition's samples of one metric family: labels and value. */
function samples(exposition: string, name: string): { labels: string; value: number }[] {
  const out: { labels: string; value: number }[] = [];
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m && m[1] === name) out.push({ labels: m[2] ?? '', value: Number(m[3]) });
  }
  return out;
}

/** The API server's requests per second, mean and 99th-percentile latency, sampled from /metrics. */
export class ApiSampler {
  readonly requests = new Series();
  readonly meanMs = new Series();
  readonly p99Ms = new Series();
  error = '';
  private last: { total: number; sum: number; count: number; buckets: Map<number, number>; at: number } | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly everyMs = 2_000) {}

  start(): this {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.everyMs);
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async sample(): Promise<void> {
    let exposition: string;
    try {
      exposition = await text('/metrics');
      this.error = '';
    } catch (err) {
      this.error = (err as Error).message;
      return;
    }
    const at = Date.now();
    // Latency leaves out watches, which last as long as they are open (as Kubernetes' latency SLI does).
    const short = (labels: string) => !labels.includes('verb="WATCH"');
    const sum = (name: string, only = (_: string) => true) => samples(exposition, name).reduce((n, s) => n + (only(s.labels) ? s.value : 0), 0);
    const buckets = new Map<number, number>();
    for (const s of samples(exposition, 'apiserver_request_duration_seconds_bucket')) {
      if (!short(s.labels)) continue;
      const le = /le="([^"]+)"/.exec(s.labels)?.[1];
      if (le === undefined) continue;
      const bound = le === '+Inf' ? Infinity : Number(le);
      buckets.set(bound, (buckets.get(bound) ?? 0) + s.value);
    }
    const now = { total: sum('apiserver_request_total'), sum: sum('apiserver_request_duration_seconds_sum', short), count: sum('apiserver_request_duration_seconds_count', short), buckets, at };
    const prev = this.last;
    this.last = now;
    if (!prev) return;
    const seconds = (now.at - prev.at) / 1000;
    const count = now.count - prev.count;
    this.requests.set(at, Math.max(0, (now.total - prev.total) / seconds));
    this.meanMs.set(at, count > 0 ? ((now.sum - prev.sum) / count) * 1000 : 0);
    // The 99th percentile of this interval: the first bucket holding 99 % of its requests.
    let p99 = 0;
    if (count > 0) {
      for (const bound of [...now.buckets.keys()].sort((a, b) => a - b)) {
        if ((now.buckets.get(bound) ?? 0) - (prev.buckets.get(bound) ?? 0) >= 0.99 * count) {
          p99 = Number.isFinite(bound) ? bound * 1000 : 0;
          break;
        }
      }
    }
    this.p99Ms.set(at, p99);
  }
}

/**
 * The HTML report of a `helmsman bench` run (`--report FILE`): one self-contained page with the
 * run's header, each scenario's figures against their targets, a cumulative-distribution chart per
 * latency distribution and a line chart per time series.
 *
 * The charts are drawn by Chart.js 4 in the browser. Its UMD build is read from `node_modules` at
 * render time and inlined, so the page opens without network access. Chart.js rather than uPlot or
 * hand-written SVG: its charts come with axis titles, a legend, tooltips and logarithmic scales
 * without code of ours, and the whole chart configuration is built here, typed by Chart.js's own
 * declarations, and handed to the page as JSON; the page's only script of ours is the loop that
 * constructs the charts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import escapeHtml from 'escape-html';
import type { ChartConfiguration, ChartDataset } from 'chart.js';
import type { BenchResults, Distribution, ReportedFigure, ScenarioResult, Series } from './results.js';
import { quantile } from './stats.js';

/** A point as Chart.js draws it without parsing. */
export interface Point {
  x: number;
  y: number;
}

/** How many steps of each axis a cumulative distribution is drawn with (at most twice as many points). */
export const CDF_STEPS = 400;
/** At most this many points are drawn per time series. */
export const SERIES_MAX_POINTS = 1000;
/** The percentiles marked on every distribution. */
export const MARKED_PERCENTILES = [50, 90, 99] as const;

const LINE_COLOR = '#1f6feb';
const PERCENTILE_COLORS: Record<(typeof MARKED_PERCENTILES)[number], string> = { 50: '#2e7d32', 90: '#ef6c00', 99: '#8e24aa' };

/**
 * cdfPoints draws the empirical cumulative distribution of `samples`: `x` a sample value, `y` the
 * percentage of samples at or below it. A sample is kept when the curve has moved by at least
 * 1/`steps` of either axis since the last one kept (on a log axis when `logX`), so a long tail keeps
 * its shape while a dense body is thinned: at most 2 × `steps` + 2 points, whatever the sample count.
 */
export function cdfPoints(samples: readonly number[], logX = false, steps = CDF_STEPS): Point[] {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  if (n === 0) return [];
  const pos = logX ? Math.log : (x: number) => x;
  const rankStep = n / steps;
  const valueStep = (pos(sorted[n - 1]!) - pos(sorted[0]!)) / steps;
  const points: Point[] = [];
  let lastRank = -Infinity;
  let lastPos = -Infinity;
  for (let i = 0; i < n; i++) {
    // Equal samples make one vertical step of the curve: its top is the last of them.
    if (i < n - 1 && sorted[i + 1] === sorted[i]) continue;
    const p = pos(sorted[i]!);
    if (i === n - 1 || i + 1 - lastRank >= rankStep || p - lastPos >= valueStep) {
      points.push({ x: sorted[i]!, y: ((i + 1) / n) * 100 });
      lastRank = i + 1;
      lastPos = p;
    }
  }
  return points;
}

/**
 * decimateSeries thins a time series to at most `maxPoints` points: the series is cut into
 * `maxPoints / 2` runs of consecutive points, and each run keeps its lowest and its highest point, in
 * time order, so spikes (an RSS peak, a stall in throughput) survive the thinning.
 */
export function decimateSeries(series: Pick<Series, 't' | 'v'>, maxPoints = SERIES_MAX_POINTS): Point[] {
  const n = Math.min(series.t.length, series.v.length);
  const at = (i: number): Point => ({ x: series.t[i]!, y: series.v[i]! });
  if (n <= maxPoints) return Array.from({ length: n }, (_, i) => at(i));
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const points: Point[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * n) / buckets);
    const to = Math.floor(((b + 1) * n) / buckets);
    let lo = from;
    let hi = from;
    for (let i = from + 1; i < to; i++) {
      if (series.v[i]! < series.v[lo]!) lo = i;
      if (series.v[i]! > series.v[hi]!) hi = i;
    }
    points.push(at(Math.min(lo, hi)));
    if (lo !== hi) points.push(at(Math.max(lo, hi)));
  }
  return points;
}

/** renderReport renders `results` as one HTML page that needs no network access to be read. */
export function renderReport(results: BenchResults): string {
  const charts = new ChartIds();
  const names = results.scenarios.map((s) => s.scenario).join(', ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`helmsman bench: ${names}`)}</title>
<style>${STYLE}</style>
</head>
<body>
${renderHeader(results)}
<main>
${results.scenarios.map((s, i) => renderScenario(s, i, charts)).join('\n')}
</main>
<script>${chartJsSource()}</script>
<script>${DRAW_CHARTS}</script>
</body>
</html>
`;
}

/** writeReport renders `results` (see `renderReport`) into the file at `path`, creating its folder. */
export async function writeReport(path: string, results: BenchResults): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, renderReport(results));
}

function renderHeader(results: BenchResults): string {
  const m = results.machine;
  const missed = results.scenarios.flatMap((s) => Object.values(s.figures)).filter((f) => verdict(f) === 'missed').length;
  const targets = results.scenarios.flatMap((s) => Object.values(s.figures)).filter((f) => f.target).length;
  return `<header>
<h1>helmsman bench</h1>
<dl class="run">
<dt>Command</dt><dd><code class="command">${escapeHtml(results.command)}</code></dd>
<dt>Started</dt><dd><time datetime="${escapeHtml(results.startedAt)}">${escapeHtml(readableTime(results.startedAt))}</time></dd>
<dt>Machine</dt><dd class="machine">${escapeHtml(`${m.cores} cores · ${m.cpu} · ${formatNumber(m.memoryGiB)} GiB · Node ${m.node} · ${m.platform}`)}</dd>
<dt>Targets</dt><dd class="${missed ? 'missed' : 'met'}">${escapeHtml(`${targets - missed} of ${targets} met${missed ? `, ${missed} missed` : ''}`)}</dd>
</dl>
<nav>${results.scenarios.map((s, i) => `<a href="#scenario-${i}">${escapeHtml(s.scenario)}</a>`).join(' ')}</nav>
</header>`;
}

function renderScenario(s: ScenarioResult, index: number, charts: ChartIds): string {
  const distributions = Object.entries(s.distributions);
  const series = Object.entries(s.series);
  return `<section class="scenario" id="scenario-${index}">
<h2>${escapeHtml(s.scenario)}</h2>
<p class="about">${escapeHtml(`${s.runs} ${s.runs === 1 ? 'run' : 'runs'} · ${formatNumber(s.elapsedSec)} s`)}</p>
${renderFigures(s.figures)}
${(s.notes ?? []).map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('\n')}
${distributions.length ? `<h3>Latency distributions</h3>\n<div class="charts">\n${distributions.map(([name, d]) => renderDistribution(name, d, charts)).join('\n')}\n</div>` : ''}
${series.length ? `<h3>Over time</h3>\n<div class="charts">\n${series.map(([name, sr]) => renderSeries(name, sr, charts)).join('\n')}\n</div>` : ''}
</section>`;
}

function renderFigures(figures: Record<string, ReportedFigure>): string {
  const rows = Object.entries(figures).map(([name, f]) => {
    const v = verdict(f);
    const cells = [
      `<th scope="row">${escapeHtml(name)}</th>`,
      `<td class="num">${escapeHtml(formatNumber(f.median))}</td>`,
      `<td class="num">${escapeHtml(`${formatNumber(f.min)} – ${formatNumber(f.max)}`)}</td>`,
      `<td class="num" title="${escapeHtml(f.runs.map(formatNumber).join(', '))}">${f.runs.length}</td>`,
      `<td>${f.target ? escapeHtml(`${f.target.op === '>=' ? '≥' : '≤'} ${formatNumber(f.target.value)}`) : ''}</td>`,
      `<td>${escapeHtml(f.target?.anchor ?? '')}</td>`,
      `<td class="verdict">${v === 'met' ? '✓ met' : v === 'missed' ? '✗ missed' : ''}</td>`,
    ];
    return `<tr class="${v}">${cells.join('')}</tr>`;
  });
  if (!rows.length) return '<p>No figures.</p>';
  return `<table class="figures">
<thead><tr><th scope="col">figure</th><th scope="col">median</th><th scope="col">min – max</th><th scope="col">runs</th><th scope="col">target</th><th scope="col">compared with</th><th scope="col">verdict</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}

function renderDistribution(name: string, d: Distribution, charts: ChartIds): string {
  if (d.samples.length === 0) return chartFigure('distribution', name, `${name}: no samples`);
  const lo = minOf(d.samples);
  const hi = maxOf(d.samples);
  // A long tail is read on a log axis; a log axis cannot show zero.
  const logX = lo > 0 && hi / lo >= 100;
  const marks = MARKED_PERCENTILES.map((p) => ({ p, value: quantile(d.samples, p / 100) }));
  const datasets: ChartDataset<'scatter', Point[]>[] = [
    {
      label: `${name} (${formatNumber(d.samples.length)} samples)`,
      data: cdfPoints(d.samples, logX),
      showLine: true,
      borderColor: LINE_COLOR,
      backgroundColor: LINE_COLOR,
      borderWidth: 2,
      pointRadius: 0,
    },
    ...marks.map(({ p, value }) => ({
      label: `p${p} = ${formatNumber(value)} ${d.unit}`,
      data: [
        { x: value, y: 0 },
        { x: value, y: p },
      ],
      showLine: true,
      borderColor: PERCENTILE_COLORS[p],
      backgroundColor: PERCENTILE_COLORS[p],
      borderWidth: 1.5,
      borderDash: [5, 4],
      pointRadius: [0, 4],
    })),
  ];
  const config: ChartConfiguration<'scatter', Point[]> = {
    type: 'scatter',
    data: { datasets },
    options: chartOptions(`${name}: cumulative distribution`, {
      x: {
        type: logX ? 'logarithmic' : 'linear',
        title: { display: true, text: `latency (${d.unit})${logX ? ', log scale' : ''}` },
        // Chart.js gives every tick of a log axis the decimals of the smallest one (0.003 … 300.000).
        ticks: { format: { maximumFractionDigits: 3, minimumFractionDigits: 0 } },
      },
      y: { type: 'linear', min: 0, max: 100, title: { display: true, text: 'samples at or below (%)' } },
    }),
  };
  const summary = [
    `${formatNumber(d.samples.length)} samples`,
    ...marks.map(({ p, value }) => `p${p} ${formatNumber(value)} ${d.unit}`),
    `max ${formatNumber(hi)} ${d.unit}`,
  ].join(' · ');
  return chartFigure('distribution', name, summary, charts.next(), config);
}

function renderSeries(name: string, s: Series, charts: ChartIds): string {
  const points = decimateSeries(s);
  if (points.length === 0) return chartFigure('series', name, `${name}: no values`);
  const values = points.map((p) => p.y);
  const config: ChartConfiguration<'scatter', Point[]> = {
    type: 'scatter',
    data: {
      datasets: [
        {
          label: `${name} (${s.unit})`,
          data: points,
          showLine: true,
          borderColor: LINE_COLOR,
          backgroundColor: LINE_COLOR,
          borderWidth: 2,
          pointRadius: points.length > 60 ? 0 : 2,
        },
      ],
    },
    options: chartOptions(name, {
      x: { type: 'linear', title: { display: true, text: 'time (s)' } },
      y: { type: 'linear', title: { display: true, text: `${name} (${s.unit})` } },
    }),
  };
  const n = Math.min(s.t.length, s.v.length);
  const summary = `${formatNumber(n)} values over ${formatNumber(s.t[n - 1]! - s.t[0]!)} s · min ${formatNumber(minOf(values))} · max ${formatNumber(maxOf(values))} · last ${formatNumber(s.v[n - 1]!)} ${s.unit}`;
  return chartFigure('series', name, summary, charts.next(), config);
}

type Scales = NonNullable<NonNullable<ChartConfiguration<'scatter', Point[]>['options']>['scales']>;

function chartOptions(title: string, scales: Scales): NonNullable<ChartConfiguration<'scatter', Point[]>['options']> {
  return {
    // Drawn at once: a report is read, not watched, and a test can read the pixels on load.
    animation: false,
    locale: 'en-US',
    parsing: false,
    normalized: true,
    responsive: true,
    maintainAspectRatio: false,
    scales,
    plugins: { title: { display: true, text: title }, legend: { position: 'bottom' } },
  };
}

/** A chart (or, without `config`, only its caption) in a <figure>; the configuration travels as escaped JSON. */
function chartFigure(kind: 'distribution' | 'series', name: string, summary: string, id?: string, config?: ChartConfiguration<'scatter', Point[]>): string {
  const canvas = id && config
    ? `<div class="plot"><canvas id="${id}" role="img" aria-label="${escapeHtml(summary)}" data-chart="${escapeHtml(JSON.stringify(config))}">${escapeHtml(summary)}</canvas></div>\n`
    : '';
  return `<figure class="chart ${kind}" data-name="${escapeHtml(name)}">
${canvas}<figcaption>${escapeHtml(summary)}</figcaption>
</figure>`;
}

/** Chart ids unique in the page, independent of names (which may hold anything). */
class ChartIds {
  private count = 0;
  next(): string {
    return `chart-${this.count++}`;
  }
}

function verdict(f: ReportedFigure): 'met' | 'missed' | 'untargeted' {
  if (!f.target) return 'untargeted';
  const met = f.met ?? (f.target.op === '>=' ? f.median >= f.target.value : f.median <= f.target.value);
  return met ? 'met' : 'missed';
}

const GROUPED = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const SIGNIFICANT = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 });

/** 20,014,817 · 1,200 · 17.3 · 0.9412: grouped integers from 1,000 up, four significant digits below. */
function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return '—';
  return Math.abs(x) >= 1000 ? GROUPED.format(x) : SIGNIFICANT.format(x);
}

function readableTime(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : at.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

// Math.min(...xs) overflows the stack for hundreds of thousands of samples.
function minOf(xs: readonly number[]): number {
  let m = Infinity;
  for (const x of xs) if (x < m) m = x;
  return m;
}

function maxOf(xs: readonly number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  return m;
}

/** Chart.js's UMD build as script text, read from the installed package (its export map hides dist/). */
function chartJsSource(): string {
  const main = createRequire(import.meta.url).resolve('chart.js');
  const source = readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8');
  return (
    source
      // The map is not inlined, and a browser must not go looking for it.
      .replace(/\/\/# sourceMappingURL=\S+\s*$/, '')
      // `</script` would end the element early; `<\/script` means the same inside a JS string or regex.
      .replace(/<\/(script)/gi, '<\\/$1')
  );
}

/** The page's own script: construct each chart from the configuration its canvas carries. */
const DRAW_CHARTS = `
for (const canvas of document.querySelectorAll('canvas[data-chart]')) {
  new Chart(canvas, JSON.parse(canvas.dataset.chart));
}
`;

const STYLE = `
:root { font: 15px/1.45 system-ui, sans-serif; color: #1b1f24; background: #fff; }
body { margin: 0 auto; padding: 1.5rem; max-width: 1200px; }
h1 { margin: 0 0 .5rem; }
h2 { margin-top: 2.5rem; border-bottom: 1px solid #d0d7de; padding-bottom: .25rem; }
dl.run { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
dl.run dt { font-weight: 600; }
dl.run dd { margin: 0; }
dl.run dd.met, dl.run dd.missed { justify-self: start; padding: 0 .4rem; border-radius: 3px; }
code { font: .9em ui-monospace, monospace; background: #f3f4f6; padding: .1em .3em; border-radius: 3px; overflow-wrap: anywhere; }
nav { margin-top: .6rem; }
nav a { margin-right: .8rem; }
.about { color: #57606a; }
table.figures { border-collapse: collapse; width: 100%; }
table.figures th, table.figures td { padding: .3rem .6rem; border-bottom: 1px solid #d0d7de; text-align: left; vertical-align: top; }
table.figures thead th { background: #f6f8fa; }
table.figures .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.met, dd.met { color: #1a7f37; background: #e6f4ea; }
tr.missed, dd.missed { color: #c62828; background: #fdecea; }
.verdict { font-weight: 600; white-space: nowrap; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 1.5rem; }
figure.chart { margin: 0; }
.plot { position: relative; height: 340px; }
figcaption { font-size: .9em; color: #57606a; margin-top: .3rem; }
`;

import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'puppeteer-core';
import { chromiumTest, launchChromium, watchedPage } from '../browser-helpers.js';
import { cdfPoints, CDF_STEPS, decimateSeries, renderReport, SERIES_MAX_POINTS, writeReport } from '../../bench/report.js';
import type { BenchResults } from '../../bench/results.js';
import { quantile } from '../../bench/stats.js';

/** Deterministic pseudo-random numbers in [0, 1) (a 32-bit LCG), so the fixture is the same every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** Long-tailed latencies around `median` ms: a log-normal by Box–Muller. */
function latencies(count: number, median: number, spread: number, seed: number): number[] {
  const next = random(seed);
  return Array.from({ length: count }, () => {
    const normal = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    return median * Math.exp(spread * normal);
  });
}

const HOSTILE = `<img src="https://example.invalid/x.png" onerror="alert(1)"> & </script>`;

/** Two scenarios, one figure missing its target, two distributions (one long-tailed), two series (one long). */
function fixture(): BenchResults {
  return {
    command: `helmsman bench cluster --report "report.html" ${HOSTILE}`,
    startedAt: '2026-11-27T09:30:00.000Z',
    machine: { cores: 2, cpu: 'AMD EPYC 7B13', memoryGiB: 23.5, node: 'v20.20.2', platform: 'linux-x64' },
    scenarios: [
      {
        scenario: 'cluster',
        runs: 3,
        elapsedSec: 61.2,
        figures: {
          allRunningMs: {
            median: 12435,
            min: 12343,
            max: 13810,
            runs: [12343, 12435, 13810],
            target: { op: '<=', value: 10000, anchor: 'kwok CI floor: 167 pods/s' },
            met: false,
          },
          rssMiB: { median: 1200, min: 1191, max: 1215, runs: [1191, 1200, 1215], target: { op: '<=', value: 2048, anchor: '' }, met: true },
          podsRunningPerSec: { median: 8042, min: 7241, max: 8102, runs: [7241, 8042, 8102] },
        },
        distributions: { podStartupMs: { unit: 'ms', samples: latencies(20_000, 0.94, 1.3, 1) } },
        series: {
          // 5,000 values: more than the report draws, with one spike the thinning must keep.
          rssMiB: {
            unit: 'MiB',
            t: Array.from({ length: 5000 }, (_, i) => i / 100),
            v: Array.from({ length: 5000 }, (_, i) => (i === 3210 ? 1900 : 600 + i / 10)),
          },
        },
      },
      {
        scenario: `api ${HOSTILE}`,
        runs: 3,
        elapsedSec: 42,
        figures: {
          getOneRatio: { median: 0.894, min: 0.84, max: 0.96, runs: [0.84, 0.894, 0.96], target: { op: '>=', value: 0.6, anchor: 'bare Koa' }, met: true },
        },
        distributions: { [`GET ${HOSTILE}`]: { unit: 'ms', samples: Array.from({ length: 3000 }, (_, i) => 2 + (i % 100) / 10) } },
        series: {
          podsRunningPerSec: { unit: 'pods/s', t: Array.from({ length: 30 }, (_, i) => i), v: Array.from({ length: 30 }, (_, i) => 8000 + 50 * Math.sin(i)) },
        },
      },
    ],
  };
}

test('every string from the results is escaped in the page', (t) => {
  const html = renderReport(fixture());
  t.false(html.includes('<img'), 'no markup from the results survives');
  t.false(html.includes('example.invalid/x.png" onerror'), 'no attribute breaks out of its quotes');
  t.is(html.match(/<\/script>/g)?.length, 2, 'only the two scripts of the page close a script element');
  t.true(html.includes('&lt;img src=&quot;https://example.invalid/x.png&quot; onerror=&quot;alert(1)&quot;&gt; &amp; &lt;/script&gt;'));
});

test('the page inlines Chart.js and references no other file', (t) => {
  const html = renderReport(fixture());
  t.regex(html, /Chart\.js v4\./);
  t.notRegex(html, /<(script|img|link|iframe)\b[^>]*\s(src|href)=/i);
  t.notRegex(html, /sourceMappingURL/);
});

test('a cumulative distribution of 100,000 samples is drawn with a bounded number of points, ending at 100 %', (t) => {
  const samples = latencies(100_000, 1, 1.5, 7);
  for (const logX of [false, true]) {
    const points = cdfPoints(samples, logX);
    t.true(points.length <= 2 * CDF_STEPS + 2, `${points.length} points`);
    t.true(points.length >= CDF_STEPS, `${points.length} points`);
    t.deepEqual(points.at(-1), { x: Math.max(...samples), y: 100 });
    t.true(points.every((p, i) => i === 0 || (p.x > points[i - 1]!.x && p.y > points[i - 1]!.y)), 'strictly increasing');
  }
});

test('a cumulative distribution gives each point the share of samples at or below it', (t) => {
  t.deepEqual(cdfPoints([3, 1, 2, 2]), [
    { x: 1, y: 25 },
    { x: 2, y: 75 },
    { x: 3, y: 100 },
  ]);
  t.deepEqual(cdfPoints([]), []);
});

test('a long series is thinned to the cap and keeps its spike', (t) => {
  const rss = fixture().scenarios[0]!.series.rssMiB!;
  const points = decimateSeries(rss);
  t.true(points.length <= SERIES_MAX_POINTS && points.length > SERIES_MAX_POINTS / 2, `${points.length} points`);
  t.true(points.some((p) => p.y === 1900), 'the spike is drawn');
  t.true(points.every((p, i) => i === 0 || p.x > points[i - 1]!.x), 'in time order');
  const short = { t: [0, 1, 2], v: [5, 6, 7] };
  t.deepEqual(decimateSeries(short), [{ x: 0, y: 5 }, { x: 1, y: 6 }, { x: 2, y: 7 }]);
});

/** What the page shows once Chromium has loaded it, read through the DOM and Chart.js. */
interface Shown {
  charts: {
    name: string;
    kind: string;
    drawnPoints: number;
    linePixels: number;
    labels: string[];
    xTitle: string;
    yTitle: string;
    xType: string;
  }[];
  missedRow: { text: string; color: string } | undefined;
  metRows: { text: string; color: string }[];
  header: string;
  command: string;
  headerElements: number;
  captions: string[];
}

let browser: Browser | undefined;
let shown: Promise<{ shown: Shown; consoleErrors: string[]; blocked: string[] }> | undefined;

/** Renders the fixture to a file, opens it with every request that is not file: or data: blocked, and reads it back. */
async function openReport(): Promise<{ shown: Shown; consoleErrors: string[]; blocked: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'helmsman-report-'));
  try {
    const file = join(dir, 'report.html');
    await writeReport(file, fixture());
    browser = await launchChromium();
    const { page, consoleErrors, blocked } = await watchedPage(browser, (url) => /^(file|data):/.test(url));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const read = await page.evaluate((): Shown => {
      // Runs in the page; the project's TypeScript has no DOM library, hence `any`.
      const g = globalThis as any;
      const doc = g.document;
      const row = (tr: any) => ({ text: tr.textContent, color: g.getComputedStyle(tr).color });
      const charts = [...doc.querySelectorAll('canvas')].map((canvas: any) => {
        const chart = g.Chart.getChart(canvas);
        const area = chart.chartArea;
        const k = canvas.width / canvas.clientWidth;
        const [x0, y0] = [Math.floor(area.left * k), Math.floor(area.top * k)];
        const pixels = canvas.getContext('2d').getImageData(x0, y0, Math.ceil(area.right * k) - x0, Math.ceil(area.bottom * k) - y0).data;
        // Pixels inside the plot area in the line's colour (#1f6feb), allowing for antialiasing.
        let linePixels = 0;
        for (let i = 0; i < pixels.length; i += 4) {
          if (pixels[i + 3] > 200 && Math.abs(pixels[i] - 0x1f) < 40 && Math.abs(pixels[i + 1] - 0x6f) < 40 && Math.abs(pixels[i + 2] - 0xeb) < 40) linePixels++;
        }
        const inside = (p: any) => p.x >= area.left - 1 && p.x <= area.right + 1 && p.y >= area.top - 1 && p.y <= area.bottom + 1;
        return {
          name: canvas.closest('figure').dataset.name,
          kind: canvas.closest('figure').classList.contains('distribution') ? 'distribution' : 'series',
          drawnPoints: chart.getDatasetMeta(0).data.filter(inside).length,
          linePixels,
          labels: chart.data.datasets.map((d: any) => d.label),
          xTitle: chart.options.scales.x.title.text,
          yTitle: chart.options.scales.y.title.text,
          xType: chart.scales.x.type,
        };
      });
      return {
        charts,
        missedRow: [...doc.querySelectorAll('table.figures tbody tr')].filter((tr: any) => tr.textContent.includes('allRunningMs')).map(row)[0],
        metRows: [...doc.querySelectorAll('table.figures tbody tr')].filter((tr: any) => /rssMiB|getOneRatio/.test(tr.textContent)).map(row),
        header: doc.querySelector('header').textContent,
        command: doc.querySelector('header code.command').textContent,
        headerElements: doc.querySelectorAll('header img, header script, main img').length,
        captions: [...doc.querySelectorAll('figcaption')].map((c: any) => c.textContent),
      };
    });
    return { shown: read, consoleErrors, blocked };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const inChromium = () => (shown ??= openReport());
test.after.always(async () => {
  await browser?.close();
});

/** [r, g, b] of a computed CSS colour `rgb(r, g, b)`. */
function rgb(color: string): number[] {
  return color.match(/\d+/g)!.slice(0, 3).map(Number);
}

chromiumTest('in Chromium, every distribution and series is drawn as a chart with titled axes', async (t) => {
  const { shown: page } = await inChromium();
  const results = fixture();
  t.is(page.charts.length, 4);
  for (const chart of page.charts) {
    t.true(chart.linePixels > 200, `${chart.name}: ${chart.linePixels} pixels of the line in the plot area`);
    t.truthy(chart.xTitle && chart.yTitle, chart.name);
  }
  const distributions = page.charts.filter((c) => c.kind === 'distribution');
  t.deepEqual(distributions.map((c) => c.name), ['podStartupMs', `GET ${HOSTILE}`]);
  const startup = results.scenarios[0]!.distributions.podStartupMs!.samples;
  // The long tail is drawn on a log axis, the narrow one on a linear axis.
  t.deepEqual(distributions.map((c) => c.xType), ['logarithmic', 'linear']);
  t.is(distributions[0]!.drawnPoints, cdfPoints(startup, true).length);
  t.is(distributions[0]!.xTitle, 'latency (ms), log scale');
  t.is(distributions[0]!.yTitle, 'samples at or below (%)');
  const series = page.charts.filter((c) => c.kind === 'series');
  t.deepEqual(series.map((c) => [c.name, c.xTitle, c.yTitle, c.drawnPoints]), [
    ['rssMiB', 'time (s)', 'rssMiB (MiB)', decimateSeries(results.scenarios[0]!.series.rssMiB!).length],
    ['podsRunningPerSec', 'time (s)', 'podsRunningPerSec (pods/s)', 30],
  ]);
});

chromiumTest('in Chromium, p50, p90 and p99 are marked on each distribution with their exact values', async (t) => {
  const { shown: page } = await inChromium();
  const samples = fixture().scenarios[0]!.distributions.podStartupMs!.samples;
  const [p50, p90, p99] = [0.5, 0.9, 0.99].map((q) => quantile(samples, q));
  const format = (x: number) => new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 }).format(x);
  const startup = page.charts.find((c) => c.name === 'podStartupMs')!;
  t.deepEqual(startup.labels.slice(1), [`p50 = ${format(p50!)} ms`, `p90 = ${format(p90!)} ms`, `p99 = ${format(p99!)} ms`]);
  t.true(page.captions[0]!.includes(`p99 ${format(p99!)} ms`), page.captions[0]);
  t.true(page.charts.every((c) => c.kind === 'series' || c.labels.length === 4));
});

chromiumTest('in Chromium, a missed target is a red row that says missed, met ones are green', async (t) => {
  const { shown: page } = await inChromium();
  const missed = page.missedRow!;
  t.regex(missed.text, /missed/);
  t.regex(missed.text, /≤ 10,000/);
  const [r, g, b] = rgb(missed.color);
  t.true(r! > 150 && g! < 100 && b! < 100, missed.color);
  t.is(page.metRows.length, 2);
  for (const met of page.metRows) {
    t.regex(met.text, /met/);
    t.notRegex(met.text, /missed/);
    const [r, g, b] = rgb(met.color);
    t.true(g! > r! + 40 && g! > b! + 40, met.color);
  }
});

chromiumTest('in Chromium, the header shows the command as written and the machine', async (t) => {
  const { shown: page } = await inChromium();
  t.is(page.command, fixture().command);
  t.is(page.headerElements, 0, 'no element was injected by the strings');
  t.regex(page.header, /2 cores · AMD EPYC 7B13 · 23\.5 GiB · Node v20\.20\.2 · linux-x64/);
  t.regex(page.header, /2026-11-27 09:30:00 UTC/);
  t.regex(page.header, /2 of 3 met, 1 missed/);
});

chromiumTest('in Chromium, the page logs no error and attempts no network request', async (t) => {
  const { consoleErrors, blocked } = await inChromium();
  t.deepEqual(consoleErrors, []);
  t.deepEqual(blocked, []);
});

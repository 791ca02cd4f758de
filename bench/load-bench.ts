/**
 * The `load` benchmark (issue 14): the API under a steady mixed load with authentication and TLS
 * on, as a control plane that remote minions and users reach over a network runs. 2,000 requests/s
 * (mixed.ts: 60 % reads, 30 % writes, 10 % watch starts) for 5 minutes after 30 s of warm-up,
 * against `helmsman`'s default durable store (lmdb), each latency from when the request was due;
 * the server's RSS every second. And what TLS and a token cost, GET of one pod over TLS with a
 * bearer token against plain HTTP without, in the same run: the GETs a second of the server's CPU
 * serves at the same fixed rate (half what plain HTTP does closed loop, so neither leg is
 * saturated), and the closed-loop rates themselves. On two cores the load generator's own TLS
 * competes with the server in a closed loop, so only the first is the server's cost.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Distribution, Series } from './results.js';
import type { ScenarioOptions, ScenarioOutput } from './scenarios.js';
import type { BenchServerConfig } from './server.js';
import { figure, median, type Target } from './stats.js';
import { cpuSeconds, rssMiB } from './proc.js';

const SERVER = fileURLToPath(new URL('./server.js', import.meta.url));
const MIXED = fileURLToPath(new URL('./mixed.js', import.meta.url));
const LOAD = fileURLToPath(new URL('./load.js', import.meta.url));

/** The targets of issue 14. */
export const LOAD_TARGETS: Record<string, Target> = {
  loadP99Ms: { op: '<=', value: 50, anchor: '2,000 requests/s mixed (60 % reads, 30 % writes, 10 % watch starts), TLS + token, lmdb; Kubernetes SLO: p99 ≤ 1 s' },
  loadRssGrowthPct: { op: '<=', value: 10, anchor: 'the server\'s RSS, the last 30 s against the first 30 s of the measured load' },
  tlsAuthCostRatio: { op: '>=', value: 0.8, anchor: 'GET one pod, TLS + bearer token ÷ plain HTTP: GETs per second of the server\'s CPU at the same fixed rate (32 connections, same run)' },
};

interface Served {
  url: string;
  token?: string;
  ca?: string;
  child: ChildProcess;
}

/** Starts the benchmark server in its own process; `stop` ends it. */
async function serve(config: BenchServerConfig): Promise<Served & { stop(): Promise<void> }> {
  const child = spawn(process.execPath, [SERVER, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    child.once('exit', (code) => reject(new Error(`the benchmark server exited (${code})`)));
  });
  const info = JSON.parse(line) as { url: string; token?: string; ca?: string };
  return {
    ...info,
    child,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin!.end();
      await exited;
    },
  };
}


/**
 * GETs of one pod for `seconds` (after a 1 s warm-up), 32 connections: closed loop, or at `rate`
 * a second. The GETs a second, and the GETs per second of the server's CPU (every thread).
 */
async function getRate(server: Served, seconds: number, rate?: number): Promise<{ perSec: number; perCpuSec: number }> {
  const path = '/api/v1/namespaces/default/pods/load-get';
  const headers = server.token ? { authorization: `Bearer ${server.token}` } : {};
  await fetchWith(server, 'POST', '/api/v1/namespaces/default/pods', JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'load-get' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }));
  const run = async (durationSec: number) => {
    const cpu0 = cpuSeconds(server.child.pid!);
    const { stdout } = await promisify(execFile)(process.execPath, [LOAD, JSON.stringify({ url: server.url, path, mode: 'get', connections: 32, durationSec, rate, headers })], { maxBuffer: 1 << 20 });
    const cpu = cpuSeconds(server.child.pid!) - cpu0;
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as { requestsPerSec: number; ok: number; non2xx: number };
    if (result.non2xx > 0) throw new Error(`${result.non2xx} GETs of ${server.url} were refused`);
    return { perSec: result.requestsPerSec, perCpuSec: result.ok / cpu };
  };
  await run(1);
  return run(seconds);
}

/** One request with the server's credentials (node's fetch cannot take a CA: https is spoken with node:https). */
async function fetchWith(server: Served, method: string, path: string, body: string): Promise<void> {
  const request = server.url.startsWith('https:') ? https.request : http.request;
  await new Promise<void>((resolve, reject) => {
    const req = request(server.url + path, { method, ca: server.ca, headers: { 'content-type': 'application/json', ...(server.token ? { authorization: `Bearer ${server.token}` } : {}) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode! < 300 || res.statusCode === 409 ? resolve() : reject(new Error(`${method} ${path}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs the load benchmark. */
export async function benchLoad(opts: ScenarioOptions): Promise<ScenarioOutput & Record<string, unknown>> {
  const rate = opts.rate ?? 2000;
  const durationSec = opts.durationSec ?? Math.max(10, Math.round(300 * opts.scale));
  const warmupSec = Math.max(2, Math.round(30 * opts.scale));
  const window = Math.max(1, Math.min(30, Math.floor(durationSec / 4)));
  const ratioSeconds = Math.max(2, Math.round(4 * opts.scale));
  const runs: Record<string, number[]> = {
    loadP99Ms: [],
    loadP50Ms: [],
    loadRssGrowthPct: [],
    tlsAuthCostRatio: [],
    plainGetsPerCpuSec: [],
    tlsAuthGetsPerCpuSec: [],
    tlsAuthThroughputRatio: [],
    plainGetReqPerSec: [],
    tlsAuthGetReqPerSec: [],
    loadFailed: [],
  };
  const samples: number[] = [];
  let rssSeries: Series = { unit: 'MiB', t: [], v: [] };
  const notes: string[] = [];
  for (let r = 0; r < opts.runs; r++) {
    // What TLS and a token cost: the same GET, alternating plain and secure servers, three pairs;
    // the fixed rate is half what the first plain server served closed loop.
    opts.progress(`run ${r + 1}/${opts.runs}: GET one pod, plain HTTP and TLS + token`);
    const rates = { plain: [] as number[], secure: [] as number[] };
    const perCpu = { plain: [] as number[], secure: [] as number[] };
    let fixedRate: number | undefined;
    for (let pair = 0; pair < 3; pair++) {
      for (const secure of [false, true]) {
        const server = await serve({ store: 'memory', secure });
        const leg = secure ? 'secure' : 'plain';
        try {
          const closed = await getRate(server, ratioSeconds);
          rates[leg].push(closed.perSec);
          fixedRate ??= Math.round(closed.perSec / 2);
          perCpu[leg].push((await getRate(server, ratioSeconds, fixedRate)).perCpuSec);
        } finally {
          await server.stop();
        }
      }
    }
    runs.plainGetReqPerSec!.push(median(rates.plain));
    runs.tlsAuthGetReqPerSec!.push(median(rates.secure));
    runs.tlsAuthThroughputRatio!.push(median(rates.secure) / median(rates.plain));
    runs.plainGetsPerCpuSec!.push(median(perCpu.plain));
    runs.tlsAuthGetsPerCpuSec!.push(median(perCpu.secure));
    runs.tlsAuthCostRatio!.push(median(perCpu.secure) / median(perCpu.plain));

    opts.progress(`run ${r + 1}/${opts.runs}: ${rate.toLocaleString('en-US')} requests/s mixed for ${durationSec} s (after ${warmupSec} s of warm-up), TLS + token, lmdb`);
    const server = await serve({ store: 'lmdb', secure: true });
    try {
      const rss: { t: number; v: number }[] = [];
      const generator = spawn(process.execPath, [MIXED, JSON.stringify({ url: server.url, token: server.token, ca: server.ca, rate, durationSec, warmupSec })], { stdio: ['ignore', 'pipe', 'inherit'] });
      const started = performance.now();
      const sampler = setInterval(() => rss.push({ t: (performance.now() - started) / 1000, v: rssMiB(server.child.pid!) }), 1000);
      let out = '';
      generator.stdout!.on('data', (d) => (out += d));
      const code = await new Promise<number | null>((resolve) => generator.once('exit', resolve));
      clearInterval(sampler);
      if (code !== 0) throw new Error(`the load generator exited with ${code}`);
      const result = JSON.parse(out.trim().split('\n').pop()!) as { latencyP50Ms: number; latencyP99Ms: number; failed: number; codes: Record<string, number>; p99MsByKind: Record<string, number>; samples: number[] };
      runs.loadP99Ms!.push(result.latencyP99Ms);
      runs.loadP50Ms!.push(result.latencyP50Ms);
      runs.loadFailed!.push(result.failed);
      samples.push(...result.samples);
      // The measured window: from the end of the warm-up (the pool's creation takes well under a second).
      const measured = rss.filter((s) => s.t >= warmupSec + 1);
      const mean = (xs: { v: number }[]) => xs.reduce((a, b) => a + b.v, 0) / xs.length;
      const first = mean(measured.slice(0, window));
      const last = mean(measured.slice(-window));
      runs.loadRssGrowthPct!.push(((last - first) / first) * 100);
      rssSeries = { unit: 'MiB', t: measured.map((s) => Math.round((s.t - warmupSec) * 10) / 10), v: measured.map((s) => Math.round(s.v)) };
      notes.push(`run ${r + 1}: p99 by kind (ms) ${Object.entries(result.p99MsByKind).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}; answers ${Object.entries(result.codes).map(([k, n]) => `${k}×${n}`).join(' ')}`);
    } finally {
      await server.stop();
    }
  }
  const figures = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, figure(v)]));
  const distributions: Record<string, Distribution> = { loadLatency: { unit: 'ms', samples } };
  // `--json`'s top-level keys: each figure's median, to hundredths.
  const keys = Object.fromEntries(Object.entries(figures).map(([k, f]) => [k, Math.round(f.median * 100) / 100]));
  return { ...keys, figures, distributions, series: { serverRss: rssSeries }, notes };
}

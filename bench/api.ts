/**
 * The `api` benchmark: the v1beta1 REST API under load from autocannon in a separate process,
 * beside a hello-world Koa app measured in the same run.
 */
import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Koa from 'koa';
import { podJson } from './pod-json.js';
import type { Distribution } from './results.js';
import { figure, median, type Figure, type Target } from './stats.js';

const LOAD = fileURLToPath(new URL('./load.js', import.meta.url));
const PACED = fileURLToPath(new URL('./paced.js', import.meta.url));
const SERVER = fileURLToPath(new URL('./server.js', import.meta.url));
const run = promisify(execFile);

/** Options of the api benchmark. */
export interface ApiBenchOptions {
  runs: number;
  /** Scales durations and the size of the big list (1 = defaults). */
  scale: number;
  progress: (line: string) => void;
}

/** The figures, keyed as `--json` prints them. */
export interface ApiBenchResult {
  getOneReqPerSec: number;
  bareKoaReqPerSec: number;
  getOneRatio: number;
  /** The same pod read through kubectl's API (`/api/v1/namespaces/default/pods/bench-get`). */
  getOneReqPerSecV1: number;
  getOneRatioV1: number;
  createPerSecMemory: number;
  createPerSecLmdb: number;
  list100kPodsMs: number;
  mutatingP99Ms: number;
  mutatingP50Ms: number;
  /** The same paced load on the memory store: what is left without the durable commit. */
  mutatingP99MsMemory: number;
  /** Latency per verb under closed-loop load (32 connections): GET one pod, LIST 100, POST. */
  getP50Ms: number;
  getP99Ms: number;
  listP50Ms: number;
  listP99Ms: number;
  createP50Ms: number;
  createP99Ms: number;
  figures: Record<string, Figure>;
  distributions: Record<string, Distribution>;
}

/** The targets of issue 3, for this 2-core machine. */
export const API_TARGETS: Record<string, Target> = {
  getOneRatio: { op: '>=', value: 0.6, anchor: 'bareKoaReqPerSec (same run)' },
  createPerSecMemory: { op: '>=', value: 5000, anchor: 'etcd: 583 writes/s (1 client), 44k/s (1,000 clients, 8 vCPU)' },
  createPerSecLmdb: { op: '>=', value: 3000, anchor: 'etcd: 583 writes/s (1 client), 44k/s (1,000 clients, 8 vCPU)' },
  list100kPodsMs: { op: '<=', value: 1000, anchor: 'Kubernetes SLO: a cluster-wide LIST p99 ≤ 30 s' },
  mutatingP99Ms: { op: '<=', value: 20, anchor: 'open-loop 1,000 creates/s (lmdb); Kubernetes SLO: p99 ≤ 1 s' },
};

interface LoadResult {
  requestsPerSec: number;
  ok: number;
  non2xx: number;
  errors: number;
  durationSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

async function load(config: Record<string, unknown>): Promise<LoadResult> {
  const { stdout } = await run(process.execPath, [LOAD, JSON.stringify(config)], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as LoadResult;
}

async function pacedLoad(config: Record<string, unknown>): Promise<{ latencyP50Ms: number; latencyP99Ms: number; non2xx: number; errors: number; samples: number[] }> {
  const { stdout } = await run(process.execPath, [PACED, JSON.stringify(config)], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}


/** Runs every figure `runs` times and returns the medians. */
export async function benchApi(opts: ApiBenchOptions): Promise<ApiBenchResult> {
  const seconds = (s: number) => Math.max(1, Math.round(s * opts.scale));
  const listSize = Math.max(1000, Math.round(100_000 * opts.scale));
  const runs: Record<string, number[]> = {
    bareKoaReqPerSec: [],
    getOneReqPerSec: [],
    getOneRatio: [],
    getOneReqPerSecV1: [],
    getOneRatioV1: [],
    createPerSecMemory: [],
    createPerSecLmdb: [],
    list100kPodsMs: [],
    mutatingP50Ms: [],
    mutatingP99Ms: [],
    mutatingP99MsMemory: [],
    getP50Ms: [],
    getP99Ms: [],
    listP50Ms: [],
    listP99Ms: [],
    createP50Ms: [],
    createP99Ms: [],
  };
  const paced: Distribution = { unit: 'ms', samples: [] };
  // Each phase runs its server in a fresh process of its own, as a user runs it: no garbage or
  // threads of another phase (or of this orchestrating process) weigh on its figures.
  const phase = async <T>(config: { store: 'memory' | 'lmdb'; fill?: number }, body: (url: string) => Promise<T>): Promise<T> => {
    const child = spawn(process.execPath, [SERVER, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d) => {
          out += d;
          if (out.includes('\n')) resolve(out.trim());
        });
        child.once('exit', (code) => reject(new Error(`the benchmark server exited (${code})`)));
      });
      return await body(url);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin!.end();
      await exited;
    }
  };
  for (let r = 0; r < opts.runs; r++) {
    opts.progress(`run ${r + 1}/${opts.runs}`);
    // Every measurement follows a 1 s warm-up of the same load (connections, JIT), as the paced one does.
    const warm = async (config: Record<string, unknown>) => {
      await load({ ...config, durationSec: 1, prefix: 'warm' });
      return load(config);
    };
    const bare = await startBareKoa();
    const bareRun = await warm({ url: bare.url, path: '/', mode: 'get', connections: 32, durationSec: seconds(4) }).finally(() => bare.close());
    runs.bareKoaReqPerSec!.push(bareRun.requestsPerSec);
    await phase({ store: 'memory' }, async (url) => {
      await fetch(`${url}/api/v1beta1/pods`, { method: 'POST', body: podJson('bench-get'), headers: { 'content-type': 'application/json' } });
      const getRun = await warm({ url, path: '/api/v1beta1/pods/bench-get', mode: 'get', connections: 32, durationSec: seconds(4) });
      runs.getOneReqPerSec!.push(getRun.requestsPerSec);
      runs.getOneRatio!.push(getRun.requestsPerSec / bareRun.requestsPerSec);
      runs.getP50Ms!.push(getRun.latencyP50Ms);
      runs.getP99Ms!.push(getRun.latencyP99Ms);
      for (let i = 0; i < 100; i++) {
        await fetch(`${url}/api/v1beta1/pods?namespace=listing`, { method: 'POST', body: podJson(`listed-${i}`), headers: { 'content-type': 'application/json' } });
      }
      const listRun = await warm({ url, path: '/api/v1/namespaces/listing/pods', mode: 'get', connections: 32, durationSec: seconds(4) });
      runs.listP50Ms!.push(listRun.latencyP50Ms);
      runs.listP99Ms!.push(listRun.latencyP99Ms);
      const getV1 = await warm({ url, path: '/api/v1/namespaces/default/pods/bench-get', mode: 'get', connections: 32, durationSec: seconds(4) });
      runs.getOneReqPerSecV1!.push(getV1.requestsPerSec);
      runs.getOneRatioV1!.push(getV1.requestsPerSec / bareRun.requestsPerSec);
      const created = await warm({ url, path: '/api/v1beta1/pods', mode: 'create', connections: 32, durationSec: seconds(4) });
      runs.createPerSecMemory!.push(created.ok / created.durationSec);
      runs.createP50Ms!.push(created.latencyP50Ms);
      runs.createP99Ms!.push(created.latencyP99Ms);
    });
    await phase({ store: 'lmdb' }, async (url) => {
      const created = await warm({ url, path: '/api/v1beta1/pods', mode: 'create', connections: 32, durationSec: seconds(4) });
      runs.createPerSecLmdb!.push(created.ok / created.durationSec);
    });
    await phase({ store: 'memory' }, async (url) => {
      const paced = await pacedLoad({ url, path: '/api/v1beta1/pods', durationSec: seconds(8), rate: 1000 });
      runs.mutatingP99MsMemory!.push(paced.latencyP99Ms);
    });
    await phase({ store: 'lmdb' }, async (url) => {
      const run = await pacedLoad({ url, path: '/api/v1beta1/pods', durationSec: seconds(8), rate: 1000 });
      runs.mutatingP50Ms!.push(run.latencyP50Ms);
      runs.mutatingP99Ms!.push(run.latencyP99Ms);
      paced.samples.push(...run.samples);
    });
    opts.progress(`filling a server with ${listSize.toLocaleString('en-US')} pods`);
    await phase({ store: 'memory', fill: listSize }, async (url) => {
      runs.list100kPodsMs!.push(await timeList(url));
    });
  }
  const figures = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, figure(v)]));
  const m = (k: string) => figures[k]!.median;
  return {
    getOneReqPerSec: Math.round(m('getOneReqPerSec')),
    bareKoaReqPerSec: Math.round(m('bareKoaReqPerSec')),
    getOneRatio: Math.round(m('getOneRatio') * 1000) / 1000,
    getOneReqPerSecV1: Math.round(m('getOneReqPerSecV1')),
    getOneRatioV1: Math.round(m('getOneRatioV1') * 1000) / 1000,
    createPerSecMemory: Math.round(m('createPerSecMemory')),
    createPerSecLmdb: Math.round(m('createPerSecLmdb')),
    list100kPodsMs: Math.round(m('list100kPodsMs')),
    mutatingP50Ms: m('mutatingP50Ms'),
    mutatingP99Ms: m('mutatingP99Ms'),
    mutatingP99MsMemory: m('mutatingP99MsMemory'),
    getP50Ms: m('getP50Ms'),
    getP99Ms: m('getP99Ms'),
    listP50Ms: m('listP50Ms'),
    listP99Ms: m('listP99Ms'),
    createP50Ms: m('createP50Ms'),
    createP99Ms: m('createP99Ms'),
    figures,
    distributions: { 'POST pods at 1,000/s (lmdb)': paced },
  };
}

/** A hello-world Koa app: the baseline for a GET through the whole gateway. */
async function startBareKoa(): Promise<{ url: string; close(): Promise<void> }> {
  const app = new Koa();
  app.use((ctx) => {
    ctx.body = { hello: 'world' };
  });
  const server = createServer(app.callback());
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

/**
 * Reads a URL to the end with node:http in its own process and prints the milliseconds it took.
 * (Not fetch: undici's client alone adds about 0.7 s to a 50 MB body here.)
 */
const TIMED_GET = `const t = performance.now(); require('node:http').get(process.argv[1], (r) => { r.on('data', () => {}); r.on('end', () => console.log(performance.now() - t)); });`;

/** The time of a full GET of the pod list, read to the end by another process (median of 3). */
async function timeList(url: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const { stdout } = await run(process.execPath, ['-e', TIMED_GET, `${url}/api/v1beta1/pods`]);
    times.push(Number(stdout));
  }
  return median(times);
}

/**
 * The `api` benchmark: the v1beta1 REST API under load from autocannon in a separate process,
 * beside a hello-world Koa app measured in the same run — and, where an etcd cluster answers
 * (HELMSMAN_ETCD_SERVERS), the same creates on the etcd store beside raw etcd3 puts of the same
 * objects, their latency at a fixed rate, and the watch lag between two control planes.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Koa from 'koa';
import { benchPrefix, deletePrefix, etcdClient, etcdServers, etcdUnavailable } from './etcd.js';
import { podJson } from './pod-json.js';
import type { Distribution } from './results.js';
import type { BenchServerConfig } from './server.js';
import { figure, median, type Figure, type Target } from './stats.js';

const LOAD = fileURLToPath(new URL('./load.js', import.meta.url));
const PACED = fileURLToPath(new URL('./paced.js', import.meta.url));
const SERVER = fileURLToPath(new URL('./server.js', import.meta.url));
const ETCD_PUT = fileURLToPath(new URL('./etcd-put.js', import.meta.url));
const WATCH_LAG = fileURLToPath(new URL('./watch-lag.js', import.meta.url));
const execFileAsync = promisify(execFile);

/** The processes the benchmark has running (servers, load generators): an interrupted run stops them first. */
const children = new Set<ChildProcess>();
function track(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** execFile, promised, with the child tracked. */
function run(file: string, args: string[], options: { maxBuffer?: number } = {}): Promise<{ stdout: string; stderr: string }> {
  const p = execFileAsync(file, args, { ...options, encoding: 'utf8' });
  track(p.child);
  return p;
}

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
  /**
   * The etcd figures (absent when no etcd answers; `notes` says why). Creates/s through the API
   * on the etcd store, as createPerSecMemory.
   */
  createPerSecEtcd?: number;
  /** The etcd3 client's create transactions of the same objects, same concurrency, same run. */
  etcdRawPutPerSec?: number;
  /** createPerSecEtcd / etcdRawPutPerSec, per run. */
  etcdCreateRatio?: number;
  /** Paced 1,000 creates/s on the etcd store, as mutatingP99Ms on lmdb. */
  mutatingP50MsEtcd?: number;
  mutatingP99MsEtcd?: number;
  /** Two API servers on one etcd prefix: creates through A, B's HTTP watch, from A's acknowledgement to the event at B's watcher. */
  watchLagP50MsEtcd?: number;
  watchLagP99MsEtcd?: number;
  /** The same lag from the moment the create was sent (the write's own latency included). */
  watchLagFromSendP99MsEtcd?: number;
  /** Anchors: the etcd3 client's create txns paced at 1,000/s straight to etcd (p99), and an etcd3 watch beside B's (p99 from A's acknowledgement). */
  etcdRawPutP99Ms?: number;
  etcdRawWatchLagP99Ms?: number;
  figures: Record<string, Figure>;
  distributions: Record<string, Distribution>;
  /** Why some figures were not measured. */
  notes?: string[];
}

/** The targets of issue 3, for this 2-core machine. */
export const API_TARGETS: Record<string, Target> = {
  getOneRatio: { op: '>=', value: 0.6, anchor: 'bareKoaReqPerSec (same run)' },
  createPerSecMemory: { op: '>=', value: 5000, anchor: 'etcd: 583 writes/s (1 client), 44k/s (1,000 clients, 8 vCPU)' },
  createPerSecLmdb: { op: '>=', value: 3000, anchor: 'etcd: 583 writes/s (1 client), 44k/s (1,000 clients, 8 vCPU)' },
  list100kPodsMs: { op: '<=', value: 1000, anchor: 'Kubernetes SLO: a cluster-wide LIST p99 ≤ 30 s' },
  mutatingP99Ms: { op: '<=', value: 20, anchor: 'open-loop 1,000 creates/s (lmdb); Kubernetes SLO: p99 ≤ 1 s' },
  etcdCreateRatio: { op: '>=', value: 0.7, anchor: 'etcdRawPutPerSec (etcd3 create txns of the same objects, 32 in flight, same run)' },
  mutatingP99MsEtcd: { op: '<=', value: 50, anchor: 'open-loop 1,000 creates/s (etcd: 3 members on this machine); etcdRawPutP99Ms (same rate, same run)' },
  watchLagP99MsEtcd: { op: '<=', value: 20, anchor: 'A acknowledged the create → ADDED at B\'s HTTP watch, 100 creates/s; etcdRawWatchLagP99Ms (same run)' },
};

/**
 * The paced rate of the watch-lag measurement (creates/s through A): below what this machine's
 * etcd sustains (its raw puts at 1,000/s queue up), so the lag is propagation, not a queue.
 */
const WATCH_LAG_RATE = 100;

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
  const pacedEtcd: Distribution = { unit: 'ms', samples: [] };
  const watchLag: Distribution = { unit: 'ms', samples: [] };
  const notes: string[] = [];
  // The etcd figures, where a cluster answers: skipped with the reason otherwise, never a failure.
  const servers = etcdServers();
  const etcdWhy = await etcdUnavailable(servers);
  const etcdRuns: Record<string, number[]> = {
    createPerSecEtcd: [],
    etcdRawPutPerSec: [],
    etcdCreateRatio: [],
    mutatingP50MsEtcd: [],
    mutatingP99MsEtcd: [],
    watchLagP50MsEtcd: [],
    watchLagP99MsEtcd: [],
    watchLagFromSendP99MsEtcd: [],
    etcdRawPutP99Ms: [],
    etcdRawWatchLagP99Ms: [],
  };
  let etcd = etcdWhy ? undefined : await etcdClient(servers);
  if (etcdWhy) {
    notes.push(`etcd figures skipped: ${etcdWhy}`);
    opts.progress(notes.at(-1)!);
  }
  /** The stored value of one pod the registry created on etcd (and its name), for the raw baseline. */
  let stored: { name: string; value: string } | undefined;
  /** Runs `body` against a fresh etcd prefix and deletes the prefix afterwards. */
  const onPrefix = async <T>(body: (prefix: string) => Promise<T>): Promise<T> => {
    const prefix = benchPrefix();
    inUse.add(prefix);
    try {
      return await body(prefix);
    } finally {
      await deletePrefix(etcd!, prefix);
      inUse.delete(prefix);
    }
  };
  // Interrupted (Ctrl-C, kill), the run stops its servers and load generators, then deletes the
  // prefixes they were writing under.
  const inUse = new Set<string>();
  const interrupted = async (signal: NodeJS.Signals): Promise<void> => {
    const client = etcd;
    await Promise.all(
      [...children].map((child) => {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        return exited;
      }),
    );
    await Promise.allSettled([...inUse].map((prefix) => client && deletePrefix(client, prefix)));
    // Then whatever else listened (listr2 restores the terminal and exits), or the signal's exit.
    const others = displaced.get(signal) ?? [];
    for (const listener of others) listener(signal);
    if (others.length === 0) process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  // Those listeners run after the cleanup, not beside it: listr2's SIGINT listener exits at once.
  const displaced = new Map<NodeJS.Signals, NodeJS.SignalsListener[]>();
  if (etcd) {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      displaced.set(signal, process.listeners(signal));
      process.removeAllListeners(signal);
      process.once(signal, interrupted);
    }
  }
  const etcdServer = (prefix: string): BenchServerConfig => ({ store: 'etcd', etcd: { servers, prefix } });
  /**
   * Creates through the API on etcd around raw etcd3 puts (API, raw, API, with the same seconds of
   * each, the server up and idle while the raw puts run): this machine's etcd changes speed within
   * seconds, and a drift then weighs on both sides alike. Creates/s and raw puts/s.
   */
  const createsBesideRaw = (warm: (config: Record<string, unknown>) => Promise<LoadResult>) =>
    onPrefix((prefix) =>
      phase(etcdServer(prefix), async (url) => {
        const config = { url, path: '/api/v1beta1/pods', mode: 'create', connections: 32 };
        const before = await warm({ ...config, durationSec: seconds(2) });
        if (!stored) {
          // The registry's own encoding, as it went to etcd: the internal pod object's JSON.
          const kv = (await etcd!.getAll().prefix(`${prefix}/pods/default/`).limit(1).exec()).kvs[0];
          if (!kv) throw new Error(`no create succeeded on the etcd store (${before.non2xx} non-2xx, ${before.errors} errors)`);
          stored = { name: kv.key.toString().split('/').pop()!, value: kv.value.toString() };
        }
        const raw = await rawPuts<{ putsPerSec: number }>();
        const after = await load({ ...config, durationSec: seconds(2), prefix: 'after' });
        if (before.ok + after.ok === 0) throw new Error(`no create succeeded on the etcd store (${before.non2xx + after.non2xx} non-2xx, ${before.errors + after.errors} errors)`);
        return { created: (before.ok + after.ok) / (before.durationSec + after.durationSec), raw: raw.putsPerSec };
      }),
    );
  /** The etcd3 client's create transactions of the stored value straight to etcd: closed loop at 32 in flight, or paced at `rate`. */
  const rawPuts = <T>(rate?: number) =>
    onPrefix(async (prefix) => {
      const config = { servers, prefix, ...stored!, connections: 32, durationSec: seconds(rate ? 8 : 4), rate };
      const { stdout } = await run(process.execPath, [ETCD_PUT, JSON.stringify(config)], { maxBuffer: 1 << 20 });
      const result = JSON.parse(stdout.trim().split('\n').pop()!) as { ok: number; failed: number; errors: number };
      if (result.ok === 0) throw new Error(`no raw etcd put succeeded (${result.failed} failed compares, ${result.errors} errors)`);
      return result as T;
    });
  const pacedOnEtcd = () =>
    onPrefix((prefix) => phase(etcdServer(prefix), (url) => pacedLoad({ url, path: '/api/v1beta1/pods', durationSec: seconds(8), rate: 1000 })));
  /** One run's etcd figures. */
  const measureEtcd = async (r: number, warm: (config: Record<string, unknown>) => Promise<LoadResult>): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    // The paced raw baseline first every other run, so neither side always meets the etcd the
    // other left (its database grows, and the disk's flushes lag behind a burst).
    const rawFirst = r % 2 === 1;
    const pair = async <A, B>(api: () => Promise<A>, raw: () => Promise<B>): Promise<[A, B]> => {
      if (!rawFirst) {
        const a = await api();
        return [a, await raw()];
      }
      const b = await raw();
      return [await api(), b];
    };
    opts.progress(`run ${r + 1}/${opts.runs}: creates on etcd, and raw etcd3 puts`);
    const { created, raw } = await createsBesideRaw(warm);
    out.createPerSecEtcd = created;
    out.etcdRawPutPerSec = raw;
    out.etcdCreateRatio = created / raw;
    opts.progress(`run ${r + 1}/${opts.runs}: 1,000 creates/s on etcd, and 1,000 raw etcd3 puts/s`);
    const [paced, rawPaced] = await pair(pacedOnEtcd, () => rawPuts<{ latencyP50Ms: number; latencyP99Ms: number }>(1000));
    out.mutatingP50MsEtcd = paced.latencyP50Ms;
    out.mutatingP99MsEtcd = paced.latencyP99Ms;
    pacedEtcd.samples.push(...paced.samples);
    out.etcdRawPutP99Ms = rawPaced.latencyP99Ms;
    opts.progress(`run ${r + 1}/${opts.runs}: watch lag between two API servers on etcd`);
    await onPrefix((prefix) =>
      // Two control planes, each its own process and actor system, on one etcd prefix.
      phase(etcdServer(prefix), (writeUrl) =>
        phase(etcdServer(prefix), async (watchUrl) => {
          const config = { writeUrl, watchUrl, rate: WATCH_LAG_RATE, durationSec: seconds(8), etcd: { servers, prefix } };
          const { stdout } = await run(process.execPath, [WATCH_LAG, JSON.stringify(config)], { maxBuffer: 16 << 20 });
          const result = JSON.parse(stdout.trim().split('\n').pop()!) as {
            events: number;
            missing: number;
            lagFromAckP50Ms: number;
            lagFromAckP99Ms: number;
            lagFromSendP99Ms: number;
            rawLagFromAckP99Ms: number;
            samplesFromAck: number[];
          };
          if (result.events === 0) throw new Error('the watch on B saw none of the creates through A');
          if (result.missing > 0) throw new Error(`the watch on B missed ${result.missing} of the creates through A`);
          out.watchLagP50MsEtcd = result.lagFromAckP50Ms;
          out.watchLagP99MsEtcd = result.lagFromAckP99Ms;
          out.watchLagFromSendP99MsEtcd = result.lagFromSendP99Ms;
          out.etcdRawWatchLagP99Ms = result.rawLagFromAckP99Ms;
          watchLag.samples.push(...result.samplesFromAck);
        }),
      ),
    );
    return out;
  };
  // Each phase runs its server in a fresh process of its own, as a user runs it: no garbage or
  // threads of another phase (or of this orchestrating process) weigh on its figures.
  const phase = async <T>(config: BenchServerConfig, body: (url: string) => Promise<T>): Promise<T> => {
    const child = spawn(process.execPath, [SERVER, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'inherit'] });
    track(child);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d) => {
          out += d;
          if (out.includes('\n')) resolve((JSON.parse(out.trim()) as { url: string }).url);
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
    if (etcd) {
      try {
        for (const [k, v] of Object.entries(await measureEtcd(r, warm))) etcdRuns[k]!.push(v);
      } catch (err) {
        // etcd went away during the run: the other figures stand, these are dropped. Any other failure is the benchmark's.
        const why = await etcdUnavailable(servers);
        if (!why) throw err;
        notes.push(`etcd figures skipped: etcd stopped answering in run ${r + 1} (${why}; ${(err as Error).message})`);
        opts.progress(notes.at(-1)!);
        etcd.close();
        etcd = undefined;
      }
    }
    opts.progress(`filling a server with ${listSize.toLocaleString('en-US')} pods`);
    await phase({ store: 'memory', fill: listSize }, async (url) => {
      runs.list100kPodsMs!.push(await timeList(url));
    });
  }
  for (const [signal, listeners] of displaced) {
    process.off(signal, interrupted);
    for (const listener of listeners) process.on(signal, listener);
  }
  etcd?.close();
  if (etcd) Object.assign(runs, etcdRuns);
  const figures = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, figure(v)]));
  const m = (k: string) => figures[k]!.median;
  const etcdFigures = etcd
    ? {
        createPerSecEtcd: Math.round(m('createPerSecEtcd')),
        etcdRawPutPerSec: Math.round(m('etcdRawPutPerSec')),
        etcdCreateRatio: Math.round(m('etcdCreateRatio') * 1000) / 1000,
        mutatingP50MsEtcd: m('mutatingP50MsEtcd'),
        mutatingP99MsEtcd: m('mutatingP99MsEtcd'),
        watchLagP50MsEtcd: Math.round(m('watchLagP50MsEtcd') * 100) / 100,
        watchLagP99MsEtcd: Math.round(m('watchLagP99MsEtcd') * 100) / 100,
        watchLagFromSendP99MsEtcd: Math.round(m('watchLagFromSendP99MsEtcd') * 100) / 100,
        etcdRawPutP99Ms: Math.round(m('etcdRawPutP99Ms') * 100) / 100,
        etcdRawWatchLagP99Ms: Math.round(m('etcdRawWatchLagP99Ms') * 100) / 100,
      }
    : {};
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
    ...etcdFigures,
    figures,
    distributions: {
      'POST pods at 1,000/s (lmdb)': paced,
      ...(etcd ? { 'POST pods at 1,000/s (etcd)': pacedEtcd, 'watch lag A → B from the acknowledgement, 100 creates/s (etcd)': watchLag } : {}),
    },
    ...(notes.length ? { notes } : {}),
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

/**
 * The load benchmark's generator, run as its own process: `node mixed.js '<json config>'` sends a
 * mix of requests at a fixed rate, open loop (each leaves on schedule whether or not earlier ones
 * were answered), over keep-alive connections, with TLS and a bearer token when given: 60 % reads
 * (45 % GET of one pod, 15 % LIST of a labelled set), 30 % writes (creates, deletes of what it
 * created, PUTs and merge PATCHes of a pool of pods), 10 % watch starts (a watch of a few pods,
 * timed to its headers, that ends itself after a second). Prints one JSON line.
 */
import http from 'node:http';
import https from 'node:https';
import { paceRequests } from './pacer.js';

interface MixedConfig {
  url: string;
  token?: string;
  /** PEM of the CA that signed the server's certificate. */
  ca?: string;
  rate: number;
  durationSec: number;
  warmupSec: number;
}

type Kind = 'get' | 'list' | 'create' | 'delete' | 'update' | 'patch' | 'watch';
/** One round of the mix, 40 requests: 18 get, 6 list, 3 each of create, delete, update, patch, 4 watch. */
const ROUND: Kind[] = (() => {
  const counts: [Kind, number][] = [['get', 18], ['list', 6], ['create', 3], ['delete', 3], ['update', 3], ['patch', 3], ['watch', 4]];
  const round: Kind[] = [];
  // Interleaved, so that any second holds the same mix.
  for (let i = 0; round.length < 40; i++) for (const [kind, n] of counts) if (i < n) round.push(kind);
  return round;
})();
const POOL = 200;
const SLOTS = 20;

const config = JSON.parse(process.argv[2]!) as MixedConfig;
const base = new URL(config.url);
const secure = base.protocol === 'https:';
const agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 256, ca: config.ca }) : new http.Agent({ keepAlive: true, maxSockets: 256 });
const auth: Record<string, string> = config.token ? { authorization: `Bearer ${config.token}` } : {};
const PODS = '/api/v1/namespaces/default/pods';

function pod(name: string, labels: Record<string, string>): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
}

/**
 * One request; resolves with its status code (0: the connection failed) once the answer (or, for a
 * watch, its headers) is in. A kept-alive connection the server closed just as the request went
 * out is tried once more on a fresh one, as Node's documentation of `reusedSocket` advises.
 */
function send(method: string, path: string, body?: string, type = 'application/json', headersOnly = false, retried = false): Promise<number> {
  return new Promise((resolve) => {
    const req = (secure ? https : http).request(
      { hostname: base.hostname, port: base.port, path, method, agent, headers: { ...auth, ...(body === undefined ? {} : { 'content-type': type }) } },
      (res) => {
        if (headersOnly) {
          resolve(res.statusCode!);
          res.resume();
          return;
        }
        res.on('data', () => {});
        res.on('end', () => resolve(res.statusCode!));
      },
    );
    req.on('error', (err: Error & { code?: string }) => {
      if (req.reusedSocket && err.code === 'ECONNRESET' && !retried) resolve(send(method, path, body, type, headersOnly, true));
      else resolve(0);
    });
    req.end(body);
  });
}

let seq = 0;
const created: string[] = [];
let createdHead = 0;

function request(kind: Kind, i: number): Promise<number> {
  const poolPod = `load-pool-${i % POOL}`;
  switch (kind) {
    case 'get':
      return send('GET', `${PODS}/${poolPod}`);
    case 'list':
      return send('GET', `${PODS}?labelSelector=${encodeURIComponent(`app=load,slot=s${i % SLOTS}`)}`);
    case 'create': {
      const name = `load-${process.pid}-${seq++}`;
      created.push(name);
      return send('POST', PODS, pod(name, { app: 'churn' }));
    }
    case 'delete': {
      // What was created a while ago; before anything was, a pod that is not there (a 404).
      const name = createdHead < created.length - 10 ? created[createdHead++]! : 'load-none';
      return send('DELETE', `${PODS}/${name}`);
    }
    case 'update':
      return send('PUT', `${PODS}/${poolPod}`, pod(poolPod, { app: 'load', slot: `s${(i % POOL) % SLOTS}`, turn: String(i % 7) }));
    case 'patch':
      return send('PATCH', `${PODS}/${poolPod}`, JSON.stringify({ metadata: { annotations: { seen: String(i) } } }), 'application/merge-patch+json');
    case 'watch':
      return send('GET', `${PODS}?watch=true&timeoutSeconds=1&labelSelector=${encodeURIComponent(`app=load,slot=s${i % SLOTS}`)}`, undefined, undefined, true);
  }
}

const latencies: Record<Kind, number[]> = { get: [], list: [], create: [], delete: [], update: [], patch: [], watch: [] };
const codes = new Map<string, number>();
/** The latencies of the measured requests by the second they were due in, for the p99 of each second. */
const bySecond: number[][] = [];
let measuredFrom = 0;

/** Sends the mix at `rate` for `seconds`, timing each request from when it was due. */
function pace(seconds: number, record: boolean): Promise<number> {
  return paceRequests(config.rate, seconds, (i, dueAt) => {
    const kind = ROUND[i % ROUND.length]!;
    return request(kind, i).then((code) => {
      if (!record) return;
      const latency = performance.now() - dueAt;
      latencies[kind].push(latency);
      (bySecond[Math.floor((dueAt - measuredFrom) / 1000)] ??= []).push(latency);
      const key = `${kind} ${code}`;
      codes.set(key, (codes.get(key) ?? 0) + 1);
    });
  });
}

// The pool the reads, updates and patches use.
await Promise.all(Array.from({ length: POOL }, (_, i) => send('POST', PODS, pod(`load-pool-${i}`, { app: 'load', slot: `s${i % SLOTS}` }))));
await pace(config.warmupSec, false);
measuredFrom = performance.now();
const sent = await pace(config.durationSec, true);
agent.destroy();
const all = Object.values(latencies).flat().sort((a, b) => a - b);
const at = (values: number[], q: number) => values[Math.min(values.length - 1, Math.max(0, Math.ceil(q * values.length) - 1))] ?? NaN;
const byKind = Object.fromEntries(Object.entries(latencies).map(([k, v]) => [k, at(v.sort((a, b) => a - b), 0.99)]));
const failed = [...codes].filter(([key]) => / (0|5\d\d)$/.test(key)).reduce((n, [, c]) => n + c, 0);
process.stdout.write(
  JSON.stringify({
    sent,
    failed,
    codes: Object.fromEntries(codes),
    latencyP50Ms: at(all, 0.5),
    latencyP99Ms: at(all, 0.99),
    p99MsByKind: byKind,
    // When in the run the tail happened: each second's p99.
    p99MsBySecond: Array.from(bySecond, (v) => (v ? Math.round(at(v.sort((a, b) => a - b), 0.99) * 10) / 10 : null)),
    // Every 10th, for the report's distribution.
    samples: all.filter((_, i) => i % 10 === 0).map((x) => Math.round(x * 100) / 100),
  }) + '\n',
);

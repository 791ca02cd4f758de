/**
 * The `proxy` benchmark: HTTP requests through a minion's service proxy against the same requests
 * straight to the pod, in the same run. A cluster on the process runtime with one pod (a small Node
 * HTTP server) behind a service; autocannon (bench/load.ts) in a process of its own drives both.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Cluster } from '../src/cluster/cluster.js';
import { figure, type Figure, type Target } from './stats.js';

const LOAD = fileURLToPath(new URL('./load.js', import.meta.url));
const run = promisify(execFile);

/** The target of issue 5. */
export const PROXY_TARGETS: Record<string, Target> = {
  proxyRatio: { op: '>=', value: 0.7, anchor: 'directReqPerSec (same server, same run)' },
};

const SERVER = "require('node:http').createServer((q, r) => r.end('ok')).listen(+process.env.PORT, process.env.POD_IP)";

async function load(url: string, seconds: number): Promise<number> {
  const config = { url, path: '/', mode: 'get', connections: 16, durationSec: seconds };
  const { stdout } = await run(process.execPath, [LOAD, JSON.stringify(config)], { maxBuffer: 1 << 20 });
  return (JSON.parse(stdout.trim().split('\n').pop()!) as { requestsPerSec: number }).requestsPerSec;
}

export interface ProxyBenchResult {
  directReqPerSec: number;
  proxyReqPerSec: number;
  proxyRatio: number;
  figures: Record<string, Figure>;
}

/** Runs `runs` pairs of measurements (direct, then through the proxy) and returns the medians. */
export async function benchProxy(opts: { runs: number; scale: number; progress: (line: string) => void }): Promise<ProxyBenchResult> {
  opts.progress('proxy: starting a cluster (process runtime) with one pod behind a service');
  const cluster = await Cluster.start({ minions: 1, shards: 1, runtime: 'process' });
  try {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    await cluster.client.create('services', { id: 'bench', kind: 'Service', apiVersion: 'v1beta1', port, containerPort: 8080, selector: { app: 'bench' } });
    await cluster.client.create('pods', {
      id: 'bench',
      kind: 'Pod',
      apiVersion: 'v1beta1',
      labels: { app: 'bench' },
      desiredState: { manifest: { version: 'v1beta1', id: 'bench', containers: [{ name: 'web', image: 'node', command: [process.execPath, '-e', SERVER], ports: [{ containerPort: 8080 }] }] } },
    });
    const [endpoints] = await cluster.client.waitFor('endpoints', {}, ([e]) => e?.endpoints.length === 1);
    const pod = endpoints!.endpoints[0]!;
    const minion = await cluster.client.get('nodes', 'minion-1', '');
    const direct = `http://${pod.ip}:${pod.port}`;
    const proxied = `http://${minion.status.hostIP}:${port}`;
    const up = () => fetch(`${proxied}/`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
    for (let i = 0; i < 100 && !(await up()); i++) await new Promise((r) => setTimeout(r, 50));
    opts.progress(`proxy: ${proxied} → ${direct}`);
    const seconds = Math.max(1, Math.round(4 * opts.scale));
    const runs: Record<string, number[]> = { directReqPerSec: [], proxyReqPerSec: [], proxyRatio: [] };
    await load(direct, 1); // warm-up
    await load(proxied, 1);
    for (let r = 0; r < opts.runs; r++) {
      opts.progress(`proxy: run ${r + 1}/${opts.runs}`);
      const d = await load(direct, seconds);
      const p = await load(proxied, seconds);
      runs.directReqPerSec!.push(d);
      runs.proxyReqPerSec!.push(p);
      runs.proxyRatio!.push(p / d);
    }
    const figures = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, figure(v)]));
    return {
      directReqPerSec: Math.round(figures.directReqPerSec!.median),
      proxyReqPerSec: Math.round(figures.proxyReqPerSec!.median),
      proxyRatio: Math.round(figures.proxyRatio!.median * 1000) / 1000,
      figures,
    };
  } finally {
    await cluster.stop();
  }
}

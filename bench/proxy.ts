/**
 * The `proxy` benchmark: HTTP requests through a minion's service proxy against the same requests
 * straight to the pod, in the same run. A cluster on the process runtime with one pod (a small Node
 * HTTP server) behind a service; autocannon (bench/load.ts) in a process of its own drives both.
 * `proxyRatio` is for the mode a cluster picks by default (iptables where it can be used); the
 * user-space relay is measured beside it (`userspaceProxyRatio`) when the default is not it.
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
  /** The proxy mode `proxyReqPerSec` was measured with (the default a cluster picks here). */
  proxyMode: string;
  directReqPerSec: number;
  proxyReqPerSec: number;
  proxyRatio: number;
  /** The user-space relay, when the default mode is another. */
  userspaceProxyReqPerSec?: number;
  userspaceProxyRatio?: number;
  figures: Record<string, Figure>;
}

/** A cluster with one pod behind a service; resolves with the URLs of the pod and of the service. */
async function servedPod(proxyMode: 'auto' | 'userspace'): Promise<{ cluster: Cluster; direct: string; proxied: string }> {
  const cluster = await Cluster.start({ minions: 1, shards: 1, runtime: 'process', proxyMode });
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
  await load(direct, 1); // warm-up
  await load(proxied, 1);
  return { cluster, direct, proxied };
}

/** Runs `runs` rounds (direct, then through each proxy) and returns the medians. */
export async function benchProxy(opts: { runs: number; scale: number; progress: (line: string) => void }): Promise<ProxyBenchResult> {
  opts.progress('starting a cluster (process runtime) with one pod behind a service');
  const main = await servedPod('auto');
  let relay: Awaited<ReturnType<typeof servedPod>> | undefined;
  try {
    opts.progress(`${main.proxied} → ${main.direct} (${main.cluster.proxyMode})`);
    if (main.cluster.proxyMode !== 'userspace') {
      relay = await servedPod('userspace');
      opts.progress(`${relay.proxied} → ${relay.direct} (userspace)`);
    }
    const seconds = Math.max(1, Math.round(4 * opts.scale));
    const runs: Record<string, number[]> = { directReqPerSec: [], proxyReqPerSec: [], proxyRatio: [] };
    if (relay) Object.assign(runs, { userspaceProxyReqPerSec: [], userspaceProxyRatio: [] });
    for (let r = 0; r < opts.runs; r++) {
      opts.progress(`run ${r + 1}/${opts.runs}`);
      const d = await load(main.direct, seconds);
      const p = await load(main.proxied, seconds);
      runs.directReqPerSec!.push(d);
      runs.proxyReqPerSec!.push(p);
      runs.proxyRatio!.push(p / d);
      if (relay) {
        const u = await load(relay.proxied, seconds);
        runs.userspaceProxyReqPerSec!.push(u);
        runs.userspaceProxyRatio!.push(u / d);
      }
    }
    const figures = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, figure(v)]));
    const median = (key: string, digits = 0) => Math.round(figures[key]!.median * 10 ** digits) / 10 ** digits;
    return {
      proxyMode: main.cluster.proxyMode,
      directReqPerSec: median('directReqPerSec'),
      proxyReqPerSec: median('proxyReqPerSec'),
      proxyRatio: median('proxyRatio', 3),
      ...(relay ? { userspaceProxyReqPerSec: median('userspaceProxyReqPerSec'), userspaceProxyRatio: median('userspaceProxyRatio', 3) } : {}),
      figures,
    };
  } finally {
    await Promise.all([main.cluster.stop(), relay?.cluster.stop()]);
  }
}

/**
 * The `remote` benchmark (issue 15): a control plane (`helmsman up`, TLS, memory store) and N
 * hollow minions (`helmsman minion --hollow N`, kubemark's idea: the code of a real agent — its own
 * registration, watches over HTTPS and Lease — on simulated containers), each a process of its
 * own, as users run them. Measured, through the API with the admin kubeconfig:
 * - `remoteMinionsReadyMs`: the hollow process started → every minion Ready;
 * - `controlPlaneCpuPerIdleMinion`: the control plane's CPU seconds per second over 10 s of quiet,
 *   per minion (heartbeats: a Lease renewed every 10 s each); `hollowMiBPerMinion`: the hollow
 *   process's RSS per minion;
 * - `remoteAllRunningMs`: pods ÷ 100 replication controllers of 100 created → every pod Running,
 *   seen by a watch;
 * - `remotePodStartupP99Ms`: bare pods created at 100 a second for 30 s (each deleted 3 s later),
 *   creation sent → Running seen by the watch.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiClient } from '../src/agent/api-client.js';
import { readKubeconfig } from '../src/cli/credentials.js';
import { paceRequests } from './pacer.js';
import type { ScenarioOptions, ScenarioOutput } from './scenarios.js';
import { figure, type Target } from './stats.js';
import { cpuSeconds, rssMiB } from './proc.js';

const HELMSMAN = fileURLToPath(new URL('../src/cli/helmsman.js', import.meta.url));

/** The targets of issue 15. */
export const REMOTE_TARGETS: Record<string, Target> = {
  remoteAllRunningMs: { op: '<=', value: 30_000, anchor: '30,000 pods (300 controllers × 100) created through the API on 1,000 hollow minions → all Running, seen by a watch' },
  remotePodStartupP99Ms: { op: '<=', value: 1000, anchor: 'bare pods at 100/s on the hollow minions, creation → Running; Kubernetes\' SLO: 5,000 ms' },
  hollowMiBPerMinion: { op: '<=', value: 2, anchor: 'the hollow process\'s RSS ÷ minions; kubemark needs ~100 MiB per hollow node' },
};

/** A child process and what it printed. */
interface Child {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function run(args: string[], ready: RegExp, what: string): Promise<Child & { match: RegExpExecArray }> {
  const child = spawn(process.execPath, [HELMSMAN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const look = (d: Buffer): void => {
      out += d;
      const match = ready.exec(out);
      if (!match) return;
      child.stdout!.off('data', look);
      child.stdout!.on('data', (more) => (out += more));
      resolve({ child, match, output: () => out, stop: async () => void (child.exitCode === null && child.kill('SIGKILL'), await exited) });
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', (d) => (out += d));
    void exited.then(() => reject(new Error(`${what} exited: ${out}`)));
  });
}



/** A watch of a collection from now on, calling `onEvent` for each change until `close`. */
async function watchFrom(api: ApiClient, path: string, onEvent: (type: string, object: any) => void): Promise<{ close(): void }> {
  const listed = await api.request<{ metadata: { resourceVersion: string } }>('GET', `${path}?limit=1`);
  if (!listed.ok) throw new Error(`listing ${path}: ${listed.error.message}`);
  const abort = new AbortController();
  const query = new URLSearchParams({ watch: 'true', resourceVersion: listed.body.metadata.resourceVersion, timeoutSeconds: '3600' });
  void api.stream(`${path}?${query}`, abort.signal, (line) => {
    const event = JSON.parse(line) as { type: string; object: unknown };
    onEvent(event.type, event.object);
  }).catch(() => {});
  return { close: () => abort.abort() };
}

function waitUntil(check: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (check()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`timed out: ${what()}`));
      }
    }, 20);
  });
}

const POD_SPEC = { containers: [{ name: 'c', image: 'busybox' }] };

/** A POST, tried again after a 429 (after its Retry-After), as client-go does; resolves with the last outcome. */
async function postRetrying(api: ApiClient, path: string, body: unknown): Promise<Awaited<ReturnType<ApiClient['request']>>> {
  for (let attempt = 1; ; attempt++) {
    const result = await api.request('POST', path, body);
    if (result.ok || result.error.code !== 429 || attempt >= 10) return result;
    await new Promise((resolve) => setTimeout(resolve, (result.error.retryAfterSeconds ?? 1) * 1000));
  }
}

/** Runs the remote benchmark `runs` times. */
export async function benchRemote(opts: ScenarioOptions): Promise<ScenarioOutput & Record<string, unknown>> {
  const minions = opts.minions ?? Math.max(10, Math.round(1000 * opts.scale));
  const pods = opts.pods ?? Math.max(100, Math.round(30_000 * opts.scale));
  const controllers = Math.max(1, Math.round(pods / 100));
  const churnSec = opts.durationSec ?? Math.max(5, Math.round(30 * Math.min(1, opts.scale * 4)));
  const churnRate = opts.rate ?? 100;
  const runs: Record<string, number[]> = { remoteMinionsReadyMs: [], remoteAllRunningMs: [], remotePodStartupP99Ms: [], hollowMiBPerMinion: [], controlPlaneCpuPerIdleMinion: [], controlPlaneRssMiB: [] };
  const notes: string[] = [];
  for (let r = 0; r < opts.runs; r++) {
    const dir = mkdtempSync(join(tmpdir(), 'helmsman-bench-remote-'));
    const children: Child[] = [];
    try {
      opts.progress(`run ${r + 1}/${opts.runs}: a control plane and ${minions.toLocaleString('en-US')} hollow minions`);
      // A /24 per minion out of 10.0.0.0/8: room for 65,536 minions.
      const up = await run(['up', '--port', '0', '--tls', '--minions', '0', '--store', 'memory', '--runtime', 'fake', '--cluster-cidr', '10.0.0.0/8', '--data', dir], /export KUBECONFIG=(\S+)/, 'helmsman up');
      children.push(up);
      const kubeconfig = up.match[1]!;
      const { server, ...credentials } = readKubeconfig(kubeconfig);
      const api = new ApiClient({ server: server!, credentials });
      const ready = new Set<string>();
      const nodes = await watchFrom(api, '/api/v1/nodes', (type, node) => {
        const isReady = node.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
        if (type !== 'DELETED' && isReady) ready.add(node.metadata.name);
        else ready.delete(node.metadata.name);
      });
      const hollowStarted = performance.now();
      const hollow = await run(['minion', '--hollow', String(minions), '--kubeconfig', kubeconfig, '--name', 'hollow', '--address', '127.0.0.1'], / joined /, 'helmsman minion --hollow');
      children.push(hollow);
      await waitUntil(() => ready.size >= minions, 120_000 + minions * 60, () => `${ready.size} of ${minions} minions Ready`);
      runs.remoteMinionsReadyMs!.push(performance.now() - hollowStarted);
      nodes.close();

      // Quiet: what heartbeats cost the control plane, and what a hollow minion costs its process.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const cpu0 = cpuSeconds(up.child.pid!);
      const idle0 = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      const cpuPerSec = (cpuSeconds(up.child.pid!) - cpu0) / ((performance.now() - idle0) / 1000);
      runs.controlPlaneCpuPerIdleMinion!.push(cpuPerSec / minions);
      runs.hollowMiBPerMinion!.push(rssMiB(hollow.child.pid!) / minions);
      runs.controlPlaneRssMiB!.push(rssMiB(up.child.pid!));

      // The burst: controllers of 100 created through the API, every pod Running seen by a watch.
      opts.progress(`run ${r + 1}/${opts.runs}: ${(controllers * 100).toLocaleString('en-US')} pods (${controllers} controllers × 100) on the hollow minions`);
      const running = new Set<string>();
      const createdAt = new Map<string, number>();
      const startups: number[] = [];
      const pods$ = await watchFrom(api, '/api/v1/pods', (type, pod) => {
        const name = pod.metadata.name as string;
        if (type === 'DELETED' || pod.status?.phase !== 'Running') return void (type === 'DELETED' && running.delete(name));
        if (running.has(name)) return;
        running.add(name);
        const sent = createdAt.get(name);
        if (sent !== undefined) {
          startups.push(performance.now() - sent);
          createdAt.delete(name);
        }
      });
      const burstStarted = performance.now();
      await Promise.all(
        Array.from({ length: controllers }, async (_, i) => {
          const rc = { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: `burst-${i}` }, spec: { replicas: 100, selector: { app: `burst-${i}` }, template: { metadata: { labels: { app: `burst-${i}` } }, spec: POD_SPEC } } };
          const created = await postRetrying(api, '/api/v1/namespaces/default/replicationcontrollers', rc);
          if (!created.ok) throw new Error(`creating controller burst-${i}: ${created.error.message}`);
        }),
      );
      await waitUntil(() => running.size >= controllers * 100, 300_000, () => `${running.size} of ${controllers * 100} pods Running`);
      runs.remoteAllRunningMs!.push(performance.now() - burstStarted);

      // Churn on top: bare pods at `churnRate` a second, each deleted 3 s after it was created.
      opts.progress(`run ${r + 1}/${opts.runs}: ${churnRate} pods/s for ${churnSec} s`);
      let failed = 0;
      await paceRequests(churnRate, churnSec, async (i) => {
        const name = `churn-${r}-${i}`;
        createdAt.set(name, performance.now());
        const created = await postRetrying(api, '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: POD_SPEC });
        if (!created.ok) failed++;
        setTimeout(() => void api.request('DELETE', `/api/v1/namespaces/default/pods/${name}`), 3000).unref();
      });
      await waitUntil(() => [...createdAt.keys()].every((name) => !name.startsWith(`churn-${r}-`)), 30_000, () => `${createdAt.size} churn pods not Running`).catch((err: Error) => notes.push(`run ${r + 1}: ${err.message}`));
      pods$.close();
      const sorted = startups.sort((a, b) => a - b);
      runs.remotePodStartupP99Ms!.push(sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? NaN);
      notes.push(`run ${r + 1}: ${sorted.length} churn pods timed (p50 ${(sorted[sorted.length >> 1] ?? NaN).toFixed(1)} ms), ${failed} creates refused; control plane ${cpuPerSec.toFixed(3)} CPU s/s idle with ${minions} minions`);
      await api.close();
    } finally {
      for (const child of children.reverse()) await child.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const figures = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, figure(v)]));
  const keys = Object.fromEntries(Object.entries(figures).map(([k, f]) => [k, k === 'controlPlaneCpuPerIdleMinion' ? Number(f.median.toPrecision(3)) : Math.round(f.median * 100) / 100]));
  return { ...keys, figures, notes };
}

/**
 * One run of the `cluster` benchmark, in a process of its own (so its RSS is the cluster's):
 * `node cluster-run.js '<json config>'` prints one JSON line of figures.
 *
 * - `burst`: N minions; `pods` pods from `pods / 100` controllers created at once; times until all
 *   are Running (observed through a watch), the RSS then, and how long the pods of a killed minion
 *   take to run elsewhere once it is NotReady.
 * - `churn`: pods created one by one at `rate` per second (and deleted after a few seconds), each
 *   one's startup latency as Kubernetes defines it (creation → Running, observed through a watch);
 *   then containers crashed one by one, each one's time until it runs again (backoff's first step 0).
 */
import { Cluster } from '../src/cluster/cluster.js';
import type { Pod } from '../src/api/model.js';

interface BurstConfig {
  mode: 'burst';
  minions: number;
  pods: number;
}

interface ChurnConfig {
  mode: 'churn';
  minions: number;
  rate: number;
  durationSec: number;
  crashes: number;
}

const config = JSON.parse(process.argv[2]!) as BurstConfig | ChurnConfig;

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const t00 = performance.now();
/** Progress on stderr (the parent shows it when asked to). */
const note = (what: string) => process.stderr.write(`[${Math.round(performance.now() - t00)} ms] ${what}\n`);

function controller(i: number, replicas: number) {
  const labels = { app: `bench-${i}` };
  return {
    id: `bench-${i}`,
    kind: 'ReplicationController',
    apiVersion: 'v1beta1',
    desiredState: { replicas, replicaSelector: labels, podTemplate: { desiredState: { manifest: { version: 'v1beta1', id: `bench-${i}`, containers: [{ name: 'c', image: 'busybox' }] } }, labels } },
  };
}

function pod(name: string) {
  return { id: name, kind: 'Pod', apiVersion: 'v1beta1', desiredState: { manifest: { version: 'v1beta1', id: name, containers: [{ name: 'c', image: 'busybox' }] } } };
}

async function burst(c: BurstConfig): Promise<Record<string, number>> {
  // Heartbeats every 5 s, silent after 20 s (Kubernetes: 10 s and 40 s), looked at every second.
  const cluster = await Cluster.start({ minions: c.minions, heartbeatMs: 5000, nodeGracePeriodMs: 20_000, nodeMonitorPeriodMs: 1000 });
  try {
    const controllers = Math.max(1, Math.round(c.pods / 100));
    const running = new Map<string, string>(); // pod key → host, while Running
    let allRunning!: () => void;
    const converged = new Promise<void>((resolve) => (allRunning = resolve));
    let target = c.pods;
    const watch = await cluster.client.watch('pods', {}, (type, p) => {
      const key = `${p.metadata.namespace}/${p.metadata.name}`;
      if (type !== 'DELETED' && p.status.phase === 'Running') running.set(key, p.spec.host);
      else running.delete(key);
      if (running.size >= target) allRunning();
    });
    const t0 = performance.now();
    await Promise.all(Array.from({ length: controllers }, (_, i) => cluster.client.create('replicationcontrollers', controller(i, Math.round(c.pods / controllers)))));
    target = controllers * Math.round(c.pods / controllers);
    if (running.size >= target) allRunning();
    await converged;
    const allRunningMs = performance.now() - t0;
    const rssMiB = process.memoryUsage().rss / 2 ** 20;

    // A minion dies: from NotReady to every pod Running again, none on it.
    const counts = new Map<string, number>();
    for (const host of running.values()) counts.set(host, (counts.get(host) ?? 0) + 1);
    const victim = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
    note(`all ${target} pods Running; killing ${victim}`);
    await cluster.killMinion(victim);
    note(`${victim} killed`);
    await cluster.client.waitFor('nodes', { fields: `metadata.name=${victim}` }, ([n]) => n?.status.conditions[0]?.status === 'Unknown', 120_000);
    const notReadyAt = performance.now();
    note(`${victim} NotReady`);
    let minionLossRecoveryMs = NaN;
    while (performance.now() - notReadyAt < 120_000) {
      let onVictim = 0;
      for (const host of running.values()) if (host === victim) onVictim++;
      if (running.size >= target && onVictim === 0) {
        minionLossRecoveryMs = performance.now() - notReadyAt;
        break;
      }
      await sleep(5);
    }
    watch.close();
    note('recovered; stopping');
    return { minions: c.minions, pods: target, allRunningMs, podsRunningPerSec: (target / allRunningMs) * 1000, rssMiB, minionLossRecoveryMs, victimPods: counts.get(victim)! };
  } finally {
    await cluster.stop();
  }
}

async function churn(c: ChurnConfig): Promise<Record<string, number>> {
  const cluster = await Cluster.start({ minions: c.minions, backoff: { initialMs: 0 } });
  try {
    const sent = new Map<string, number>();
    const latencies: number[] = [];
    const restarts = new Map<string, { at: number; count: number }>();
    const restartLatencies: number[] = [];
    const watch = await cluster.client.watch('pods', {}, (type, p: Pod) => {
      if (type === 'DELETED' || p.status.phase !== 'Running') return;
      const name = p.metadata.name;
      const t = sent.get(name);
      if (t !== undefined) {
        latencies.push(performance.now() - t);
        sent.delete(name);
      }
      const crash = restarts.get(name);
      if (crash && (p.status.containers.c?.restartCount ?? 0) > crash.count && p.status.containers.c?.state.running) {
        restartLatencies.push(performance.now() - crash.at);
        restarts.delete(name);
      }
    });
    // Open loop: each pod is created on schedule, whether or not the earlier ones are answered.
    const total = Math.round(c.rate * c.durationSec);
    const keep = c.rate * 3;
    const created: string[] = [];
    const start = performance.now();
    const rss: number[] = [];
    let n = 0;
    while (n < total) {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * c.rate));
      for (; n < due; n++) {
        const name = `churn-${n}`;
        sent.set(name, performance.now());
        created.push(name);
        void cluster.client.create('pods', pod(name));
        if (created.length > keep) void cluster.client.delete('pods', created.shift()!).catch(() => {});
      }
      if (rss.length < Math.floor((performance.now() - start) / 1000)) rss.push(process.memoryUsage().rss);
      await sleep(1);
    }
    const sendMs = performance.now() - start;
    const deadline = performance.now() + 30_000;
    while (sent.size > 0 && performance.now() < deadline) await sleep(10);
    const unfinished = sent.size;

    // Crashes: one container at a time, each measured until it runs again.
    const survivors = (await cluster.client.list('pods')).filter((p) => p.status.phase === 'Running').slice(0, c.crashes);
    for (const p of survivors) {
      restarts.set(p.metadata.name, { at: performance.now(), count: p.status.containers.c?.restartCount ?? 0 });
      await cluster.crashPod(p.metadata.name);
      const until = performance.now() + 5000;
      while (restarts.has(p.metadata.name) && performance.now() < until) await sleep(1);
    }
    watch.close();
    latencies.sort((a, b) => a - b);
    restartLatencies.sort((a, b) => a - b);
    const tenth = Math.max(1, Math.floor(rss.length / 6));
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return {
      ratePerSec: (total / sendMs) * 1000,
      podStartupP50Ms: quantile(latencies, 0.5),
      podStartupP90Ms: quantile(latencies, 0.9),
      podStartupP99Ms: quantile(latencies, 0.99),
      unfinishedPods: unfinished,
      rssGrowthPct: rss.length >= 2 ? ((avg(rss.slice(-tenth)) - avg(rss.slice(0, tenth))) / avg(rss.slice(0, tenth))) * 100 : 0,
      crashRestartP50Ms: quantile(restartLatencies, 0.5),
      crashRestartP99Ms: quantile(restartLatencies, 0.99),
      crashesMeasured: restartLatencies.length,
    };
  } finally {
    await cluster.stop();
  }
}

const result = config.mode === 'burst' ? await burst(config) : await churn(config);
note('stopped');
process.stdout.write(JSON.stringify(result) + '\n');
process.exit(0);

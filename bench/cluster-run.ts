/**
 * One run of the `cluster` benchmark, in a process of its own (so its RSS is the cluster's):
 * `node cluster-run.js '<json config>'` prints one JSON line of figures.
 *
 * - `burst`: N minions; `pods` pods from `pods / 100` controllers created at once; times until all
 *   are Running (observed through a watch), the RSS then, and how long the pods of a killed minion
 *   take to run elsewhere once it is NotReady.
 * - `churn`: pods created one by one at `rate` per second (and deleted after a few seconds), each
 *   one's startup latency as Kubernetes defines it (creation → Running, observed through a watch),
 *   the RSS every second; then (`crashes` > 0) containers crashed one by one, each one's time until
 *   it runs again (backoff's first step 0).
 * - `recovery`: `pods` pods from controllers on N minions; `crashes` containers crashed one by one
 *   (time until each runs again), then a minion killed (time from NotReady until its pods run
 *   elsewhere).
 *
 * - `soak`: `pods` pods from controllers on N minions, then chaos for `durationSec`: `crashesPerSec`
 *   containers crashed every second and a minion killed every `killEverySec` (back `downSec`
 *   later); then the time until every desired replica runs again, and what is left over: actors,
 *   containers and OS processes beyond what the settled cluster had before the chaos, and the RSS
 *   growth during it.
 *
 * The line holds the figures as numbers, and `distributions` (samples) and `series` (per second)
 * for the report.
 */
import { readdirSync, readFileSync } from 'node:fs';
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
  /** Seconds of the same load before the measured ones (0: measure from an idle cluster). */
  warmupSec: number;
  crashes: number;
}

interface RecoveryConfig {
  mode: 'recovery';
  minions: number;
  pods: number;
  crashes: number;
}

interface SoakConfig {
  mode: 'soak';
  minions: number;
  pods: number;
  durationSec: number;
  crashesPerSec: number;
  killEverySec: number;
  downSec: number;
}

/** What a run prints: figures, and what the report charts. */
interface RunResult {
  [figure: string]: unknown;
  distributions?: Record<string, { unit: 'ms'; samples: number[] }>;
  series?: Record<string, { unit: string; t: number[]; v: number[] }>;
}

const config = JSON.parse(process.argv[2]!) as BurstConfig | ChurnConfig | RecoveryConfig | SoakConfig;

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

/**
 * Running pods by key (with their host), kept from a watch; resolves `until(n)` once n run. Fed
 * by a watch of every pod (`seen`), or by `watchRunning`: a watch of Running pods only
 * (`status.phase=Running`, filtered by the registry), which spares the process two of every
 * pod's three changes — the observer's own cost, off the two cores the burst runs on.
 */
class RunningPods {
  readonly hosts = new Map<string, string>();
  private waiting: { n: number; resolve: () => void }[] = [];

  /** Watches the cluster's Running pods into this (a pod that stops running is DELETED to the filter). */
  watchRunning(cluster: Cluster) {
    return cluster.client.watch('pods', { fields: 'status.phase=Running' }, (type, p) => this.seen(type, p));
  }

  seen(type: string, p: Pod): void {
    const key = `${p.metadata.namespace}/${p.metadata.name}`;
    if (type !== 'DELETED' && p.status.phase === 'Running') this.hosts.set(key, p.spec.host);
    else this.hosts.delete(key);
    if (this.waiting.some((w) => this.hosts.size >= w.n)) this.waiting = this.waiting.filter((w) => (this.hosts.size >= w.n ? (w.resolve(), false) : true));
  }

  until(n: number): Promise<void> {
    return this.hosts.size >= n ? Promise.resolve() : new Promise((resolve) => this.waiting.push({ n, resolve }));
  }
}

/** Starts `replicas` pods from controllers of 100, all at once. */
async function createControllers(cluster: Cluster, pods: number): Promise<number> {
  const controllers = Math.max(1, Math.round(pods / 100));
  const each = Math.round(pods / controllers);
  await Promise.all(Array.from({ length: controllers }, (_, i) => cluster.client.create('replicationcontrollers', controller(i, each))));
  return controllers * each;
}

/** A minion dies: the time from NotReady until every pod runs again, none on it. */
async function minionLoss(cluster: Cluster, running: RunningPods, target: number): Promise<{ minionLossRecoveryMs: number; victimPods: number }> {
  const counts = new Map<string, number>();
  for (const host of running.hosts.values()) counts.set(host, (counts.get(host) ?? 0) + 1);
  const [victim, victimPods] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
  note(`killing ${victim} (${victimPods} pods)`);
  await cluster.killMinion(victim);
  await cluster.client.waitFor('nodes', { fields: `metadata.name=${victim}` }, ([n]) => n?.status.conditions[0]?.status === 'Unknown', 120_000);
  const notReadyAt = performance.now();
  note(`${victim} NotReady`);
  while (performance.now() - notReadyAt < 120_000) {
    let onVictim = 0;
    for (const host of running.hosts.values()) if (host === victim) onVictim++;
    if (running.hosts.size >= target && onVictim === 0) return { minionLossRecoveryMs: performance.now() - notReadyAt, victimPods };
    await sleep(5);
  }
  return { minionLossRecoveryMs: NaN, victimPods };
}

/** Crashes running containers one at a time; each one's time until it runs again (restartCount up). */
async function crashes(cluster: Cluster, count: number): Promise<number[]> {
  const restarted = new Map<string, { count: number; done: (ms: number) => void; at: number }>();
  const watch = await cluster.client.watch('pods', {}, (type, p: Pod) => {
    const wait = restarted.get(p.metadata.name);
    const c = p.status.containers.c;
    if (wait && type !== 'DELETED' && c?.state.running && c.restartCount > wait.count) {
      restarted.delete(p.metadata.name);
      wait.done(performance.now() - wait.at);
    }
  });
  const latencies: number[] = [];
  const victims = (await cluster.client.list('pods')).filter((p) => p.status.phase === 'Running').slice(0, count);
  for (const p of victims) {
    const measured = new Promise<number>((done) => restarted.set(p.metadata.name, { count: p.status.containers.c?.restartCount ?? 0, done, at: performance.now() }));
    await cluster.crashPod(p.metadata.name);
    const ms = await Promise.race([measured, sleep(5000).then(() => NaN)]);
    restarted.delete(p.metadata.name);
    if (!Number.isNaN(ms)) latencies.push(ms);
  }
  watch.close();
  return latencies;
}

/** RSS in MiB, sampled every second from now on (`t` in seconds). */
function sampleRss(): { series: { unit: string; t: number[]; v: number[] }; stop(): void } {
  const start = performance.now();
  const series = { unit: 'MiB', t: [] as number[], v: [] as number[] };
  const take = () => {
    series.t.push(Math.round((performance.now() - start) / 100) / 10);
    series.v.push(Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10);
  };
  take();
  const timer = setInterval(take, 1000);
  return { series, stop: () => clearInterval(timer) };
}

async function burst(c: BurstConfig): Promise<RunResult> {
  // Heartbeats every 5 s, silent after 20 s (Kubernetes: 10 s and 40 s), looked at every second.
  const cluster = await Cluster.start({ minions: c.minions, heartbeatMs: 5000, nodeGracePeriodMs: 20_000, nodeMonitorPeriodMs: 1000 });
  try {
    const running = new RunningPods();
    const started = { unit: 'pods', t: [] as number[], v: [] as number[] };
    const watch = await running.watchRunning(cluster);
    const rss = sampleRss();
    const t0 = performance.now();
    const sampler = setInterval(() => {
      started.t.push(Math.round((performance.now() - t0) / 100) / 10);
      started.v.push(running.hosts.size);
    }, 250);
    const busy = () => cluster.system.shardBusy().find((s) => s.slot === cluster.registry.slot)!;
    const busy0 = busy();
    const target = await createControllers(cluster, c.pods);
    await running.until(target);
    const allRunningMs = performance.now() - t0;
    // The share of the burst the registry's shard was busy: near 100, it is what the burst waits for.
    const busy1 = busy();
    const registryBusyPct = ((busy1.activeMs - busy0.activeMs) / (busy1.activeMs + busy1.idleMs - busy0.activeMs - busy0.idleMs)) * 100;
    clearInterval(sampler);
    // The series ends where the figure does: every pod Running.
    started.t.push(Math.round(allRunningMs / 100) / 10);
    started.v.push(running.hosts.size);
    const rssMiB = process.memoryUsage().rss / 2 ** 20;
    note(`all ${target} pods Running`);
    const loss = await minionLoss(cluster, running, target);
    rss.stop();
    watch.close();
    note('recovered; stopping');
    return { minions: c.minions, pods: target, allRunningMs, podsRunningPerSec: (target / allRunningMs) * 1000, registryBusyPct, rssMiB, ...loss, series: { podsRunning: started, rssMiB: rss.series } };
  } finally {
    await cluster.stop();
  }
}

async function churn(c: ChurnConfig): Promise<RunResult> {
  const cluster = await Cluster.start({ minions: c.minions, backoff: { initialMs: 0 } });
  try {
    const sent = new Map<string, number>();
    const latencies: number[] = [];
    const runningPerSec = { unit: 'pods/s', t: [] as number[], v: [] as number[] };
    let startedThisSecond = 0;
    const watch = await cluster.client.watch('pods', {}, (type, p: Pod) => {
      if (type === 'DELETED' || p.status.phase !== 'Running') return;
      const t = sent.get(p.metadata.name);
      if (t === undefined) return;
      latencies.push(performance.now() - t);
      sent.delete(p.metadata.name);
      startedThisSecond++;
    });
    // Open loop: each pod is created on schedule, whether or not the earlier ones are answered.
    const keep = c.rate * 3;
    const created: string[] = [];
    const drive = async (seconds: number, prefix: string): Promise<number> => {
      const total = Math.round(c.rate * seconds);
      const start = performance.now();
      let n = 0;
      while (n < total) {
        const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * c.rate));
        for (; n < due; n++) {
          const name = `${prefix}-${n}`;
          sent.set(name, performance.now());
          created.push(name);
          void cluster.client.create('pods', pod(name));
          if (created.length > keep) void cluster.client.delete('pods', created.shift()!).catch(() => {});
        }
        const second = Math.floor((performance.now() - start) / 1000);
        if (runningPerSec.t.length < second) {
          runningPerSec.t.push(second);
          runningPerSec.v.push(startedThisSecond);
          startedThisSecond = 0;
        }
        await sleep(1);
      }
      return performance.now() - start;
    };
    // The same load first, unmeasured: the heaps of an idle cluster grow to their working size.
    if (c.warmupSec > 0) {
      note(`warming up for ${c.warmupSec} s`);
      await drive(c.warmupSec, 'warm');
      latencies.length = 0;
      runningPerSec.t.length = runningPerSec.v.length = 0;
      startedThisSecond = 0;
    }
    const rss = sampleRss();
    const total = Math.round(c.rate * c.durationSec);
    const sendMs = await drive(c.durationSec, 'churn');
    const deadline = performance.now() + 30_000;
    while (sent.size > 0 && performance.now() < deadline) await sleep(10);
    rss.stop();
    watch.close();
    const unfinished = sent.size;
    const restartLatencies = c.crashes > 0 ? await crashes(cluster, c.crashes) : [];
    latencies.sort((a, b) => a - b);
    restartLatencies.sort((a, b) => a - b);
    // RSS growth between the first and the last 10 s of the load (the whole first and last sixth when shorter).
    const window = Math.min(10, Math.max(1, Math.floor(c.durationSec / 6)));
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const rssIn = (from: number, to: number) => rss.series.v.filter((_, i) => rss.series.t[i]! >= from && rss.series.t[i]! < to);
    const first = avg(rssIn(0, window));
    const last = avg(rssIn(sendMs / 1000 - window, sendMs / 1000 + 0.5));
    return {
      ratePerSec: (total / sendMs) * 1000,
      podStartupP50Ms: quantile(latencies, 0.5),
      podStartupP90Ms: quantile(latencies, 0.9),
      podStartupP99Ms: quantile(latencies, 0.99),
      unfinishedPods: unfinished,
      rssGrowthPct: ((last - first) / first) * 100,
      ...(c.crashes > 0 ? { crashRestartP50Ms: quantile(restartLatencies, 0.5), crashRestartP99Ms: quantile(restartLatencies, 0.99), crashesMeasured: restartLatencies.length } : {}),
      distributions: { podStartupMs: { unit: 'ms', samples: latencies.map((x) => Math.round(x * 100) / 100) } },
      series: { podsStartedPerSec: runningPerSec, rssMiB: rss.series },
    };
  } finally {
    await cluster.stop();
  }
}

async function recovery(c: RecoveryConfig): Promise<RunResult> {
  const cluster = await Cluster.start({ minions: c.minions, heartbeatMs: 1000, nodeGracePeriodMs: 4000, nodeMonitorPeriodMs: 500, backoff: { initialMs: 0 } });
  try {
    const running = new RunningPods();
    const watch = await running.watchRunning(cluster);
    const target = await createControllers(cluster, c.pods);
    await running.until(target);
    note(`${target} pods Running; crashing ${c.crashes} containers`);
    const restarts = (await crashes(cluster, c.crashes)).sort((a, b) => a - b);
    const loss = await minionLoss(cluster, running, target);
    watch.close();
    return {
      crashRestartP50Ms: quantile(restarts, 0.5),
      crashRestartP99Ms: quantile(restarts, 0.99),
      crashesMeasured: restarts.length,
      ...loss,
      distributions: { crashRestartMs: { unit: 'ms', samples: restarts.map((x) => Math.round(x * 100) / 100) } },
    };
  } finally {
    await cluster.stop();
  }
}

/** This process's descendants (the host processes it started, and theirs), from /proc. */
function descendants(): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The parent is the 4th field, after the command in parentheses (which may hold spaces).
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      (children.get(ppid) ?? children.set(ppid, []).get(ppid)!).push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  let count = 0;
  const todo = [process.pid];
  while (todo.length > 0) for (const child of children.get(todo.pop()!) ?? []) (count++, todo.push(child));
  return count;
}

async function soak(c: SoakConfig): Promise<RunResult> {
  // Heartbeats every second, NotReady after 5 s, looked at twice a second: a killed minion's pods
  // are evicted and run elsewhere while it is down.
  const cluster = await Cluster.start({ minions: c.minions, heartbeatMs: 1000, nodeGracePeriodMs: 5000, nodeMonitorPeriodMs: 500, backoff: { initialMs: 0, maxMs: 1000 } });
  try {
    const running = new RunningPods();
    const pods = new Set<string>();
    const watch = await cluster.client.watch('pods', {}, (type, p) => {
      running.seen(type, p);
      if (type === 'DELETED') pods.delete(p.metadata.name);
      else pods.add(p.metadata.name);
    });
    const target = await createControllers(cluster, c.pods);
    await running.until(target);
    // Settled: every pod Running, one actor and one container each.
    const settled = async (timeoutMs: number): Promise<boolean> => {
      const deadline = performance.now() + timeoutMs;
      while (performance.now() < deadline) {
        const census = await cluster.census();
        if (running.hosts.size === target && pods.size === target && census.containers === target && census.podActors === target) return true;
        await sleep(100);
      }
      return false;
    };
    if (!(await settled(60_000))) throw new Error('the cluster did not settle before the chaos');
    const before = { actors: (await cluster.system.stats()).actors, processes: descendants() };
    note(`${target} pods Running; chaos for ${c.durationSec} s: ${c.crashesPerSec} crashes/s, a minion killed every ${c.killEverySec} s`);

    const rss = sampleRss();
    const minions = (await cluster.client.list('nodes')).map((n) => n.metadata.name);
    const down = new Set<string>();
    const restore = (victim: string): void => {
      if (!down.delete(victim)) return;
      cluster.restoreMinion(victim);
    };
    let crashes = 0;
    let kills = 0;
    const crashTimer = setInterval(() => {
      const keys = [...running.hosts.keys()];
      if (keys.length === 0) return;
      const [namespace, name] = keys[Math.floor(Math.random() * keys.length)]!.split('/') as [string, string];
      crashes++;
      cluster.crashPod(name, namespace).catch(() => {}); // gone or on a killed minion meanwhile
    }, 1000 / c.crashesPerSec);
    const kill = async (): Promise<void> => {
      const up = minions.filter((m) => !down.has(m));
      const victim = up[Math.floor(Math.random() * up.length)]!;
      down.add(victim);
      kills++;
      await cluster.killMinion(victim);
      setTimeout(() => restore(victim), c.downSec * 1000);
    };
    // The kills are timed so that the last one falls 2 s before the chaos stops: that minion is
    // still down (not yet NotReady) when it does, and the convergence includes its pods' return.
    let killTimer: NodeJS.Timeout | undefined;
    const firstKill = setTimeout(() => {
      void kill();
      killTimer = setInterval(() => void kill(), c.killEverySec * 1000);
    }, (Math.max(0, c.durationSec - 2) % c.killEverySec) * 1000);
    await sleep(c.durationSec * 1000);
    clearInterval(crashTimer);
    clearTimeout(firstKill);
    clearInterval(killTimer);
    // The chaos stops: the minions still down come back now (their timers find them up).
    const stoppedAt = performance.now();
    for (const victim of [...down]) restore(victim);
    rss.stop();
    note(`chaos over (${crashes} crashes, ${kills} minions killed); waiting for convergence`);
    const converged = await settled(120_000);
    const convergeAfterChaosMs = converged ? performance.now() - stoppedAt : NaN;
    // Left over: what has not gone within 30 s of convergence is leaked.
    let after = { actors: 0, processes: 0 };
    let census = { containers: 0, podActors: 0 };
    for (const deadline = performance.now() + 30_000; ; ) {
      after = { actors: (await cluster.system.stats()).actors, processes: descendants() };
      census = await cluster.census();
      if ((after.actors === before.actors && after.processes === before.processes && census.containers === target) || performance.now() > deadline) break;
      await sleep(200);
    }
    watch.close();
    const window = Math.min(30, Math.max(1, Math.floor(c.durationSec / 6)));
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = avg(rss.series.v.filter((_, i) => rss.series.t[i]! < window));
    const last = avg(rss.series.v.filter((_, i) => rss.series.t[i]! >= c.durationSec - window));
    return {
      convergeAfterChaosMs,
      leakedActors: after.actors - before.actors,
      leakedContainers: census.containers - target,
      leakedProcesses: after.processes - before.processes,
      rssGrowthPct: ((last - first) / first) * 100,
      crashes,
      minionsKilled: kills,
      series: { rssMiB: rss.series },
    };
  } finally {
    await cluster.stop();
  }
}

const result =
  config.mode === 'burst' ? await burst(config) : config.mode === 'churn' ? await churn(config) : config.mode === 'soak' ? await soak(config) : await recovery(config);
note('stopped');
// Exit once the line is out: a pipe is written asynchronously, and the samples make it long.
process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(0));

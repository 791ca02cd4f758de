/**
 * Watch lag between two control planes, run as its own process: `node watch-lag.js '<json
 * config>'` opens the HTTP watch of pods on server B (`/api/v1/namespaces/default/pods?watch=true`),
 * sends creates to server A at `rate` per second for `durationSec`, open loop as `paced.ts` does,
 * and times each pod's ADDED event at B's watcher against its create: from the moment A
 * acknowledged it (the response ended) and from the moment it was sent. One clock (this process)
 * times both ends. Beside B, an etcd3 watch of the same keys straight on etcd (`etcd` set) is
 * timed the same way: the floor of what any control plane's watcher can see. Prints one JSON
 * result line.
 */
import http from 'node:http';
import { EtcdStore } from '../src/store/etcd.js';
import { paceRequests } from './pacer.js';
import { podJson } from './pod-json.js';

interface WatchLagConfig {
  /** Server A, written to. */
  writeUrl: string;
  /** Server B, watched. */
  watchUrl: string;
  rate: number;
  durationSec: number;
  /** The etcd cluster and key prefix A and B share, for the raw etcd3 watch beside B's. */
  etcd?: { servers: string[]; prefix: string };
}

const config = JSON.parse(process.argv[2]!) as WatchLagConfig;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

interface Write {
  sent: number;
  acked?: number;
  arrived?: number;
  /** When the raw etcd3 watch saw its key. */
  rawArrived?: number;
  ok?: boolean;
}
let writes = new Map<string, Write>();
let errors = 0;
let non2xx = 0;
let unexpected = 0;

// The watch, opened (and its headers received) before the first write.
const watch = await new Promise<http.IncomingMessage>((resolve, reject) => {
  const req = http.get(`${config.watchUrl}/api/v1/namespaces/default/pods?watch=true`, (res) => {
    if (res.statusCode !== 200) reject(new Error(`the watch on B answered ${res.statusCode}`));
    else resolve(res);
  });
  req.on('error', reject);
});
let watchEnded = false;
let pending = '';
let onArrival: (() => void) | undefined;
watch.setEncoding('utf8');
watch.on('data', (chunk: string) => {
  const now = performance.now();
  pending += chunk;
  let nl: number;
  while ((nl = pending.indexOf('\n')) >= 0) {
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    if (line.length === 0) continue;
    const event = JSON.parse(line) as { type: string; object?: { metadata?: { name?: string } } };
    if (event.type !== 'ADDED') continue;
    const w = writes.get(event.object?.metadata?.name ?? '');
    if (!w) unexpected++;
    else w.arrived ??= now;
  }
  onArrival?.();
});
watch.on('end', () => (watchEnded = true));

// The raw watch: the pods' keys as the registry stores them (<prefix>/pods/default/<name>).
const store = config.etcd && (await EtcdStore.connect(config.etcd));
const rawWatch =
  store &&
  (await store.client
    .watch()
    .prefix(`${config.etcd!.prefix}/pods/default/`)
    .create());
rawWatch?.on('put', (kv) => {
  const now = performance.now();
  const w = writes.get(kv.key.toString().slice(config.etcd!.prefix.length + '/pods/default/'.length));
  if (w) w.rawArrived ??= now;
});

let seq = 0;
function send(): Promise<void> {
  const name = `lag-${process.pid}-${seq++}`;
  const w: Write = { sent: performance.now() };
  writes.set(name, w);
  return new Promise((resolve) => {
    const req = http.request(`${config.writeUrl}/api/v1beta1/pods`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      res.on('data', () => {});
      res.on('end', () => {
        w.acked = performance.now();
        w.ok = res.statusCode! >= 200 && res.statusCode! < 300;
        if (!w.ok) non2xx++;
        resolve();
      });
    });
    req.on('error', () => {
      errors++;
      resolve();
    });
    req.end(podJson(name));
  });
}

/** Sends `rate` creates per second for `seconds`, on schedule; resolves when all are answered and their events seen (or 10 s on). */
async function pace(seconds: number): Promise<void> {
  await paceRequests(config.rate, seconds, () => send());
  const allArrived = () => [...writes.values()].every((w) => !w.ok || w.arrived !== undefined);
  if (!allArrived()) {
    await new Promise<void>((done) => {
      const timer = setTimeout(done, 10_000);
      onArrival = () => {
        if (!allArrived() && !watchEnded) return;
        clearTimeout(timer);
        done();
      };
    });
    onArrival = undefined;
  }
}

// Warm up at the same rate (both servers' code compiled, the connections open), then measure afresh.
await pace(Math.min(3, config.durationSec / 2));
writes = new Map();
errors = non2xx = unexpected = 0;
await pace(config.durationSec);
watch.destroy();
agent.destroy();
await rawWatch?.cancel();
await store?.close();

const fromAck: number[] = [];
const fromSend: number[] = [];
const rawFromAck: number[] = [];
let missing = 0;
for (const w of writes.values()) {
  if (!w.ok) continue;
  if (w.rawArrived !== undefined) rawFromAck.push(w.rawArrived - w.acked!);
  if (w.arrived === undefined) {
    missing++;
    continue;
  }
  fromAck.push(w.arrived - w.acked!);
  fromSend.push(w.arrived - w.sent);
}
const at = (values: number[], q: number) => {
  values.sort((a, b) => a - b);
  return values.length === 0 ? NaN : values[Math.min(values.length - 1, Math.max(0, Math.ceil(q * values.length) - 1))]!;
};
const round = (x: number) => Math.round(x * 100) / 100;
process.stdout.write(
  JSON.stringify({
    sent: writes.size,
    events: fromAck.length,
    missing,
    unexpected,
    non2xx,
    errors,
    lagFromAckP50Ms: at(fromAck, 0.5),
    lagFromAckP99Ms: at(fromAck, 0.99),
    lagFromSendP50Ms: at(fromSend, 0.5),
    lagFromSendP99Ms: at(fromSend, 0.99),
    rawEvents: rawFromAck.length,
    rawLagFromAckP50Ms: at(rawFromAck, 0.5),
    rawLagFromAckP99Ms: at(rawFromAck, 0.99),
    // B's watcher saw the pod before A's answer reached the writer: a negative lag from the acknowledgement.
    beforeAck: fromAck.filter((x) => x < 0).length,
    samplesFromAck: fromAck.map(round),
  }) + '\n',
);

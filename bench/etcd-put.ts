/**
 * The raw etcd baseline of the api benchmark, run as its own process (as the load generator is):
 * `node etcd-put.js '<json config>'` writes the registry's encoding of a pod under fresh keys with
 * the `etcd3` client, each a create-style transaction (`Txn.If(mod_revision == 0).Then(Put)`, what
 * the registry sends for a create), and prints one JSON result line. Closed loop (the default):
 * `connections` writes in flight at once for `durationSec` after a 1 s warm-up, as autocannon
 * loads the API. Paced (`rate` set): `rate` writes per second on schedule, open loop as
 * `paced.ts` sends creates, after a warm-up at the same rate, with each write's latency.
 *
 * The client is the etcd store's own (`EtcdStore.client`: the same gRPC options and the hasleader
 * metadata on every call), so the baseline differs from the registry's write by the registry alone.
 */
import { EtcdStore } from '../src/store/etcd.js';

interface PutConfig {
  servers: string[];
  /** The etcd key prefix to write under (keys `<prefix>/pods/default/<name>`). */
  prefix: string;
  /** A value the registry stored for the pod `name`; each put stores it with its own name in place of `name`. */
  value: string;
  name: string;
  connections: number;
  durationSec: number;
  /** Writes per second, open loop, instead of `connections` in a closed loop. */
  rate?: number;
}

const config = JSON.parse(process.argv[2]!) as PutConfig;
const store = await EtcdStore.connect({ servers: config.servers, prefix: config.prefix });
const client = store.client;
// The value cut at the name: each put's own value is the pieces joined with its name, as cheap as the template in pod-json.ts.
const pieces = config.value.split(config.name);
let seq = 0;

/** One create-style put of a fresh key; whether its compare held. */
async function put(label: string): Promise<boolean> {
  const name = `${label}-${process.pid}-${seq++}`;
  const key = `${config.prefix}/pods/default/${name}`;
  const res = await client.if(key, 'Mod', '==', 0).then(client.put(key).value(pieces.join(name))).commit();
  return res.succeeded;
}

/** Puts from `connections` writers until `seconds` are over; the puts that succeeded, failed their compare, or threw. */
async function putFor(seconds: number, label: string): Promise<{ ok: number; failed: number; errors: number; durationSec: number }> {
  let ok = 0;
  let failed = 0;
  let errors = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  const writer = async (): Promise<void> => {
    while (performance.now() < end) {
      try {
        if (await put(label)) ok++;
        else failed++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: config.connections }, writer));
  return { ok, failed, errors, durationSec: (performance.now() - start) / 1000 };
}

/** Puts `rate` per second for `seconds`, on schedule (a 1 ms timer, as paced.ts); each one's latency in ms, and the failures. */
async function paceFor(seconds: number, label: string): Promise<{ latencies: number[]; failed: number; errors: number }> {
  const rate = config.rate!;
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  let failed = 0;
  let errors = 0;
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  let sent = 0;
  const one = async (): Promise<void> => {
    const t0 = performance.now();
    try {
      if (await put(label)) latencies.push(performance.now() - t0);
      else failed++;
    } catch {
      errors++;
    }
  };
  await new Promise<void>((done) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
      for (; sent < due; sent++) inFlight.push(one());
      if (sent >= total) done();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(inFlight);
  return { latencies, failed, errors };
}

const valueBytes = Buffer.byteLength(config.value);
if (config.rate) {
  await paceFor(Math.min(3, config.durationSec / 2), 'warm');
  const { latencies, failed, errors } = await paceFor(config.durationSec, 'raw');
  await store.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil(q * latencies.length) - 1))]!;
  process.stdout.write(JSON.stringify({ ok: latencies.length, failed, errors, latencyP50Ms: at(0.5), latencyP99Ms: at(0.99), latencyMaxMs: latencies.at(-1), valueBytes }) + '\n');
} else {
  await putFor(1, 'warm');
  const result = await putFor(config.durationSec, 'raw');
  await store.close();
  process.stdout.write(JSON.stringify({ ...result, putsPerSec: result.ok / result.durationSec, valueBytes }) + '\n');
}

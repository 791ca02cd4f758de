/**
 * An open-loop load generator for latency at a fixed rate, run as its own process:
 * `node paced.js '<json config>'` sends creates at `rate` per second for `durationSec` over
 * keep-alive connections — each request leaves on schedule whether or not earlier ones were
 * answered, so a server stall shows in the latencies — and prints one JSON result line.
 * (autocannon's fixed-rate mode counts its own timer jitter as latency on this 2-core machine.)
 */
import http from 'node:http';
import { paceRequests } from './pacer.js';
import { podJson } from './pod-json.js';

interface PacedConfig {
  url: string;
  path: string;
  rate: number;
  durationSec: number;
}

const config = JSON.parse(process.argv[2]!) as PacedConfig;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const latencies: number[] = [];
let errors = 0;
let non2xx = 0;
let seq = 0;

function send(): Promise<void> {
  const name = `paced-${process.pid}-${seq++}`;
  const body = podJson(name);
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.request(config.url + config.path, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      res.on('data', () => {});
      res.on('end', () => {
        latencies.push(performance.now() - t0);
        if (res.statusCode! < 200 || res.statusCode! >= 300) non2xx++;
        resolve();
      });
    });
    req.on('error', () => {
      errors++;
      resolve();
    });
    req.end(body);
  });
}

/** Sends `rate` requests per second for `seconds`, on schedule; resolves when all are answered. */
function pace(seconds: number): Promise<number> {
  return paceRequests(config.rate, seconds, () => send());
}

// Warm up at the same rate (connections opened, the server's code compiled), then measure afresh.
await pace(Math.min(3, config.durationSec / 2));
latencies.length = 0;
errors = non2xx = 0;
const sent = await pace(config.durationSec);
agent.destroy();
latencies.sort((a, b) => a - b);
const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)]!;
process.stdout.write(
  JSON.stringify({ sent, ok: latencies.length - non2xx, non2xx, errors, latencyP50Ms: at(0.5), latencyP99Ms: at(0.99), latencyMaxMs: latencies.at(-1), samples: latencies.map((x) => Math.round(x * 100) / 100) }) + '\n',
);

/**
 * The load generator of the api benchmark, run as its own process so it does not share the
 * server's thread: `node load.js '<json config>'` runs autocannon and prints one JSON result line.
 */
import autocannon, { type Request } from 'autocannon';
import { podJson } from './pod-json.js';

interface LoadConfig {
  url: string;
  path: string;
  /** 'get' repeats one GET; 'create' POSTs pods with fresh names. */
  mode: 'get' | 'create';
  connections: number;
  durationSec: number;
  /** Fixed request rate (requests/s over all connections), for latency at a given load. */
  rate?: number;
  /** Distinguishes runs, so created names never repeat. */
  prefix?: string;
  /** Sent with every request (an Authorization header). https URLs are not verified: the server is the benchmark's own. */
  headers?: Record<string, string>;
}

const config = JSON.parse(process.argv[2]!) as LoadConfig;
let seq = 0;
const result = await autocannon({
  url: config.url,
  connections: config.connections,
  duration: config.durationSec,
  ...(config.rate ? { overallRate: config.rate } : {}),
  requests: [
    config.mode === 'get'
      ? { method: 'GET', path: config.path, headers: config.headers }
      : {
          method: 'POST',
          path: config.path,
          headers: { ...config.headers, 'content-type': 'application/json' },
          setupRequest: (req: Request): Request => ({ ...req, body: podJson(`${config.prefix ?? 'p'}-${process.pid}-${seq++}`) }),
        },
  ],
});
process.stdout.write(
  JSON.stringify({
    requestsPerSec: result.requests.average,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    durationSec: result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
  }) + '\n',
);

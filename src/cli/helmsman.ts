#!/usr/bin/env node
/** The `helmsman` command: `up` brings up the API server, `demo` runs the actor-kernel demo. */
import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import { DEMO_DEFAULTS, runKernelDemo } from '../demo/kernel-demo.js';
import { startApiServer } from '../server.js';

const USAGE = `usage: helmsman <command> [options]

  up      start the API server (v1beta1 REST API for kubecfg)
            --port N        TCP port (default 8080)
            --address A     address to bind (default 127.0.0.1)
            --store S       lmdb (default, durable) or memory
            --data DIR      where the lmdb store lives (default ./data)
            --shards N      actor shards (default: one per core)
  demo    run the actor-kernel demo
            --minions N --pods N --shards N
`;

function int(value: string | undefined, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}`);
  return n;
}

class UsageError extends Error {}

async function up(values: Record<string, string | boolean | undefined>, out: (line: string) => void): Promise<void> {
  const started = performance.now();
  const store = (values.store as string | undefined) ?? 'lmdb';
  if (store !== 'lmdb' && store !== 'memory') throw new UsageError('--store must be lmdb or memory');
  const port = int(values.port as string | undefined, 'port', 8080, 0);
  if (port > 65535) throw new UsageError('--port must be at most 65535');
  const shards = int(values.shards as string | undefined, 'shards', availableParallelism());
  out(`starting ${shards} actor shards and the registry (${store} store${store === 'lmdb' ? ` in ${(values.data as string) ?? 'data'}` : ''})…`);
  const server = await startApiServer({
    port,
    address: values.address as string | undefined,
    store,
    dataDir: values.data as string | undefined,
    shards,
  });
  out(`API server listening on ${server.url} (started in ${Math.round(performance.now() - started)} ms)`);
  out(`try: kubecfg -h ${server.url} list /pods`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      out(`${signal}: stopping…`);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      const t = performance.now();
      server.close().then(() => {
        out(`stopped in ${Math.round(performance.now() - t)} ms`);
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      address: { type: 'string' },
      store: { type: 'string' },
      data: { type: 'string' },
      shards: { type: 'string' },
      minions: { type: 'string' },
      pods: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  switch (command) {
    case 'up':
      await up(values, out);
      return 0;
    case 'demo':
      await runKernelDemo({
        minions: int(values.minions, 'minions', DEMO_DEFAULTS.minions),
        podsPerMinion: int(values.pods, 'pods', DEMO_DEFAULTS.podsPerMinion),
        shards: int(values.shards, 'shards', DEMO_DEFAULTS.shards),
        out,
      });
      return 0;
    default:
      throw new UsageError(command === undefined ? 'a command is required' : `unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: Error) => {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`helmsman: ${err.message}\n${usage ? USAGE : ''}`);
    process.exitCode = usage ? 2 : 1;
  },
);

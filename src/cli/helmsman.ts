#!/usr/bin/env node
/** The `helmsman` command. For now: `helmsman demo` runs the actor-kernel demo. */
import { parseArgs } from 'node:util';
import { DEMO_DEFAULTS, runKernelDemo } from '../demo/kernel-demo.js';

const USAGE = `usage: helmsman demo [--minions N] [--pods N] [--shards N]

  demo   run the actor-kernel demo: minions supervising pods on worker-thread shards,
         a million messages, crashed pods restarted, a killed shard rebuilt
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      minions: { type: 'string' },
      pods: { type: 'string' },
      shards: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || command === undefined) {
    process.stdout.write(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  if (command !== 'demo') {
    process.stderr.write(`helmsman: unknown command "${command}"\n${USAGE}`);
    return 2;
  }
  const int = (v: string | undefined, name: string, d: number) => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new TypeError(`--${name} must be a positive integer`);
    return n;
  };
  await runKernelDemo({
    minions: int(values.minions, 'minions', DEMO_DEFAULTS.minions),
    podsPerMinion: int(values.pods, 'pods', DEMO_DEFAULTS.podsPerMinion),
    shards: int(values.shards, 'shards', DEMO_DEFAULTS.shards),
    out: (line) => process.stdout.write(`${line}\n`),
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: Error) => {
    process.stderr.write(`helmsman: ${err.message}\n`);
    process.exitCode = 1;
  },
);

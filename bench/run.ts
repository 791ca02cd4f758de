#!/usr/bin/env node
/**
 * `npm run bench -- <scenario> [--json] [--runs N] [--scale X]`: runs a benchmark scenario and prints
 * its figures as a table, or as one JSON object on the last line of stdout with `--json`.
 */
import { parseArgs } from 'node:util';
import { ACTORS_TARGETS, benchActors } from './actors.js';
import { API_TARGETS, benchApi } from './api.js';
import { benchCluster, CLUSTER_TARGETS } from './cluster.js';
import { benchProxy, PROXY_TARGETS } from './proxy.js';
import { benchDocker, DOCKER_TARGETS } from './docker.js';
import { machineInfo } from './machine.js';
import type { Figure, Target } from './stats.js';

type Scenario = {
  run: (opts: { runs: number; scale: number; minions?: number; pods?: number; progress: (line: string) => void }) => Promise<{ figures: Record<string, Figure> }>;
  targets: Record<string, Target>;
  defaultRuns: number;
};

const SCENARIO_TABLE: Record<string, Scenario> = {
  actors: { run: benchActors, targets: ACTORS_TARGETS, defaultRuns: 5 },
  api: { run: benchApi, targets: API_TARGETS, defaultRuns: 3 },
  cluster: { run: benchCluster, targets: CLUSTER_TARGETS, defaultRuns: 3 },
  proxy: { run: benchProxy, targets: PROXY_TARGETS, defaultRuns: 5 },
  docker: { run: benchDocker, targets: DOCKER_TARGETS, defaultRuns: 3 },
};
const SCENARIOS = Object.keys(SCENARIO_TABLE);

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      runs: { type: 'string' },
      scale: { type: 'string', default: '1' },
      minions: { type: 'string' },
      pods: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const scenario = positionals[0];
  if (values.help || !scenario) {
    process.stdout.write(`usage: npm run bench -- <${SCENARIOS.join('|')}> [--json] [--runs N] [--scale X] [--minions N --pods N (cluster)]\n`);
    return values.help ? 0 : 2;
  }
  const chosen = SCENARIO_TABLE[scenario];
  if (!chosen) {
    process.stderr.write(`unknown scenario "${scenario}"; one of: ${SCENARIOS.join(', ')}\n`);
    return 2;
  }
  const runs = Number(values.runs ?? chosen.defaultRuns);
  const scale = Number(values.scale);
  if (!Number.isInteger(runs) || runs < 1) throw new TypeError('--runs must be a positive integer');
  if (!(scale > 0)) throw new TypeError('--scale must be a number > 0');
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const machine = machineInfo();
  const count = (name: 'minions' | 'pods') => {
    if (values[name] === undefined) return undefined;
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < 1) throw new TypeError(`--${name} must be a positive integer`);
    return n;
  };
  const result = await chosen.run({ runs, scale, minions: count('minions'), pods: count('pods'), progress });
  if (values.json) {
    process.stdout.write(JSON.stringify({ scenario, machine, runs, ...result }) + '\n');
    return 0;
  }
  const rows: string[][] = [['figure', 'median', 'min – max', 'target', 'anchor']];
  for (const [key, fig] of Object.entries(result.figures)) {
    const t = chosen.targets[key];
    const ok = t ? (t.op === '>=' ? fig.median >= t.value : fig.median <= t.value) : undefined;
    rows.push([
      key,
      fmt(fig.median),
      `${fmt(fig.min)} – ${fmt(fig.max)}`,
      t ? `${t.op} ${fmt(t.value)} ${ok ? 'met' : 'MISSED'}` : '',
      t?.anchor ?? '',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  process.stdout.write(`${scenario} — ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${runs} runs (medians)\n`);
  for (const r of rows) process.stdout.write(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n');
  return 0;
}

function fmt(x: number): string {
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  return String(Math.round(x * 1000) / 1000);
}

main().then(
  (code) => (process.exitCode = code),
  (err: Error) => {
    process.stderr.write(`bench: ${err.message}\n`);
    process.exitCode = 1;
  },
);

#!/usr/bin/env node
/**
 * `helmsman bench <scenario|all> [options]` (also `npm run bench -- …`): runs benchmark scenarios
 * with progress on stderr, then prints each figure with its median, min–max, target and anchor (or,
 * with `--json`, one JSON document on stdout) and, with `--report FILE`, writes an HTML report.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { machineInfo } from './machine.js';
import { runWithProgress } from './progress.js';
import { writeReport } from './report.js';
import type { BenchResults, ReportedFigure, ScenarioResult } from './results.js';
import { parseDuration } from '../src/cli/duration.js';
import { SCENARIOS, type ScenarioOptions, type ScenarioOutput } from './scenarios.js';

const USAGE = `usage: helmsman bench <${[...Object.keys(SCENARIOS), 'all'].join('|')}> [options]
  --runs N        runs per figure (medians are reported; default per scenario)
  --scale X       scales durations and sizes (default 1)
  --minions N --pods N     cluster size (cluster, recovery, churn's minions; remote's
                  hollow minions, 1,000, and burst, 30,000; ui's cluster, 1,000
                  and 10,000)
  --rate N --duration D    churn's pods per second (1,000) and duration (60 s); load's
                  requests per second (2,000) and duration (5m); soak's duration (10m);
                  remote's churn (100 pods/s for 30 s).
                  D is seconds or a duration such as 10m or 1m30s
  --json          one JSON document on stdout instead of tables
  --report FILE   also write an HTML report with charts
`;

/** Runs the command; resolves with the exit code (1 when a scenario failed, 2 for bad usage). */
export async function benchMain(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        runs: { type: 'string' },
        scale: { type: 'string', default: '1' },
        minions: { type: 'string' },
        pods: { type: 'string' },
        rate: { type: 'string' },
        duration: { type: 'string' },
        report: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const scenario = positionals[0];
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!scenario) {
    process.stderr.write(`a scenario is needed\n${USAGE}`);
    return 2;
  }
  const names = scenario === 'all' ? Object.keys(SCENARIOS) : [scenario];
  if (!names.every((n) => n in SCENARIOS)) {
    process.stderr.write(`unknown scenario "${scenario}"\n${USAGE}`);
    return 2;
  }
  const count = (name: string, min = 1): number | undefined => {
    const v = values[name as keyof typeof values];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}`);
    return n;
  };
  let options: Omit<ScenarioOptions, 'runs' | 'progress'>;
  let runs: number | undefined;
  try {
    const scale = Number(values.scale);
    if (!(scale > 0)) throw new UsageError('--scale must be a number > 0');
    runs = count('runs');
    // --duration: seconds, or a duration as Kubernetes' flags write it (10m, 1m30s).
    const duration = values.duration as string | undefined;
    const durationMs = duration === undefined ? undefined : /^\d+$/.test(duration) ? Number(duration) * 1000 : parseDuration(duration);
    if (durationMs !== undefined && !(durationMs >= 1000)) throw new UsageError('--duration must be seconds (>= 1) or a duration such as 10m or 1m30s');
    options = { scale, minions: count('minions'), pods: count('pods'), rate: count('rate'), durationSec: durationMs === undefined ? undefined : Math.round(durationMs / 1000) };
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n${USAGE}`);
    return 2;
  }

  const results: BenchResults = { command: `helmsman bench ${argv.join(' ')}`, startedAt: new Date().toISOString(), machine: machineInfo(), scenarios: [] };
  const outputs: Record<string, ScenarioOutput & { runs: number }> = {};
  let failed = false;
  await runWithProgress(
    names.map((name) => ({
      title: name,
      run: async (progress) => {
        const chosen = SCENARIOS[name]!;
        const why = await chosen.unavailable?.();
        if (why) {
          if (scenario !== 'all') throw new Error(why);
          return `skipped: ${why}`;
        }
        const n = runs ?? chosen.defaultRuns;
        const t0 = performance.now();
        let output: ScenarioOutput;
        try {
          output = await chosen.run({ ...options, runs: n, progress });
        } catch (err) {
          failed = true;
          throw err;
        }
        outputs[name] = { ...output, runs: n };
        const result = scenarioResult(name, n, (performance.now() - t0) / 1000, output);
        results.scenarios.push(result);
        const figures = Object.values(result.figures).filter((f) => f.target);
        const missed = figures.filter((f) => !f.met).length;
        const summary = figures.length === 0 ? 'done' : missed === 0 ? `all ${figures.length} targets met` : `${missed} of ${figures.length} targets missed`;
        return [summary, ...(output.notes ?? [])].join('; ');
      },
    })),
  ).catch(() => (failed = true));

  if (values.json) {
    const doc =
      scenario !== 'all'
        ? { scenario, machine: results.machine, ...(outputs[scenario] ?? { error: 'the scenario failed (see stderr)' }) }
        : { scenario: 'all', command: results.command, startedAt: results.startedAt, machine: results.machine, scenarios: outputs };
    process.stdout.write(JSON.stringify(doc) + '\n');
  } else {
    process.stdout.write(renderTables(results));
  }
  if (values.report) {
    await writeReport(values.report, results);
    process.stderr.write(`report written to ${values.report}\n`);
  }
  return failed ? 1 : 0;
}

class UsageError extends Error {}

/** A scenario's figures with their targets and verdicts. */
function scenarioResult(name: string, runs: number, elapsedSec: number, output: ScenarioOutput): ScenarioResult {
  const targets = SCENARIOS[name]!.targets;
  const figures: Record<string, ReportedFigure> = {};
  for (const [key, fig] of Object.entries(output.figures)) {
    const target = targets[key];
    figures[key] = target ? { ...fig, target, met: target.op === '>=' ? fig.median >= target.value : fig.median <= target.value } : { ...fig };
  }
  return { scenario: name, runs, elapsedSec, figures, distributions: output.distributions ?? {}, series: output.series ?? {}, ...(output.notes ? { notes: output.notes } : {}) };
}

/** The final tables: one per scenario, a missed target in red on a terminal. */
function renderTables(results: BenchResults): string {
  const m = results.machine;
  const color = process.stdout.isTTY === true;
  const red = (s: string) => (color ? `\x1b[31m${s}\x1b[0m` : s);
  const green = (s: string) => (color ? `\x1b[32m${s}\x1b[0m` : s);
  let out = `machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}\n`;
  for (const s of results.scenarios) {
    const rows: string[][] = [['figure', 'median', 'min – max', 'target', 'anchor']];
    const verdicts: (boolean | undefined)[] = [undefined];
    for (const [key, f] of Object.entries(s.figures)) {
      rows.push([key, fmt(f.median), `${fmt(f.min)} – ${fmt(f.max)}`, f.target ? `${f.target.op} ${fmt(f.target.value)} ${f.met ? 'met' : 'MISSED'}` : '', f.target?.anchor ?? '']);
      verdicts.push(f.met);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    out += `\n${s.scenario} — ${s.runs} runs (medians), ${Math.round(s.elapsedSec)} s\n`;
    rows.forEach((r, i) => {
      const line = r.map((c, j) => c.padEnd(widths[j]!)).join('  ').trimEnd();
      out += `${verdicts[i] === false ? red(line) : verdicts[i] === true ? green(line) : line}\n`;
    });
    for (const note of s.notes ?? []) out += `note: ${note}\n`;
  }
  const targeted = results.scenarios.flatMap((s) => Object.entries(s.figures).filter(([, f]) => f.target).map(([key, f]) => ({ name: `${s.scenario}.${key}`, met: f.met })));
  const missed = targeted.filter((f) => !f.met).map((f) => f.name);
  if (targeted.length > 0) {
    const line = `targets: ${targeted.length - missed.length} of ${targeted.length} met${missed.length ? `; missed: ${missed.join(', ')}` : ''}`;
    out += `\n${missed.length ? red(line) : green(line)}\n`;
  }
  return out;
}

function fmt(x: number): string {
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  return String(Math.round(x * 1000) / 1000);
}

// Run directly (`node dist/bench/run.js …`, what `npm run bench` does), not when imported by `helmsman bench`.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchMain(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: Error) => {
      process.stderr.write(`bench: ${err.message}\n`);
      process.exitCode = 1;
    },
  );
}

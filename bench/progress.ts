/**
 * Progress while benchmarks run: a task list on a terminal (listr2: a spinner per scenario with
 * its current step under it), plain timestamped lines otherwise — on stderr either way, so that
 * stdout holds only the results (`--json`).
 */
import { Listr, ListrLogger, ProcessOutput } from 'listr2';

/** One step of the harness: a scenario to run, given a way to report its progress. */
export interface ProgressTask {
  title: string;
  /** Runs it; returns the summary shown once it is done. */
  run: (progress: (line: string) => void) => Promise<string>;
}

/** Runs the tasks one after the other, showing their progress; a failing one is reported and the rest still run. */
export async function runWithProgress(tasks: ProgressTask[]): Promise<void> {
  const tty = process.stderr.isTTY === true && process.env.CI === undefined;
  const started = performance.now();
  const plain = (line: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${line}\n`);
  const listr = new Listr(
    tasks.map((t) => ({
      title: t.title,
      task: async (_: unknown, task: { output: string; title: string }) => {
        const summary = await t.run((line) => (tty ? (task.output = line) : plain(`${t.title}: ${line}`)));
        task.title = `${t.title}: ${summary}`;
      },
    })),
    {
      concurrent: false,
      exitOnError: false,
      renderer: tty ? 'default' : 'simple',
      rendererOptions: { logger: new ListrLogger({ processOutput: new ProcessOutput(process.stderr, process.stderr) }) },
    },
  );
  await listr.run();
}

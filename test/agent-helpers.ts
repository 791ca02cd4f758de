/** Running `helmsman minion` agents as processes of their own, and finding the processes their pods run. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

const HELMSMAN = new URL('../src/cli/helmsman.js', import.meta.url).pathname;

/** A `helmsman minion` process. */
export interface AgentProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs `helmsman minion ...args` (through `via`, such as `ip netns exec NS`, when given) and resolves once it says it joined. */
export async function startAgent(args: string[], options: { via?: string[] } = {}): Promise<AgentProcess> {
  const command = [...(options.via ?? []), process.execPath, HELMSMAN, 'minion', ...args];
  const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`helmsman minion did not join: ${out}`)), 30_000);
    const look = (): void => {
      if (!/ joined /.test(out)) return;
      clearTimeout(timer);
      child.stdout.off('data', look);
      resolve();
    };
    child.stdout.on('data', look);
    void exited.then((code) => reject(new Error(`helmsman minion exited with ${code}: ${out}`)));
  });
  return {
    child,
    output: () => out,
    stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** The pids of the processes whose command line holds `marker` (pgrep -f), sorted. */
export function pidsOf(marker: string): Promise<number[]> {
  return new Promise((resolve) => {
    execFile('pgrep', ['-f', marker], (_err, stdout) => resolve(stdout.split('\n').filter(Boolean).map(Number).sort((a, b) => a - b)));
  });
}

/** A TCP port free on loopback now (for a server that must come back on the same one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

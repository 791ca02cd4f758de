/**
 * ProcessRuntime: runs a container's `command` (plus `args`) as a host process — no shell, the
 * arguments passed as an array — in a process group of its own, with the container's `workingDir`
 * and `env` and the pod's `POD_IP` / `PORT`. Output (stdout and stderr) is kept for `logs`, bounded.
 * Removing a container kills its whole group: SIGTERM, then SIGKILL after the grace period.
 * It runs no images: a container without a command fails to start with a reason that says so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { RealClock, type Clock } from '../kernel/index.js';
import { containerOf, ExitListeners } from './exits.js';
import { ContainerStartError, type ContainerExit, type ContainerRuntime, type ContainerSpec, type RuntimeContainer } from './runtime.js';

/** Options of the process runtime. */
export interface ProcessRuntimeOptions {
  /** Output kept per container, in bytes (default 1 MiB); older lines are dropped first. */
  logLimitBytes?: number;
}

/** The variables a container's process gets from the host besides its own (nothing else leaks in). */
const HOST_ENV = ['PATH', 'HOME', 'LANG', 'TZ'];

interface Proc {
  id: string;
  podUid: string;
  name: string;
  restartCount: number;
  child: ChildProcess;
  pgid: number;
  env: Record<string, string>;
  cwd: string | undefined;
  state: 'running' | 'exited';
  startedAt: number;
  exitCode?: number;
  finishedAt?: number;
  reason?: string;
  /** Set when the pod removes it: its exit is then not reported. */
  removing?: boolean;
  exited: Promise<void>;
  log: string[];
  logBytes: number;
}

/** The host-process runtime. */
export class ProcessRuntime implements ContainerRuntime {
  readonly kind = 'process';
  private readonly logLimit: number;
  private readonly procs = new Map<string, Proc>();
  private readonly listeners = new ExitListeners();
  private nextId = 1;

  constructor(
    options: ProcessRuntimeOptions = {},
    private readonly clock: Clock = new RealClock(),
  ) {
    const limit = options.logLimitBytes ?? 1 << 20;
    if (!Number.isInteger(limit) || limit < 1024) throw new RangeError('logLimitBytes must be an integer of at least 1024');
    this.logLimit = limit;
  }

  start(spec: ContainerSpec): Promise<RuntimeContainer> {
    const { container, pod } = spec;
    const command = [...(container.command ?? []), ...(container.args ?? [])];
    if (!container.command?.length) {
      return Promise.reject(
        new ContainerStartError(
          'CreateContainerConfigError',
          `the process runtime runs a container's command and pulls no images: container "${container.name}" (image "${container.image}") has no command`,
        ),
      );
    }
    const env: Record<string, string> = {};
    for (const key of HOST_ENV) if (process.env[key] !== undefined) env[key] = process.env[key]!;
    for (const v of spec.env) env[v.name] = v.value;
    for (const v of container.env) env[v.name] = v.value;
    let child: ChildProcess;
    try {
      child = spawn(command[0]!, command.slice(1), { cwd: container.workingDir || undefined, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      return Promise.reject(new ContainerStartError('RunContainerError', `cannot start "${command[0]}": ${(err as Error).message}`));
    }
    return new Promise<RuntimeContainer>((resolve, reject) => {
      child.once('error', (err) => reject(new ContainerStartError('RunContainerError', `cannot start "${command[0]}": ${err.message}`)));
      child.once('spawn', () => {
        const proc: Proc = {
          id: `proc-${this.nextId++}`,
          podUid: pod.uid,
          name: container.name,
          restartCount: spec.restartCount,
          child,
          pgid: child.pid!,
          env,
          cwd: container.workingDir || undefined,
          state: 'running',
          startedAt: this.clock.now(),
          exited: new Promise((done) => child.once('exit', () => done())),
          log: [],
          logBytes: 0,
        };
        this.procs.set(proc.id, proc);
        child.stdout!.setEncoding('utf8').on('data', (text: string) => this.append(proc, text));
        child.stderr!.setEncoding('utf8').on('data', (text: string) => this.append(proc, text));
        child.once('exit', (code, signal) => this.exited(proc, code, signal));
        resolve(containerOf(proc));
      });
    });
  }

  async list(podUid: string): Promise<RuntimeContainer[]> {
    return [...this.procs.values()].filter((p) => p.podUid === podUid).map(containerOf);
  }

  async countRunning(): Promise<number> {
    let n = 0;
    for (const p of this.procs.values()) if (p.state === 'running') n++;
    return n;
  }

  async remove(id: string, graceMs: number): Promise<void> {
    const proc = this.procs.get(id);
    if (!proc) return;
    proc.removing = true;
    if (proc.state === 'running') {
      killGroup(proc.pgid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(proc.pgid, 'SIGKILL'), graceMs);
      await proc.exited;
      clearTimeout(timer);
    }
    // (When the leader exited, `exited` killed what it left in its group: no orphans.)
    this.procs.delete(id);
  }

  async kill(id: string): Promise<void> {
    const proc = this.procs.get(id);
    if (proc?.state === 'running') killGroup(proc.pgid, 'SIGKILL');
  }

  async exec(id: string, command: string[], timeoutMs: number): Promise<number> {
    const proc = this.procs.get(id);
    if (!proc || proc.state !== 'running') throw new Error(`container ${id} is not running`);
    if (command.length === 0) throw new Error('exec needs a command');
    return new Promise<number>((resolve, reject) => {
      const child = spawn(command[0]!, command.slice(1), { cwd: proc.cwd, env: proc.env, stdio: 'ignore', detached: true });
      const timer = setTimeout(() => {
        killGroup(child.pid!, 'SIGKILL');
        reject(new Error(`command timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      child.once('error', (err) => (clearTimeout(timer), reject(err)));
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        resolve(exitCodeOf(code, signal));
      });
    });
  }

  onExit(podUid: string, listener: (exit: ContainerExit) => void): () => void {
    return this.listeners.on(podUid, listener);
  }

  async logs(id: string, tailLines?: number): Promise<string> {
    const proc = this.procs.get(id);
    if (!proc) return '';
    const lines = tailLines === undefined ? proc.log : proc.log.slice(-tailLines);
    return lines.join('');
  }

  /** Stops listening; the processes belong to their pods (remove them first to stop them). */
  async close(): Promise<void> {
    this.listeners.clear();
  }

  private append(proc: Proc, text: string): void {
    // Keep whole lines where possible: split after each newline.
    for (const line of text.split(/(?<=\n)/)) {
      const last = proc.log.length - 1;
      if (last >= 0 && !proc.log[last]!.endsWith('\n')) proc.log[last] += line;
      else proc.log.push(line);
      proc.logBytes += line.length;
    }
    while (proc.logBytes > this.logLimit && proc.log.length > 1) proc.logBytes -= proc.log.shift()!.length;
  }

  private exited(proc: Proc, code: number | null, signal: NodeJS.Signals | null): void {
    proc.state = 'exited';
    proc.exitCode = exitCodeOf(code, signal);
    proc.finishedAt = this.clock.now();
    proc.reason = proc.exitCode === 0 ? 'Completed' : 'Error';
    // The leader is gone; anything it started in its group goes with it.
    killGroup(proc.pgid, 'SIGKILL');
    if (proc.removing) return;
    const exit: ContainerExit = { id: proc.id, podUid: proc.podUid, name: proc.name, exitCode: proc.exitCode, finishedAt: proc.finishedAt, reason: proc.reason };
    this.listeners.emit(exit);
  }
}

/** A process's exit as a shell reports it: its code, or 128 + the signal that ended it. */
function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  return code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

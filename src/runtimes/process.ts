/**
 * ProcessRuntime: runs a container's `command` (plus `args`) as a host process — no shell, the
 * arguments passed as an array — in a process group of its own, with the container's `workingDir`
 * and `env` and the pod's `POD_IP` / `PORT`. Output (stdout and stderr) is kept for `logs`, bounded.
 * Removing a container kills its whole group: SIGTERM, then SIGKILL after the grace period.
 * It runs no images: a container without a command fails to start with a reason that says so.
 *
 * With a `stateDir` (a remote minion's), its containers outlive it: each has a record
 * (`containers/ID.json`: pid, process start time, pod, restarts) and writes its output straight to
 * a file (`logs/ID.log`), so a runtime made again on the same folder — the agent restarted, even
 * after `kill -9` — finds the processes still running and adopts them (their exits are then seen
 * by polling, and an exit code that nobody could collect is reported as Kubernetes does:
 * 137, `ContainerStatusUnknown`), with their logs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, fstatSync, ftruncateSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { constants } from 'node:os';
import { RealClock, type Clock } from '../kernel/index.js';
import { containerOf, ExitListeners } from './exits.js';
import { ContainerStartError, type ContainerExit, type ContainerRuntime, type ContainerSpec, type RuntimeContainer } from './runtime.js';

/** Options of the process runtime. */
export interface ProcessRuntimeOptions {
  /** Output kept per container, in bytes (default 1 MiB); older lines are dropped first. */
  logLimitBytes?: number;
  /** Where containers' records and output files live, so that a runtime made again adopts them (see the module comment). */
  stateDir?: string;
}

/** A container's record in the state folder. */
interface ProcRecord {
  id: string;
  podUid: string;
  node?: string;
  name: string;
  restartCount: number;
  pid: number;
  /** The process's start time in clock ticks since boot (`/proc/PID/stat`): a reused pid is not it. */
  startTicks: string;
  startedAt: number;
  env: Record<string, string>;
  cwd: string | undefined;
  state: 'running' | 'exited';
  exitCode?: number;
  finishedAt?: number;
  reason?: string;
}

/** How often adopted processes are looked at, and output files checked against their limit. */
const POLL_MS = 1000;

/** The variables a container's process gets from the host besides its own (nothing else leaks in). */
const HOST_ENV = ['PATH', 'HOME', 'LANG', 'TZ'];

interface Proc {
  id: string;
  podUid: string;
  name: string;
  restartCount: number;
  /** The minion that started it. */
  node: string | undefined;
  /** The child process, unless adopted from an earlier runtime (then its exit is polled). */
  child: ChildProcess | undefined;
  pgid: number;
  startTicks: string;
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
  /** Resolves `exited` for an adopted process. */
  markExited?: () => void;
  log: string[];
  logBytes: number;
  /** Its output file (with a state folder). */
  logFile?: string;
}

/** The host-process runtime. */
export class ProcessRuntime implements ContainerRuntime {
  readonly kind = 'process';
  private readonly logLimit: number;
  private readonly procs = new Map<string, Proc>();
  private readonly listeners = new ExitListeners();
  private nextId = 1;
  private readonly stateDir: string | undefined;
  private poller: NodeJS.Timeout | undefined;
  /** Closed: what its processes do is no longer its business (nor written to their records). */
  private closed = false;

  constructor(
    options: ProcessRuntimeOptions = {},
    private readonly clock: Clock = new RealClock(),
  ) {
    const limit = options.logLimitBytes ?? 1 << 20;
    if (!Number.isInteger(limit) || limit < 1024) throw new RangeError('logLimitBytes must be an integer of at least 1024');
    this.logLimit = limit;
    this.stateDir = options.stateDir;
    if (this.stateDir) {
      mkdirSync(join(this.stateDir, 'containers'), { recursive: true, mode: 0o700 });
      mkdirSync(join(this.stateDir, 'logs'), { recursive: true, mode: 0o700 });
      this.adopt();
      this.poller = setInterval(() => this.poll(), POLL_MS);
      this.poller.unref();
    }
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
    const id = this.stateDir ? `proc-${randomBytes(6).toString('hex')}` : `proc-${this.nextId++}`;
    const logFile = this.stateDir ? join(this.stateDir, 'logs', `${id}.log`) : undefined;
    // With a state folder the output goes straight to a file: it outlives this process, as the container does.
    const out = logFile ? openSync(logFile, 'a', 0o600) : 'pipe';
    try {
      child = spawn(command[0]!, command.slice(1), { cwd: container.workingDir || undefined, env, detached: true, stdio: ['ignore', out, out] });
    } catch (err) {
      return Promise.reject(new ContainerStartError('RunContainerError', `cannot start "${command[0]}": ${(err as Error).message}`));
    } finally {
      if (typeof out === 'number') closeSync(out);
    }
    return new Promise<RuntimeContainer>((resolve, reject) => {
      child.once('error', (err) => reject(new ContainerStartError('RunContainerError', `cannot start "${command[0]}": ${err.message}`)));
      child.once('spawn', () => {
        const proc: Proc = {
          id,
          podUid: pod.uid,
          name: container.name,
          restartCount: spec.restartCount,
          node: spec.node,
          child,
          pgid: child.pid!,
          startTicks: startTicksOf(child.pid!) ?? '',
          logFile,
          env,
          cwd: container.workingDir || undefined,
          state: 'running',
          startedAt: this.clock.now(),
          exited: new Promise((done) => child.once('exit', () => done())),
          log: [],
          logBytes: 0,
        };
        this.procs.set(proc.id, proc);
        child.stdout?.setEncoding('utf8').on('data', (text: string) => this.append(proc, text));
        child.stderr?.setEncoding('utf8').on('data', (text: string) => this.append(proc, text));
        child.once('exit', (code, signal) => {
          // The exit is told once its output is read: 'close' comes when the pipes are drained
          // (the group killed first, so nothing the leader left behind holds them open).
          killGroup(proc.pgid, 'SIGKILL');
          let told = false;
          const tell = (): void => {
            if (told) return;
            told = true;
            clearTimeout(timer);
            this.exited(proc, exitCodeOf(code, signal));
          };
          const timer = setTimeout(tell, 1000);
          child.once('close', tell);
        });
        this.record(proc);
        resolve(containerOf(proc));
      });
    });
  }

  async list(podUid: string): Promise<RuntimeContainer[]> {
    return [...this.procs.values()].filter((p) => p.podUid === podUid).map(containerOf);
  }

  /** The pods this runtime has containers of (a restarted minion removes those it no longer runs). */
  async podUids(node?: string): Promise<string[]> {
    return [...new Set([...this.procs.values()].filter((p) => node === undefined || p.node === node).map((p) => p.podUid))];
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
    if (this.stateDir) {
      rmSync(this.recordFile(id), { force: true });
      if (proc.logFile) rmSync(proc.logFile, { force: true });
    }
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
    const log = proc.logFile ? splitLines(readTail(proc.logFile, this.logLimit)) : proc.log;
    const lines = tailLines === undefined ? log : log.slice(-tailLines);
    return lines.join('');
  }

  /** Stops listening; the processes belong to their pods (remove them first to stop them). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.poller);
    this.listeners.clear();
  }

  private recordFile(id: string): string {
    return join(this.stateDir!, 'containers', `${id}.json`);
  }

  /** Writes a container's record (atomically: a crash leaves the old one or the new one). */
  private record(proc: Proc): void {
    if (!this.stateDir) return;
    const rec: ProcRecord = {
      id: proc.id,
      podUid: proc.podUid,
      node: proc.node,
      name: proc.name,
      restartCount: proc.restartCount,
      pid: proc.pgid,
      startTicks: proc.startTicks,
      startedAt: proc.startedAt,
      env: proc.env,
      cwd: proc.cwd,
      state: proc.state,
      exitCode: proc.exitCode,
      finishedAt: proc.finishedAt,
      reason: proc.reason,
    };
    const file = this.recordFile(proc.id);
    writeFileSync(`${file}.tmp`, JSON.stringify(rec), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }

  /** Takes over the containers an earlier runtime on the same folder left: running ones are watched, dead ones reported exited. */
  private adopt(): void {
    const dir = join(this.stateDir!, 'containers');
    for (const entry of readdirSync(dir)) {
      if (!entry.endsWith('.json')) continue;
      let rec: ProcRecord;
      try {
        rec = JSON.parse(readFileSync(join(dir, entry), 'utf8')) as ProcRecord;
      } catch {
        continue; // a torn record (the .tmp is what was being written): nothing to adopt
      }
      let markExited!: () => void;
      const proc: Proc = {
        id: rec.id,
        podUid: rec.podUid,
        node: rec.node,
        name: rec.name,
        restartCount: rec.restartCount,
        child: undefined,
        pgid: rec.pid,
        startTicks: rec.startTicks,
        env: rec.env,
        cwd: rec.cwd,
        state: rec.state,
        startedAt: rec.startedAt,
        exitCode: rec.exitCode,
        finishedAt: rec.finishedAt,
        reason: rec.reason,
        exited: new Promise<void>((done) => (markExited = done)),
        log: [],
        logBytes: 0,
        logFile: join(this.stateDir!, 'logs', `${rec.id}.log`),
      };
      proc.markExited = markExited;
      this.procs.set(proc.id, proc);
      if (proc.state === 'exited') markExited();
      else if (!alive(proc)) this.lost(proc);
    }
  }

  /** An adopted process that ended while nobody could collect its exit code. */
  private lost(proc: Proc): void {
    this.exited(proc, 137, 'ContainerStatusUnknown');
  }

  /** Adopted processes that ended; output files over their limit cut back to it. */
  private poll(): void {
    for (const proc of this.procs.values()) {
      if (proc.state !== 'running') continue;
      if (!proc.child && !alive(proc)) this.lost(proc);
      if (proc.logFile) trimFile(proc.logFile, this.logLimit);
    }
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

  private exited(proc: Proc, exitCode: number, reason?: string): void {
    proc.state = 'exited';
    proc.exitCode = exitCode;
    proc.finishedAt = this.clock.now();
    proc.reason = reason ?? (exitCode === 0 ? 'Completed' : 'Error');
    // The leader is gone; anything it started in its group goes with it.
    killGroup(proc.pgid, 'SIGKILL');
    proc.markExited?.();
    if (this.closed) return;
    if (this.stateDir && this.procs.has(proc.id)) this.record(proc);
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

/** A process's start time in clock ticks since boot (field 22 of `/proc/PID/stat`), or undefined when it is gone (or a zombie). */
function startTicksOf(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: the fields after it follow the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[0] === 'Z' ? undefined : fields[19];
}

/** Whether an adopted container's process is still the one it started (not a reused pid). */
function alive(proc: Proc): boolean {
  const ticks = startTicksOf(proc.pgid);
  return ticks !== undefined && ticks === proc.startTicks;
}

/** The last `limit` bytes of a file ('' when there is none). */
function readTail(file: string, limit: number): string {
  if (!existsSync(file)) return '';
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, limit);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    const text = buf.toString('utf8');
    // A cut inside a line drops that line's start: begin at the next whole line.
    return size > limit ? text.slice(text.indexOf('\n') + 1) : text;
  } finally {
    closeSync(fd);
  }
}

/** Cuts a container's output file back to its last `limit` bytes once it has grown to four times that. */
function trimFile(file: string, limit: number): void {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return;
  }
  if (size < 4 * limit) return;
  const tail = readTail(file, limit);
  const fd = openSync(file, 'r+');
  try {
    // The process appends (O_APPEND): what it writes meanwhile lands after what is kept.
    ftruncateSync(fd, 0);
    writeSync(fd, tail, 0);
  } finally {
    closeSync(fd);
  }
}

/** Lines with their newlines kept. */
function splitLines(text: string): string[] {
  return text ? text.split(/(?<=\n)/) : [];
}

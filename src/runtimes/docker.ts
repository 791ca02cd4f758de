/**
 * DockerRuntime: containers in a Docker engine, through dockerode. Host networking (each pod's
 * address is a loopback address its containers bind, as with the process runtime) and
 * `RestartPolicy: no` — restarts are the pod actor's business. Labels mark the owning pod, so a
 * restarted helmsman lists and adopts what runs instead of starting duplicates. Exits come from
 * the engine's events stream (split on newlines; on reconnect, from where it left off, and the
 * pods' stopped containers re-listed by label).
 */
import Docker from 'dockerode';
import { RealClock, type Clock } from '../kernel/index.js';
import { ExitListeners } from './exits.js';
import { ContainerStartError, type ContainerExit, type ContainerRuntime, type ContainerSpec, type RuntimeContainer } from './runtime.js';

/** Options of the Docker runtime. */
export interface DockerRuntimeOptions {
  /** The engine's socket (default: `DOCKER_HOST`'s unix socket, else /var/run/docker.sock). */
  socketPath?: string;
}

const LABEL_POD = 'io.helmsman.pod.uid';
const LABEL_NAME = 'io.helmsman.container.name';
const LABEL_RESTARTS = 'io.helmsman.restart-count';
const LABEL_NODE = 'io.helmsman.node';

/** The engine's socket for these options. */
export function dockerSocket(options: DockerRuntimeOptions = {}): string {
  if (options.socketPath) return options.socketPath;
  const host = process.env.DOCKER_HOST;
  if (host?.startsWith('unix://')) return host.slice('unix://'.length);
  return '/var/run/docker.sock';
}

/** Whether an engine answers on the socket (for `--runtime` defaults and skipping tests). */
export async function dockerAnswers(options: DockerRuntimeOptions = {}): Promise<boolean> {
  try {
    await new Docker({ socketPath: dockerSocket(options) }).ping();
    return true;
  } catch {
    return false;
  }
}

/** The Docker runtime. */
export class DockerRuntime implements ContainerRuntime {
  readonly kind = 'docker';
  private readonly docker: Docker;
  private readonly listeners = new ExitListeners();
  /** Containers being removed on purpose: their exits are not reported. */
  private readonly removing = new Set<string>();
  private events: NodeJS.ReadableStream | undefined;
  private since = Math.floor(Date.now() / 1000);
  private closed = false;

  constructor(
    options: DockerRuntimeOptions = {},
    private readonly clock: Clock = new RealClock(),
  ) {
    this.docker = new Docker({ socketPath: dockerSocket(options) });
    void this.follow();
  }

  async start(spec: ContainerSpec): Promise<RuntimeContainer> {
    const { container, pod } = spec;
    await this.ensureImage(container.image);
    const env = [...spec.env, ...container.env].map((v) => `${v.name}=${v.value}`);
    const created = await this.docker
      .createContainer({
        Image: container.image,
        ...(container.command?.length ? { Entrypoint: container.command } : {}),
        ...(container.args?.length ? { Cmd: container.args } : {}),
        Env: env,
        WorkingDir: container.workingDir || undefined,
        Labels: { [LABEL_POD]: pod.uid, [LABEL_NAME]: container.name, [LABEL_RESTARTS]: String(spec.restartCount), 'io.helmsman.pod.name': pod.name, 'io.helmsman.pod.namespace': pod.namespace, ...(spec.node ? { [LABEL_NODE]: spec.node } : {}) },
        HostConfig: { NetworkMode: 'host', RestartPolicy: { Name: 'no' } },
      })
      .catch((err: Error) => {
        throw new ContainerStartError('CreateContainerError', err.message);
      });
    try {
      await created.start();
    } catch (err) {
      await created.remove({ force: true }).catch(() => {});
      throw new ContainerStartError('RunContainerError', (err as Error).message);
    }
    const info = await created.inspect();
    return { id: created.id, podUid: pod.uid, name: container.name, state: 'running', restartCount: spec.restartCount, startedAt: Date.parse(info.State.StartedAt) || this.clock.now() };
  }

  async podUids(node?: string): Promise<string[]> {
    const found = await this.docker.listContainers({ all: true, filters: { label: node ? [LABEL_POD, `${LABEL_NODE}=${node}`] : [LABEL_POD] } });
    return [...new Set(found.map((c) => c.Labels[LABEL_POD]!))];
  }

  async countRunning(): Promise<number> {
    return (await this.docker.listContainers({ filters: { label: [LABEL_POD], status: ['running'] } })).length;
  }

  async list(podUid: string): Promise<RuntimeContainer[]> {
    const found = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL_POD}=${podUid}`] } });
    const out: RuntimeContainer[] = [];
    for (const c of found) {
      const info = await this.docker.getContainer(c.Id).inspect().catch(() => undefined);
      if (!info) continue;
      const running = info.State.Running;
      const rc: RuntimeContainer = {
        id: c.Id,
        podUid,
        name: c.Labels[LABEL_NAME] ?? '',
        state: running ? 'running' : 'exited',
        restartCount: Number(c.Labels[LABEL_RESTARTS] ?? 0),
        startedAt: Date.parse(info.State.StartedAt) || 0,
      };
      if (!running) Object.assign(rc, this.stopped(info));
      out.push(rc);
    }
    return out;
  }

  async remove(id: string, graceMs: number): Promise<void> {
    this.removing.add(id);
    const c = this.docker.getContainer(id);
    await c.stop({ t: Math.ceil(graceMs / 1000) }).catch(() => {});
    // A removal already under way (a graceful stop that a forced one overtakes) refuses this one:
    // try again until the container is gone, so that a stopped cluster leaves none behind.
    for (let attempt = 0; attempt < 50; attempt++) {
      const err = await c.remove({ force: true }).then(() => undefined, (e: { statusCode?: number }) => e);
      if (err === undefined || err.statusCode === 404) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async kill(id: string): Promise<void> {
    await this.docker.getContainer(id).kill().catch(() => {});
  }

  async exec(id: string, command: string[], timeoutMs: number): Promise<number> {
    const exec = await this.docker.getContainer(id).exec({ Cmd: command, AttachStdout: false, AttachStderr: false });
    // Detached, the engine answers at once; the answer is still a stream that would hold a socket.
    const answer = (await exec.start({ Detach: true })) as unknown as NodeJS.ReadableStream | undefined;
    if (answer) destroy(answer);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const info = await exec.inspect();
      if (!info.Running) return info.ExitCode ?? 1;
      if (Date.now() > deadline) throw new Error(`command timed out after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  onExit(podUid: string, listener: (exit: ContainerExit) => void): () => void {
    return this.listeners.on(podUid, listener);
  }

  async logs(id: string, tailLines?: number): Promise<string> {
    const buffer = (await this.docker
      .getContainer(id)
      .logs({ stdout: true, stderr: true, follow: false, ...(tailLines !== undefined ? { tail: tailLines } : {}) })
      .catch(() => Buffer.alloc(0))) as unknown as Buffer;
    return demux(buffer);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.events) destroy(this.events);
  }

  /**
   * Follows the engine's container `die` events, reconnecting from where it left off; after a
   * reconnect it also re-lists the pods' exited containers (duplicates are harmless: a pod actor
   * ignores the exit of a container it no longer runs).
   */
  private async follow(): Promise<void> {
    for (let connections = 0; !this.closed; connections++) {
      try {
        if (connections > 0) await this.relistExited();
        const stream = await this.docker.getEvents({ since: this.since, filters: { type: ['container'], event: ['die'], label: [LABEL_POD] } });
        this.events = stream;
        if (this.closed) {
          destroy(stream);
          return;
        }
        let pending = '';
        await new Promise<void>((resolve) => {
          stream.on('data', (chunk: Buffer) => {
            pending += chunk.toString('utf8');
            let nl: number;
            while ((nl = pending.indexOf('\n')) >= 0) {
              const line = pending.slice(0, nl).trim();
              pending = pending.slice(nl + 1);
              if (line) this.onEvent(line);
            }
          });
          stream.once('end', () => resolve());
          stream.once('close', () => resolve());
          stream.once('error', () => resolve());
        });
      } catch {
        // The engine is away: try again shortly.
      }
      if (!this.closed) await new Promise((r) => setTimeout(r, 500).unref());
    }
  }

  /** Reports the exits of watched pods' containers found stopped (those the stream may have missed). */
  private async relistExited(): Promise<void> {
    const found = await this.docker.listContainers({ all: true, filters: { label: [LABEL_POD], status: ['exited', 'dead'] } });
    for (const c of found) {
      const podUid = c.Labels[LABEL_POD]!;
      if (!this.listeners.has(podUid) || this.removing.has(c.Id)) continue;
      const info = await this.docker.getContainer(c.Id).inspect().catch(() => undefined);
      if (!info || info.State.Running) continue;
      this.listeners.emit({ id: c.Id, podUid, name: c.Labels[LABEL_NAME] ?? '', ...this.stopped(info) });
    }
  }

  /** How a stopped container ended, from its inspection. */
  private stopped(info: Docker.ContainerInspectInfo): { exitCode: number; finishedAt: number; reason: string } {
    const exitCode = info.State.ExitCode;
    return { exitCode, finishedAt: Date.parse(info.State.FinishedAt) || this.clock.now(), reason: info.State.OOMKilled ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error' };
  }

  private onEvent(line: string): void {
    let event: { id?: string; time?: number; Actor?: { Attributes?: Record<string, string> } };
    try {
      event = JSON.parse(line);
    } catch {
      return;
    }
    if (event.time) this.since = event.time;
    const attrs = event.Actor?.Attributes ?? {};
    const id = event.id ?? '';
    const podUid = attrs[LABEL_POD];
    if (!podUid || this.removing.has(id)) return;
    const exitCode = Number(attrs.exitCode ?? 0);
    const exit: ContainerExit = { id, podUid, name: attrs[LABEL_NAME] ?? '', exitCode, finishedAt: this.clock.now(), reason: exitCode === 0 ? 'Completed' : 'Error' };
    this.listeners.emit(exit);
  }

  /** Makes sure the image is there, pulling it if not; a failure is ErrImagePull. */
  private async ensureImage(image: string): Promise<void> {
    try {
      await this.docker.getImage(image).inspect();
      return;
    } catch {
      // not here: pull it
    }
    try {
      const stream = await this.docker.pull(image);
      await new Promise<void>((resolve, reject) => this.docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
    } catch (err) {
      throw new ContainerStartError('ErrImagePull', `image "${image}" is not on this engine and cannot be pulled: ${(err as Error).message}`);
    }
  }
}

function destroy(stream: NodeJS.ReadableStream): void {
  (stream as unknown as { destroy?: () => void }).destroy?.();
}

/** Docker's multiplexed log format: 8-byte frame headers (stream, 0, 0, 0, size as uint32 BE). */
function demux(buffer: Buffer): string {
  if (buffer.length < 8 || (buffer[0] !== 1 && buffer[0] !== 2) || buffer[1] !== 0) return buffer.toString('utf8');
  const parts: Buffer[] = [];
  for (let at = 0; at + 8 <= buffer.length; ) {
    const size = buffer.readUInt32BE(at + 4);
    parts.push(buffer.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

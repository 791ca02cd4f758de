/** Helpers for tests against a real API server on a loopback port. */
import { readFileSync } from 'node:fs';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../src/server.js';

/** A seed example file (test/fixtures/seed), parsed. */
export function seed(name: 'redis-master-pod' | 'redis-slave-controller'): Record<string, any> {
  return JSON.parse(readFileSync(new URL(`../../test/fixtures/seed/${name}.json`, import.meta.url), 'utf8'));
}

/** The path of a seed example file. */
export function seedPath(name: string): string {
  return new URL(`../../test/fixtures/seed/${name}.json`, import.meta.url).pathname;
}

/** Starts a server with a memory store on a free port. */
export function startServer(opts: ApiServerOptions = {}): Promise<ApiServer> {
  return startApiServer({ port: 0, store: 'memory', shards: 2, ...opts });
}

/** A JSON request; resolves with the code and the parsed body. */
export async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { code: res.status, body: json, headers: res.headers };
}

/** An open watch stream. */
export interface WatchStream {
  code: number;
  /** The Status when the watch was refused. */
  status?: any;
  /** Resolves with the next `count` events (rejects after `timeoutMs`). */
  read(count: number, timeoutMs?: number): Promise<any[]>;
  close(): void;
}

/** Opens a watch; resolves once the server has sent its headers (the watch is registered). */
export async function openWatch(url: string): Promise<WatchStream> {
  const ac = new AbortController();
  const res = await fetch(url, { signal: ac.signal });
  if (res.status !== 200) {
    const status = await res.json();
    return { code: res.status, status, read: async () => [], close: () => ac.abort() };
  }
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const queued: any[] = [];
  let buf = '';
  return {
    code: 200,
    async read(count: number, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (queued.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`only ${queued.length} of ${count} watch events arrived`);
        let timer: NodeJS.Timeout | undefined;
        const chunk = await Promise.race([
          reader.read(),
          new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`only ${queued.length} of ${count} watch events arrived`)), left))),
        ]).finally(() => clearTimeout(timer));
        if (chunk.done) break;
        buf += decoder.decode(chunk.value, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          queued.push(JSON.parse(buf.slice(0, nl)));
          buf = buf.slice(nl + 1);
        }
      }
      return queued.splice(0, count);
    },
    close: () => ac.abort(),
  };
}

const HELMSMAN = new URL('../src/cli/helmsman.js', import.meta.url).pathname;
const KUBECFG = new URL('../src/cli/kubecfg.js', import.meta.url).pathname;

/** A `helmsman up` process. */
export interface UpProcess {
  url: string;
  /** The admin kubeconfig it wrote (`export KUBECONFIG=…`). */
  kubeconfig: string;
  /** Everything it printed so far. */
  output(): string;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs `helmsman up --port 0 ...args` (in a data folder of its own unless `--data` is given,
 * removed when it stops; through `via` when given) and resolves once it says the cluster is up.
 */
export async function startUp(args: string[], options: { via?: string[] } = {}): Promise<UpProcess> {
  const { spawn } = await import('node:child_process');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const ownData = args.includes('--data') ? undefined : mkdtempSync(join(tmpdir(), 'helmsman-up-'));
  // `via`: a command that runs it (`ip netns exec NS`).
  const command = [...(options.via ?? []), process.execPath, HELMSMAN, 'up', '--port', '0', ...(ownData ? ['--data', ownData] : []), ...args];
  const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let kubeconfig = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      if (ownData) rmSync(ownData, { recursive: true, force: true });
      resolve(code);
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`helmsman up did not come up: ${out}`)), 30_000);
    const look = (): void => {
      const m = /cluster up in \d+ ms: .*API on (https?:\/\/\S+)[^]*export KUBECONFIG=(\S+)/.exec(out);
      if (!m) return;
      kubeconfig = m[2]!;
      clearTimeout(timer);
      child.stdout.off('data', look);
      resolve(m[1]!);
    };
    child.stdout.on('data', look);
    void exited.then((code) => reject(new Error(`helmsman up exited with ${code}: ${out}`)));
  });
  return {
    url,
    kubeconfig,
    output: () => out,
    stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the real kubecfg binary against `server`; never rejects. */
export function kubecfgAt(server: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return kubecfgWith({ KUBERNETES_MASTER: server }, ...args);
}

/** Runs the real kubecfg binary with `env` added to this process's; never rejects. */
export async function kubecfgWith(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile(process.execPath, [KUBECFG, ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      resolve({ code: (err as { code?: number } | null)?.code ?? 0, stdout, stderr }),
    );
  });
}

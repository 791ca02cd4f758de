/** Driving the real `kubectl` binary against a helmsman API server, with a private kubeconfig. */
import test from 'ava';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether a kubectl binary is on the PATH. */
export const kubectlFound = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** `test` where kubectl is installed; otherwise skipped with a visible message (CI installs it). */
export const kubectlTest = kubectlFound ? test.serial : test.skip;
if (!kubectlFound) {
  if (process.env.HELMSMAN_KUBECTL_TESTS === 'required') test('kubectl is on the PATH (HELMSMAN_KUBECTL_TESTS=required)', (t) => t.fail('no kubectl'));
  else process.stderr.write('kubectl tests skipped: no kubectl on the PATH (.ci/run installs Debian\'s kubernetes-client)\n');
}

/** What a kubectl run printed, and its exit code. */
export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The folders this file's helpers made, removed when the test process exits. */
const folders: string[] = [];
process.once('exit', () => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** A private temporary folder, gone when the test process exits. */
function tempFolder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  folders.push(dir);
  return dir;
}

/** A kubectl bound to one server: a private, otherwise empty kubeconfig and HOME (no cache shared with anything else). */
export class Kubectl {
  private readonly env: NodeJS.ProcessEnv;
  private readonly home: string;
  private edits = 0;

  /** kubectl against `server` as nobody, or with an existing kubeconfig (`{ kubeconfig }`). */
  constructor(server: string | { kubeconfig: string }) {
    const home = (this.home = tempFolder('helmsman-kubectl-'));
    const config = typeof server === 'string' ? join(home, 'kubeconfig') : server.kubeconfig;
    if (typeof server === 'string') writeFileSync(
      config,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'helmsman', cluster: { server } }],
        users: [{ name: 'nobody', user: {} }],
        contexts: [{ name: 'helmsman', context: { cluster: 'helmsman', user: 'nobody', namespace: 'default' } }],
        'current-context': 'helmsman',
      }),
    );
    this.env = { PATH: process.env.PATH, HOME: home, KUBECONFIG: config, KUBECACHEDIR: join(home, 'cache') };
  }

  /** Runs `kubectl ...args` (with `input` on stdin); never rejects. */
  run(args: string[], input?: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<KubectlResult> {
    return new Promise((resolve) => {
      const child = execFile('kubectl', args, { env: { ...this.env, ...extraEnv }, timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin!.end(input ?? '');
    });
  }

  /** Runs `kubectl ...args` and fails the test with its output when it does not exit 0; resolves with what it printed. */
  async ok(t: { fail(message: string): void }, ...args: string[]): Promise<string> {
    const r = await this.run(args);
    if (r.code !== 0) t.fail(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** Runs `kubectl edit ...args` with an editor that changes the file with the sed script `sed` (`s/a/b/`). */
  edit(args: string[], sed: string): Promise<KubectlResult> {
    const n = ++this.edits;
    const script = join(this.home, `edit-${n}.sed`);
    const editor = join(this.home, `editor-${n}.sh`);
    writeFileSync(script, `${sed}\n`);
    writeFileSync(editor, `#!/bin/sh\nexec sed -i -f '${script}' "$1"\n`);
    chmodSync(editor, 0o755);
    return this.run(['edit', ...args], undefined, { KUBE_EDITOR: editor });
  }

  /** Starts a long-running kubectl (`get -w`); its output so far is in `output()`. */
  spawn(args: string[]): { child: ChildProcess; output: () => string } {
    const child = spawn('kubectl', args, { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    return { child, output: () => out };
  }
}

/** Splits a kubectl table into rows of cells (columns separated by 2+ spaces). */
export function tableRows(text: string): string[][] {
  return text
    .trim()
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => l.trim().split(/\s{2,}/));
}

/** A private folder for `kubectl -f` files: the function writes one and returns its path. */
export function manifestFolder(): (name: string, text: string) => string {
  const dir = tempFolder('helmsman-kubectl-files-');
  return (name, text) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
}

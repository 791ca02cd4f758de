import test from 'ava';
import type { Container } from '../../src/api/model.js';
import { ProcessRuntime } from '../../src/runtimes/process.js';
import { ContainerStartError, type ContainerExit, type ContainerSpec } from '../../src/runtimes/runtime.js';

const NODE = process.execPath;

function spec(podUid: string, command: string[] | undefined, extra: Partial<Container> = {}): ContainerSpec {
  const container: Container = { name: 'main', image: 'node', ports: [], env: [], volumeMounts: [], ...extra };
  if (command) container.command = command;
  return {
    pod: { uid: podUid, namespace: 'default', name: `pod-${podUid}`, labels: {}, annotations: {} },
    container,
    restartCount: 0,
    podIP: '127.0.8.1',
    env: [{ name: 'POD_IP', value: '127.0.8.1' }, { name: 'PORT', value: '8080' }],
  };
}

function nextExit(runtime: ProcessRuntime, podUid: string): Promise<ContainerExit> {
  return new Promise((resolve) => {
    const off = runtime.onExit(podUid, (exit) => {
      off();
      resolve(exit);
    });
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never: ${what}`);
}

test('a container runs its command without a shell, with the pod env, and its output is in the logs', async (t) => {
  const runtime = new ProcessRuntime();
  const script = 'console.log(process.env.POD_IP, process.env.PORT, process.env.GREETING, process.argv[1]); setInterval(() => {}, 1000)';
  const c = await runtime.start(spec('p1', [NODE, '-e', script, '$HOME; echo injected'], { env: [{ name: 'GREETING', value: 'hello' }] }));
  t.teardown(() => runtime.remove(c.id, 0));
  t.is(c.state, 'running');
  await eventually(async () => (await runtime.logs(c.id)).length > 0, 'output');
  t.is(await runtime.logs(c.id), '127.0.8.1 8080 hello $HOME; echo injected\n');
});

test('an exit is reported with its code and reason, and the container stays listed until removed', async (t) => {
  const runtime = new ProcessRuntime();
  const exited = nextExit(runtime, 'p2');
  const c = await runtime.start(spec('p2', [NODE, '-e', 'process.exit(3)']));
  const exit = await exited;
  t.like(exit, { id: c.id, name: 'main', exitCode: 3, reason: 'Error' });
  t.like((await runtime.list('p2'))[0], { state: 'exited', exitCode: 3 });
  await runtime.remove(c.id, 0);
  t.deepEqual(await runtime.list('p2'), []);
});

test('kill ends the container with 137, reported through onExit', async (t) => {
  const runtime = new ProcessRuntime();
  const c = await runtime.start(spec('p3', [NODE, '-e', 'setInterval(() => {}, 1000)']));
  const exited = nextExit(runtime, 'p3');
  await runtime.kill(c.id);
  t.like(await exited, { exitCode: 137, reason: 'Error' });
  await runtime.remove(c.id, 0);
});

test('remove stops the whole process group, grandchildren included, and reports no exit', async (t) => {
  const runtime = new ProcessRuntime();
  const exits: ContainerExit[] = [];
  runtime.onExit('p4', (e) => exits.push(e));
  // The container starts a grandchild and prints its pid; both ignore SIGTERM.
  const script = `
    const { spawn } = require('node:child_process');
    const g = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: 'ignore' });
    console.log(g.pid);
    process.on('SIGTERM', () => {});
    setInterval(() => {}, 1000);`;
  const c = await runtime.start(spec('p4', [NODE, '-e', script]));
  await eventually(async () => /\d+\n/.test(await runtime.logs(c.id)), 'the grandchild pid');
  const grandchild = Number((await runtime.logs(c.id)).trim());
  t.true(alive(grandchild));
  await runtime.remove(c.id, 200);
  await eventually(() => !alive(grandchild), 'the grandchild gone');
  t.deepEqual(exits, []);
  t.deepEqual(await runtime.list('p4'), []);
});

test('a container without a command, or whose program is missing, fails to start with a reason', async (t) => {
  const runtime = new ProcessRuntime();
  const noCommand = await t.throwsAsync(runtime.start(spec('p5', undefined)), { instanceOf: ContainerStartError });
  t.is(noCommand.reason, 'CreateContainerConfigError');
  t.regex(noCommand.message, /pulls no images: container "main" \(image "node"\) has no command/);
  const missing = await t.throwsAsync(runtime.start(spec('p5', ['/nonexistent/program'])), { instanceOf: ContainerStartError });
  t.is(missing.reason, 'RunContainerError');
  t.regex(missing.message, /ENOENT/);
});

test('logs keep the last lines within the limit, and tailLines picks the last ones', async (t) => {
  const runtime = new ProcessRuntime({ logLimitBytes: 1024 });
  const exited = nextExit(runtime, 'p6');
  const c = await runtime.start(spec('p6', [NODE, '-e', 'for (let i = 0; i < 500; i++) console.log(`line ${i}`)']));
  await exited;
  const all = await runtime.logs(c.id);
  t.true(all.length <= 1024 + 20, `${all.length} bytes kept`);
  t.true(all.endsWith('line 499\n'));
  t.is(await runtime.logs(c.id, 2), 'line 498\nline 499\n');
  await runtime.remove(c.id, 0);
});

test('with a state folder, a runtime made again adopts the running processes with their output, and reports one that ended meanwhile as exit 137 ContainerStatusUnknown', async (t) => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const stateDir = mkdtempSync(join(tmpdir(), 'helmsman-process-state-'));
  t.teardown(() => rmSync(stateDir, { recursive: true, force: true }));
  const first = new ProcessRuntime({ stateDir });
  const keeps = await first.start({ ...spec('kept', [NODE, '-e', "console.log('up'); setInterval(() => {}, 1000)"]), node: 'minion-a' });
  const ends = await first.start(spec('ended', [NODE, '-e', 'setInterval(() => {}, 1000)']));
  await eventually(async () => (await first.logs(keeps.id)) === 'up\n', 'output in its file');
  // The runtime goes away as a killed agent's would (nothing stopped); one process ends while nobody watches.
  await first.close();
  const pidOf = async (id: string) => Number(JSON.parse((await import('node:fs')).readFileSync(join(stateDir, 'containers', `${id}.json`), 'utf8')).pid);
  const endedPid = await pidOf(ends.id);
  process.kill(-endedPid, 'SIGKILL');
  await eventually(() => !alive(endedPid), 'the process gone');

  const second = new ProcessRuntime({ stateDir });
  t.teardown(async () => {
    for (const c of [...(await second.list('kept')), ...(await second.list('ended'))]) await second.remove(c.id, 0);
  });
  const [kept] = await second.list('kept');
  t.like(kept, { id: keeps.id, state: 'running', name: 'main', restartCount: 0 });
  t.is(await second.logs(keeps.id), 'up\n');
  t.deepEqual(await second.podUids('minion-a'), ['kept']);
  t.deepEqual((await second.podUids()).sort(), ['ended', 'kept']);
  const [ended] = await second.list('ended');
  t.like(ended, { state: 'exited', exitCode: 137, reason: 'ContainerStatusUnknown' });
  // An adopted process that dies later is seen by polling (its timer does not hold a process open: this one does meanwhile).
  const exited = nextExit(second, 'kept');
  const hold = setInterval(() => {}, 100);
  process.kill(-(await pidOf(keeps.id)), 'SIGKILL');
  t.like(await exited, { id: keeps.id, exitCode: 137, reason: 'ContainerStatusUnknown' });
  clearInterval(hold);
});

import test from 'ava';
import type { Container } from '../../src/api/model.js';
import { VirtualClock, type Clock, type TimerHandle } from '../../src/kernel/clock.js';
import {
  FAKE_CRASH,
  FAKE_EXIT_CODE,
  FAKE_IMAGE_MISSING,
  FAKE_RUN_MS,
  FAKE_START_MS,
  FakeRuntime,
  type FakeRuntimeOptions,
} from '../../src/runtimes/fake.js';
import { ContainerStartError, type ContainerExit, type ContainerSpec } from '../../src/runtimes/runtime.js';

interface SpecOptions {
  container?: string;
  image?: string;
  restartCount?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

function spec(podUid: string, o: SpecOptions = {}): ContainerSpec {
  const container: Container = { name: o.container ?? 'main', image: o.image ?? 'busybox', ports: [], env: [], volumeMounts: [] };
  return {
    pod: { uid: podUid, namespace: 'default', name: `pod-${podUid}`, labels: o.labels ?? {}, annotations: o.annotations ?? {} },
    container,
    restartCount: o.restartCount ?? 0,
    podIP: '10.0.0.1',
    env: [],
  };
}

/** A runtime on a fresh VirtualClock at t=0, closed when the test ends. */
function setup(t: { teardown(fn: () => void | Promise<void>): void }, options: FakeRuntimeOptions = {}) {
  const clock = new VirtualClock(0);
  const runtime = new FakeRuntime(options, clock);
  t.teardown(() => runtime.close());
  return { clock, runtime };
}

/** Collects the exits of one pod. */
function exitsOf(runtime: FakeRuntime, podUid: string): ContainerExit[] {
  const exits: ContainerExit[] = [];
  runtime.onExit(podUid, (e) => exits.push(e));
  return exits;
}

/** A Clock that counts the timers set through it. */
class CountingClock implements Clock {
  timers = 0;
  private readonly inner = new VirtualClock(0);
  now(): number {
    return this.inner.now();
  }
  monotonic(): number {
    return this.inner.monotonic();
  }
  setTimer(fn: () => void, ms: number): TimerHandle {
    this.timers++;
    return this.inner.setTimer(fn, ms);
  }
  clearTimer(handle: TimerHandle): void {
    this.inner.clearTimer(handle);
  }
}

test('start resolves only after startLatencyMs on the clock', async (t) => {
  const { clock, runtime } = setup(t, { startLatencyMs: 100 });
  let started = false;
  const pending = runtime.start(spec('p1')).then((c) => {
    started = true;
    return c;
  });
  await clock.advance(99);
  t.false(started);
  t.deepEqual(await runtime.list('p1'), []);
  await clock.advance(1);
  const c = await pending;
  t.true(started);
  t.is(c.state, 'running');
  t.is(c.startedAt, 100);
  t.is(c.podUid, 'p1');
  t.is(c.name, 'main');
  t.deepEqual(await runtime.list('p1'), [c]);
});

test('a run ends after runDurationMs and its exit code reaches the pod listener', async (t) => {
  const { clock, runtime } = setup(t, { runDurationMs: 500, exitCode: 3 });
  const exits = exitsOf(runtime, 'p1');
  const c = await runtime.start(spec('p1'));
  await clock.advance(499);
  t.deepEqual(exits, []);
  await clock.advance(1);
  t.deepEqual(exits, [{ id: c.id, podUid: 'p1', name: 'main', exitCode: 3, finishedAt: 500, reason: 'Error' }]);
  t.deepEqual(runtime.stats(), { running: 0, exited: 1 });
});

test('a run that ends with code 0 reports reason Completed', async (t) => {
  const { clock, runtime } = setup(t, { runDurationMs: 10 });
  const exits = exitsOf(runtime, 'p1');
  await runtime.start(spec('p1'));
  await clock.advance(10);
  t.is(exits[0]?.exitCode, 0);
  t.is(exits[0]?.reason, 'Completed');
});

test('exits reach only the listeners of their own pod', async (t) => {
  const { clock, runtime } = setup(t, { runDurationMs: 10 });
  const a = exitsOf(runtime, 'a');
  const b = exitsOf(runtime, 'b');
  await runtime.start(spec('a'));
  await clock.advance(10);
  t.is(a.length, 1);
  t.is(b.length, 0);
});

test('crash decisions are the same for two runtimes with the same seed, whatever the order of starts', async (t) => {
  const outcome = async (order: number[], seed: number): Promise<string[]> => {
    const { clock, runtime } = setup(t, { crashRate: 0.5, seed });
    const crashed: string[] = [];
    for (const i of order) {
      runtime.onExit(`pod-${i}`, (e) => crashed.push(e.podUid));
      await runtime.start(spec(`pod-${i}`));
    }
    await clock.advance(0);
    return crashed.sort();
  };
  const forward = Array.from({ length: 200 }, (_, i) => i);
  const backward = [...forward].reverse();
  const first = await outcome(forward, 42);
  t.deepEqual(await outcome(backward, 42), first);
  t.true(first.length > 0 && first.length < 200);
  t.notDeepEqual(await outcome(forward, 43), first, 'another seed gives other outcomes');
});

test('a crashing run exits with code 1 after crashAfterMs, and the next restart is decided afresh', async (t) => {
  const { clock, runtime } = setup(t, { crashRate: 1, crashAfterMs: 250 });
  const exits = exitsOf(runtime, 'p1');
  await runtime.start(spec('p1'));
  await clock.advance(249);
  t.is(exits.length, 0);
  await clock.advance(1);
  t.like(exits[0], { exitCode: 1, reason: 'Error', finishedAt: 250 });
  await runtime.start(spec('p1', { restartCount: 1 }));
  await clock.advance(250);
  t.is(exits.length, 2);
});

test('crashRate is roughly proportional: 1000 pods at 0.3 give 200 to 400 crashes', async (t) => {
  const { clock, runtime } = setup(t, { crashRate: 0.3, seed: 7 });
  let crashes = 0;
  for (let i = 0; i < 1000; i++) {
    const uid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    runtime.onExit(uid, () => crashes++);
    await runtime.start(spec(uid));
  }
  await clock.advance(0);
  t.true(crashes >= 200 && crashes <= 400, `${crashes} crashes`);
  t.deepEqual(runtime.stats(), { running: 1000 - crashes, exited: crashes });
});

test('a crash with crashAfterMs 0 is delivered just after start, not inside it', async (t) => {
  const { clock, runtime } = setup(t, { crashRate: 1 });
  const exits = exitsOf(runtime, 'p1');
  const c = await runtime.start(spec('p1'));
  t.is(c.state, 'running');
  t.is(exits.length, 0);
  await clock.advance(0);
  t.is(exits.length, 1);
});

test('a run whose duration is shorter than crashAfterMs ends normally', async (t) => {
  const { clock, runtime } = setup(t, { crashRate: 1, crashAfterMs: 100, runDurationMs: 50 });
  const exits = exitsOf(runtime, 'p1');
  await runtime.start(spec('p1'));
  await clock.advance(100);
  t.like(exits, [{ exitCode: 0, reason: 'Completed', finishedAt: 50 }]);
});

test('annotations override start latency, run duration and exit code', async (t) => {
  const { clock, runtime } = setup(t);
  const exits = exitsOf(runtime, 'p1');
  const annotations = { [FAKE_START_MS]: '20', [FAKE_RUN_MS]: '30', [FAKE_EXIT_CODE]: '7' };
  const started = runtime.start(spec('p1', { annotations }));
  await clock.advance(20);
  t.is((await started).startedAt, 20);
  await clock.advance(30);
  t.like(exits, [{ exitCode: 7, finishedAt: 50 }]);
});

test('the crash label makes every run of one pod crash while the others keep running', async (t) => {
  const { clock, runtime } = setup(t);
  const bad = exitsOf(runtime, 'bad');
  const good = exitsOf(runtime, 'good');
  for (let restartCount = 0; restartCount < 3; restartCount++) {
    await runtime.start(spec('bad', { restartCount, labels: { [FAKE_CRASH]: 'true' } }));
    await clock.advance(0);
  }
  await runtime.start(spec('good'));
  await clock.advance(1000);
  t.is(bad.length, 3);
  t.true(bad.every((e) => e.exitCode === 1 && e.reason === 'Error'));
  t.is(good.length, 0);
});

test('the crash override honours run-ms, and false protects a pod from crashRate', async (t) => {
  const { clock, runtime } = setup(t, { crashRate: 1 });
  const loop = exitsOf(runtime, 'loop');
  const safe = exitsOf(runtime, 'safe');
  await runtime.start(spec('loop', { annotations: { [FAKE_CRASH]: 'true', [FAKE_RUN_MS]: '40' } }));
  await runtime.start(spec('safe', { annotations: { [FAKE_CRASH]: 'false' } }));
  await clock.advance(39);
  t.is(loop.length, 0);
  await clock.advance(1);
  t.like(loop, [{ exitCode: 1, finishedAt: 40 }]);
  await clock.advance(1000);
  t.is(safe.length, 0);
});

test('an annotation wins over a label of the same key', async (t) => {
  const { clock, runtime } = setup(t);
  const exits = exitsOf(runtime, 'p1');
  await runtime.start(spec('p1', { labels: { [FAKE_RUN_MS]: '10' }, annotations: { [FAKE_RUN_MS]: '60' } }));
  await clock.advance(59);
  t.is(exits.length, 0);
  await clock.advance(1);
  t.is(exits.length, 1);
});

test('bad override values are ignored in favour of the options', async (t) => {
  const { clock, runtime } = setup(t, { startLatencyMs: 5, runDurationMs: 10, exitCode: 2 });
  const exits = exitsOf(runtime, 'p1');
  const annotations = { [FAKE_START_MS]: 'soon', [FAKE_RUN_MS]: '-3', [FAKE_EXIT_CODE]: '300', [FAKE_CRASH]: 'maybe', [FAKE_IMAGE_MISSING]: 'yes' };
  const started = runtime.start(spec('p1', { annotations }));
  await clock.advance(5);
  t.is((await started).startedAt, 5);
  await clock.advance(10);
  t.like(exits, [{ exitCode: 2, finishedAt: 15 }]);
});

test('a missing image rejects start with ContainerStartError ErrImagePull', async (t) => {
  const { runtime } = setup(t, { missingImages: ['nginx:nope'] });
  const err = await t.throwsAsync(runtime.start(spec('p1', { image: 'nginx:nope' })), { instanceOf: ContainerStartError });
  t.is(err?.reason, 'ErrImagePull');
  t.is(err?.message, 'image "nginx:nope" not found');
  const viaLabel = await t.throwsAsync(runtime.start(spec('p2', { labels: { [FAKE_IMAGE_MISSING]: 'true' } })), { instanceOf: ContainerStartError });
  t.is(viaLabel?.reason, 'ErrImagePull');
  await t.notThrowsAsync(runtime.start(spec('p3', { image: 'nginx:nope', annotations: { [FAKE_IMAGE_MISSING]: 'false' } })));
  t.deepEqual(runtime.stats(), { running: 1, exited: 0 });
});

test('remove is silent, cancels the pending exit and is idempotent', async (t) => {
  const { clock, runtime } = setup(t, { runDurationMs: 100 });
  const exits = exitsOf(runtime, 'p1');
  const c = await runtime.start(spec('p1'));
  await runtime.remove(c.id, 30_000);
  await clock.advance(1000);
  t.deepEqual(exits, []);
  t.deepEqual(await runtime.list('p1'), []);
  await t.notThrowsAsync(runtime.remove(c.id, 0));
  await t.notThrowsAsync(runtime.remove('fake-unknown', 0));
  t.deepEqual(runtime.stats(), { running: 0, exited: 0 });
});

test('crash() kills the running containers of a pod and reports how many', async (t) => {
  const { clock, runtime } = setup(t);
  const exits = exitsOf(runtime, 'p1');
  const other = exitsOf(runtime, 'p2');
  await runtime.start(spec('p1', { container: 'web' }));
  await runtime.start(spec('p1', { container: 'sidecar' }));
  await runtime.start(spec('p2'));
  await clock.advance(10);
  t.is(runtime.crash('p1', 'web'), 1);
  t.like(exits, [{ name: 'web', exitCode: 137, reason: 'Error', finishedAt: 10 }]);
  t.is(runtime.crash('p1', undefined, 9), 1, 'only the still running sidecar');
  t.like(exits[1], { name: 'sidecar', exitCode: 9 });
  t.is(runtime.crash('p1'), 0, 'nothing left running');
  t.is(runtime.crash('nobody'), 0);
  t.is(other.length, 0);
  t.deepEqual(runtime.stats(), { running: 1, exited: 2 });
  t.throws(() => runtime.crash('p2', undefined, 256), { instanceOf: RangeError });
});

test('list returns exited containers, as fresh copies, until they are removed', async (t) => {
  const { clock, runtime } = setup(t, { runDurationMs: 10, exitCode: 4 });
  const c = await runtime.start(spec('p1'));
  await clock.advance(10);
  const [listed] = await runtime.list('p1');
  t.deepEqual(listed, { id: c.id, podUid: 'p1', name: 'main', state: 'exited', restartCount: 0, startedAt: 0, exitCode: 4, finishedAt: 10, reason: 'Error' });
  listed!.state = 'running';
  t.is((await runtime.list('p1'))[0]?.state, 'exited', 'mutating a copy changes nothing');
  t.is(c.state, 'running', 'the object start returned is a copy too');
  await runtime.remove(c.id, 0);
  t.deepEqual(await runtime.list('p1'), []);
});

test('container ids are unique per runtime', async (t) => {
  const { runtime } = setup(t);
  const ids = new Set<string>();
  for (let i = 0; i < 50; i++) ids.add((await runtime.start(spec(`p${i % 5}`, { container: `c${i}` }))).id);
  t.is(ids.size, 50);
});

test('unsubscribing stops the delivery of exits', async (t) => {
  const { clock, runtime } = setup(t, { runDurationMs: 10 });
  const seen: ContainerExit[] = [];
  const kept: ContainerExit[] = [];
  const off = runtime.onExit('p1', (e) => seen.push(e));
  runtime.onExit('p1', (e) => kept.push(e));
  await runtime.start(spec('p1'));
  off();
  off();
  await clock.advance(10);
  t.is(seen.length, 0);
  t.is(kept.length, 1);
});

test('logs are a couple of synthetic lines and honour tailLines', async (t) => {
  const { clock, runtime } = setup(t, { runDurationMs: 1000 });
  const c = await runtime.start(spec('p1', { image: 'redis' }));
  t.regex(await runtime.logs(c.id), /^1970-01-01T00:00:00.000Z fake: started container "main" \(image redis, restart 0\)\n$/);
  await clock.advance(1000);
  const logs = await runtime.logs(c.id);
  t.is(logs.split('\n').length, 3);
  t.regex(logs, /exited with code 0 \(Completed\)\n$/);
  t.is((await runtime.logs(c.id, 1)).split('\n').length, 2);
  t.is(await runtime.logs(c.id, 0), '');
  t.is(await runtime.logs('fake-unknown'), '');
});

test('close cancels pending starts and exits, and later starts reject', async (t) => {
  const clock = new VirtualClock(0);
  const runtime = new FakeRuntime({ startLatencyMs: 10, runDurationMs: 10 }, clock);
  const exits = exitsOf(runtime, 'p1');
  const first = runtime.start(spec('p1'));
  await clock.advance(10);
  await first;
  const pending = runtime.start(spec('p2'));
  await runtime.close();
  await t.throwsAsync(pending, { message: /closed/ });
  await clock.advance(1000);
  t.deepEqual(exits, []);
  await t.throwsAsync(runtime.start(spec('p3')), { message: /closed/ });
  t.is((await runtime.list('p1')).length, 1, 'containers stay listed');
});

test('100,000 instant containers start without a single timer', async (t) => {
  const clock = new CountingClock();
  const runtime = new FakeRuntime({}, clock);
  for (let i = 0; i < 100_000; i++) await runtime.start(spec(`pod-${i}`));
  t.is(clock.timers, 0);
  t.deepEqual(runtime.stats(), { running: 100_000, exited: 0 });
  t.is((await runtime.list('pod-99999')).length, 1);
  await runtime.close();
});

test('options are validated with errors naming the option', (t) => {
  const bad: [FakeRuntimeOptions, ErrorConstructor, RegExp][] = [
    [{ startLatencyMs: -1 }, RangeError, /startLatencyMs/],
    [{ startLatencyMs: '5' as unknown as number }, TypeError, /startLatencyMs/],
    [{ runDurationMs: Number.POSITIVE_INFINITY }, RangeError, /runDurationMs/],
    [{ exitCode: 1.5 }, RangeError, /exitCode/],
    [{ exitCode: 256 }, RangeError, /exitCode/],
    [{ crashRate: 1.1 }, RangeError, /crashRate/],
    [{ crashRate: Number.NaN }, RangeError, /crashRate/],
    [{ crashAfterMs: -5 }, RangeError, /crashAfterMs/],
    [{ seed: 0.5 }, RangeError, /seed/],
    [{ seed: 'x' as unknown as number }, TypeError, /seed/],
    [{ missingImages: 'nginx' as unknown as string[] }, TypeError, /missingImages/],
    [{ missingImages: [1] as unknown as string[] }, TypeError, /missingImages/],
  ];
  for (const [options, type, message] of bad) {
    t.throws(() => new FakeRuntime(options, new VirtualClock(0)), { instanceOf: type, message }, JSON.stringify(options));
  }
  t.notThrows(() => new FakeRuntime({ runDurationMs: null, crashRate: 0, seed: -3 }, new VirtualClock(0)));
});

test('kill ends a running container with code 137 through onExit, and is a no-op afterwards', async (t) => {
  const runtime = new FakeRuntime({}, new VirtualClock(0));
  const exits: number[] = [];
  runtime.onExit('p1', (e) => exits.push(e.exitCode));
  const c = await runtime.start(spec("p1"));
  await runtime.kill(c.id);
  await runtime.kill(c.id);
  t.deepEqual(exits, [137]);
  t.is((await runtime.list('p1'))[0]?.state, 'exited');
});

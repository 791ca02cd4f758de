import type { Container } from '../../src/api/model.js';
import { DockerRuntime } from '../../src/runtimes/docker.js';
import { ContainerStartError, type ContainerExit, type ContainerSpec } from '../../src/runtimes/runtime.js';
import { DOCKER_IMAGE, dockerTest } from '../docker-helpers.js';

function spec(podUid: string, command: string[], image = DOCKER_IMAGE): ContainerSpec {
  const container: Container = { name: 'main', image, command, ports: [], env: [{ name: 'GREETING', value: 'hello' }], volumeMounts: [] };
  return { pod: { uid: podUid, namespace: 'default', name: `pod-${podUid}`, labels: {}, annotations: {} }, container, restartCount: 2, podIP: '127.0.9.1', env: [{ name: 'POD_IP', value: '127.0.9.1' }] };
}

const uid = () => `t${Math.random().toString(36).slice(2)}`;

dockerTest('a container runs with the pod env, its output is in the logs, its exit is reported, and it is listed by pod', async (t) => {
  const runtime = new DockerRuntime();
  t.teardown(() => runtime.close());
  const pod = uid();
  const exited = new Promise<ContainerExit>((resolve) => runtime.onExit(pod, resolve));
  const c = await runtime.start(spec(pod, ['sh', '-c', 'echo $GREETING $POD_IP; exit 3']));
  const exit = await exited;
  t.like(exit, { id: c.id, name: 'main', exitCode: 3 });
  t.is(await runtime.logs(c.id), 'hello 127.0.9.1\n');
  const listed = await runtime.list(pod);
  t.like(listed[0], { id: c.id, state: 'exited', exitCode: 3, restartCount: 2 });
  await runtime.remove(c.id, 0);
  t.deepEqual(await runtime.list(pod), []);
});

dockerTest('kill ends a running container through the events stream; remove is silent; exec runs in it', async (t) => {
  const runtime = new DockerRuntime();
  t.teardown(() => runtime.close());
  const pod = uid();
  const exits: ContainerExit[] = [];
  runtime.onExit(pod, (e) => exits.push(e));
  const a = await runtime.start(spec(pod, ['sleep', '3600']));
  t.is(await runtime.exec!(a.id, ['true'], 5000), 0);
  t.is(await runtime.exec!(a.id, ['false'], 5000), 1);
  await runtime.kill(a.id);
  for (let i = 0; i < 200 && exits.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
  t.is(exits[0]?.exitCode, 137);
  const b = await runtime.start(spec(pod, ['sleep', '3600']));
  await runtime.remove(b.id, 0);
  await runtime.remove(a.id, 0);
  await new Promise((r) => setTimeout(r, 300));
  t.is(exits.length, 1, 'no exit for a removed container');
  t.deepEqual(await runtime.list(pod), []);
});

dockerTest('an exit while the events stream is down is still reported once it reconnects', async (t) => {
  const runtime = new DockerRuntime();
  t.teardown(() => runtime.close());
  const pod = uid();
  const exits: ContainerExit[] = [];
  runtime.onExit(pod, (e) => exits.push(e));
  const c = await runtime.start(spec(pod, ['sleep', '3600']));
  // The stream breaks (an engine restart, a proxy timeout); the container dies meanwhile.
  (runtime as unknown as { events: NodeJS.ReadableStream & { destroy(): void } }).events.destroy();
  await runtime.kill(c.id);
  for (let i = 0; i < 200 && exits.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
  t.like(exits[0], { id: c.id, exitCode: 137 });
  await runtime.remove(c.id, 0);
});

dockerTest('an image that is not there and cannot be pulled fails with ErrImagePull', async (t) => {
  const runtime = new DockerRuntime();
  t.teardown(() => runtime.close());
  const err = await t.throwsAsync(runtime.start(spec(uid(), ['true'], 'helmsman/no-such-image:1')), { instanceOf: ContainerStartError });
  t.is(err.reason, 'ErrImagePull');
  t.regex(err.message, /helmsman\/no-such-image:1/);
});

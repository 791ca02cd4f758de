import Docker from 'dockerode';
import { Cluster } from '../../src/cluster/cluster.js';
import { dockerSocket } from '../../src/runtimes/docker.js';
import { DOCKER_IMAGE, dockerTest } from '../docker-helpers.js';
import { answersFrom, serviceWithReplicas } from '../service-helpers.js';

dockerTest('the docker runtime: replicas behind a service, a killed container restarted, logs, a failing probe, nothing left after stop', async (t) => {
  const cluster = await Cluster.start({ minions: 2, shards: 2, runtime: 'docker', backoff: { initialMs: 0 }, probe: { periodMs: 200, failureThreshold: 2 } });
  t.teardown(() => cluster.stop());
  // busybox httpd on the pod's own loopback address, serving a page that names it.
  const serve = 'echo started $POD_IP; echo $POD_IP > /www/index.html && exec httpd -f -p $POD_IP:$PORT -h /www';
  const port = await serviceWithReplicas(cluster, 'web', 3, { name: 'httpd', image: DOCKER_IMAGE, command: ['sh', '-c', serve] });
  await cluster.client.waitFor('endpoints', {}, ([e]) => e?.endpoints.length === 3, 60_000);
  const minion = await cluster.client.get('nodes', 'minion-1', '');
  const url = `http://${minion.status.hostIP}:${port}/`;
  const seen = await answersFrom(url, 30);
  t.is(seen.size, 3, [...seen.keys()].join(' '));

  const pods = await cluster.client.list('pods', { labels: 'app=web' });
  const victim = pods[0]!;
  t.regex(await cluster.logs(victim.metadata.name), new RegExp(`^started ${victim.status.podIP!.replace(/\./g, '\\.')}\\n`));
  await cluster.crashPod(victim.metadata.name);
  await cluster.client.waitFor('pods', { fields: `metadata.name=${victim.metadata.name}` }, ([p]) => p?.status.containers.httpd?.restartCount === 1 && p.status.phase === 'Running', 60_000);
  for (let i = 0, ok = 0; ok < 5 && i < 200; i++) {
    if (await fetch(url, { headers: { connection: 'close' } }).then((r) => r.ok, () => false)) ok++;
    else await new Promise((r) => setTimeout(r, 50));
    if (i === 199) t.fail('the service stopped answering');
  }

  // Deleting the controller's pods: it replaces them (the old containers go within their grace period).
  for (const pod of pods) await cluster.client.delete('pods', pod.metadata.name);
  await cluster.client.waitFor('pods', { labels: 'app=web' }, (ps) => ps.length === 3 && ps.every((p) => p.status.phase === 'Running' && !pods.some((old) => old.metadata.name === p.metadata.name)), 60_000);

  // Nothing listens on 9999: the probe fails and the container restarts.
  await cluster.client.create('pods', {
    id: 'unwell',
    kind: 'Pod',
    apiVersion: 'v1beta1',
    desiredState: { manifest: { version: 'v1beta1', id: 'unwell', containers: [{ name: 'main', image: DOCKER_IMAGE, command: ['sleep', '3600'], livenessProbe: { tcpSocket: { port: 9999 }, initialDelaySeconds: 0.2 } }] } },
  });
  await cluster.client.waitFor('pods', { fields: 'metadata.name=unwell' }, ([p]) => (p?.status.containers.main?.restartCount ?? 0) >= 1, 60_000);

  await cluster.stop();
  const left = await new Docker({ socketPath: dockerSocket() }).listContainers({ all: true, filters: { label: ['io.helmsman.pod.uid'] } });
  t.deepEqual(left.map((c) => c.Names), []);
});

dockerTest('after the worker running a minion crashes, its pods adopt their running containers instead of starting new ones', async (t) => {
  const cluster = await Cluster.start({ minions: 2, shards: 2, runtime: 'docker' });
  t.teardown(() => cluster.stop());
  // The same hostPort puts one pod on each minion.
  const pod = (id: string) => ({
    id,
    kind: 'Pod',
    apiVersion: 'v1beta1',
    desiredState: { manifest: { version: 'v1beta1', id, containers: [{ name: 'main', image: DOCKER_IMAGE, command: ['sleep', '3600'], ports: [{ containerPort: 7000, hostPort: 7000 }] }] } },
  });
  await cluster.client.create('pods', pod('left'));
  await cluster.client.create('pods', pod('right'));
  const before = await cluster.client.waitFor('pods', {}, (ps) => ps.length === 2 && ps.every((p) => p.status.phase === 'Running'), 60_000);
  const onTwo = before.find((p) => p.spec.host === 'minion-2')!;
  cluster.crashShardOf('minion-2');
  const [after] = await cluster.client.waitFor('pods', { fields: `metadata.name=${onTwo.metadata.name}` }, ([p]) => p!.metadata.resourceVersion > onTwo.metadata.resourceVersion && p!.status.phase === 'Running', 60_000);
  t.is(after!.status.containers.main!.containerID, onTwo.status.containers.main!.containerID);
  t.is(after!.status.containers.main!.restartCount, 0);
  const running = await new Docker({ socketPath: dockerSocket() }).listContainers({ filters: { label: [`io.helmsman.pod.uid=${onTwo.metadata.uid}`] } });
  t.is(running.length, 1, 'no duplicate container');
});

/**
 * The `docker` benchmark (when an engine answers): how long a pod takes from creation to Running on
 * the docker runtime, against a bare `docker run` of the same image (create + start, through the
 * engine's API) measured in the same run. Image: `$HELMSMAN_DOCKER_IMAGE` (default the local
 * busybox image `.ci/docker-engine.sh` builds).
 */
import Docker from 'dockerode';
import { Cluster } from '../src/cluster/cluster.js';
import { dockerAnswers, dockerSocket } from '../src/runtimes/docker.js';
import { figure, type Figure, type Target } from './stats.js';

/** The target of issue 5: a pod starts within 1.2× of a bare `docker run`. */
export const DOCKER_TARGETS: Record<string, Target> = {
  podStartRatio: { op: '<=', value: 1.2, anchor: 'dockerRunMsP50 (same image, same run)' },
};

/** Runs `runs` rounds of 10 starts each way; figures are medians. */
export async function benchDocker(opts: { runs: number; progress: (line: string) => void }): Promise<{ figures: Record<string, Figure> } & Record<string, unknown>> {
  if (!(await dockerAnswers())) throw new Error(`no Docker engine answers at ${dockerSocket()} (set DOCKER_HOST; .ci/docker-engine.sh starts one)`);
  const image = process.env.HELMSMAN_DOCKER_IMAGE ?? 'helmsman/busybox:local';
  const docker = new Docker({ socketPath: dockerSocket() });
  const cluster = await Cluster.start({ minions: 1, shards: 1, runtime: 'docker' });
  const runs: Record<string, number[]> = { dockerRunMsP50: [], podStartMsP50: [], podStartRatio: [] };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  try {
    for (let r = 0; r < opts.runs; r++) {
      opts.progress(`run ${r + 1}/${opts.runs}`);
      const bare: number[] = [];
      for (let i = 0; i < 10; i++) {
        const t0 = performance.now();
        const c = await docker.createContainer({ Image: image, Cmd: ['sleep', '3600'], HostConfig: { NetworkMode: 'host' } });
        await c.start();
        bare.push(performance.now() - t0);
        await c.remove({ force: true });
      }
      const pods: number[] = [];
      for (let i = 0; i < 10; i++) {
        const name = `bench-${r}-${i}`;
        const t0 = performance.now();
        await cluster.client.create('pods', { id: name, kind: 'Pod', apiVersion: 'v1beta1', desiredState: { manifest: { version: 'v1beta1', id: name, containers: [{ name: 'c', image, command: ['sleep', '3600'] }] } } });
        await cluster.client.waitFor('pods', { fields: `metadata.name=${name}` }, ([p]) => p?.status.phase === 'Running', 60_000);
        pods.push(performance.now() - t0);
        await cluster.client.delete('pods', name);
      }
      runs.dockerRunMsP50!.push(median(bare));
      runs.podStartMsP50!.push(median(pods));
      runs.podStartRatio!.push(median(pods) / median(bare));
    }
  } finally {
    await cluster.stop();
  }
  const figures = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, figure(v)]));
  const flat = Object.fromEntries(Object.entries(figures).map(([k, f]) => [k, Math.round(f.median * 100) / 100]));
  return { ...flat, figures };
}

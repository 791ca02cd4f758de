/** Gating for the Docker tests: they run where an engine answers, and must run where CI says so. */
import test from 'ava';
import { dockerAnswers, dockerSocket } from '../src/runtimes/docker.js';

/** The local image the tests run (built by .ci/docker-engine.sh), and whether an engine answers. */
export const DOCKER_IMAGE = process.env.HELMSMAN_DOCKER_IMAGE ?? 'helmsman/busybox:local';
export const engine = await dockerAnswers();

/** `test` when an engine answers; otherwise skipped with a visible message — or failed, in CI. */
export const dockerTest = engine ? test : test.skip;
if (!engine) {
  if (process.env.HELMSMAN_DOCKER_TESTS === 'required') {
    test('a Docker engine answers (HELMSMAN_DOCKER_TESTS=required)', (t) => t.fail(`no engine at ${dockerSocket()}`));
  } else {
    process.stderr.write(`Docker tests skipped: no Docker engine answers at ${dockerSocket()} (set DOCKER_HOST; .ci/docker-engine.sh starts one)\n`);
  }
}

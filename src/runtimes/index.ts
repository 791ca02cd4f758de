/**
 * The runtimes by name, and the one instance of each configuration per thread: every pod actor of
 * a shard shares its shard's runtime (which, for the fake runtime, holds that shard's containers).
 */
import type { Clock } from '../kernel/index.js';
import { FakeRuntime, type FakeRuntimeOptions } from './fake.js';
import { ProcessRuntime, type ProcessRuntimeOptions } from './process.js';
import { DockerRuntime, type DockerRuntimeOptions } from './docker.js';
import type { ContainerRuntime } from './runtime.js';

export type { ContainerRuntime, ContainerSpec, ContainerExit, RuntimeContainer } from './runtime.js';
export { ContainerStartError } from './runtime.js';

/** Which runtime the minions use, and its options (plain data: it travels in actor props). */
export type RuntimeConfig =
  | { kind: 'fake'; options?: FakeRuntimeOptions }
  | { kind: 'process'; options?: ProcessRuntimeOptions }
  | { kind: 'docker'; options?: DockerRuntimeOptions };

/** The runtime names `--runtime` accepts. */
export const RUNTIME_KINDS = ['fake', 'process', 'docker'] as const;

const instances = new Map<string, ContainerRuntime>();

/** This thread's runtime for `config`, created on first use with the thread's clock. */
export function runtimeFor(config: RuntimeConfig, clock: Clock): ContainerRuntime {
  const key = JSON.stringify(config);
  let runtime = instances.get(key);
  if (!runtime) {
    switch (config.kind) {
      case 'fake':
        runtime = new FakeRuntime(config.options ?? {}, clock);
        break;
      case 'process':
        runtime = new ProcessRuntime(config.options ?? {}, clock);
        break;
      case 'docker':
        runtime = new DockerRuntime(config.options ?? {}, clock);
        break;
      default:
        throw new TypeError(`unknown runtime "${(config as { kind: string }).kind}"`);
    }
    instances.set(key, runtime);
  }
  return runtime;
}

/** Closes and forgets this thread's runtimes (when its cluster stops). */
export async function closeRuntimes(): Promise<void> {
  const all = [...instances.values()];
  instances.clear();
  await Promise.all(all.map((r) => r.close()));
}

/** Shared helpers for the kernel tests. */
import { ActorSystem, type ActorSystemOptions } from '../src/kernel/index.js';

/** The fixture actors module, as every shard imports it. */
export const FIXTURES = new URL('./fixtures/actors.js', import.meta.url);

/** Starts a quiet system with the fixture actors (2 shards unless told otherwise). */
export function startSystem(options: ActorSystemOptions = {}): Promise<ActorSystem> {
  return ActorSystem.start({ shards: 2, logLevel: 'silent', ...options, modules: [FIXTURES, ...(options.modules ?? [])] });
}

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes (then throws with `what`). */
export async function eventually<T>(probe: () => Promise<T> | T, what: string, timeoutMs = 5000): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as Truthy<T>;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Finds an actor in the supervision tree by its path of names below the guardian. */
export async function findInTree(system: ActorSystem, ...path: string[]) {
  let node = await system.tree();
  for (const name of path) {
    const next = node.children.find((c) => c.name === name);
    if (!next) return undefined;
    node = next;
  }
  return node;
}

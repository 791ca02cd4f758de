/** Opening the registry's store by kind: memory, lmdb or etcd. */
import { MemoryStore } from '../store/memory.js';
import type { Store, StoreKind } from '../store/store.js';

/** Where the registry keeps its objects. */
export interface StoreConfig {
  store: StoreKind;
  /** The lmdb folder, or the name under which a memory store survives registry restarts. */
  path: string;
  /** The etcd cluster (`--etcd-servers`) and key prefix (`--etcd-prefix`, default /registry). */
  etcd?: { servers: string[]; prefix?: string };
}

// A memory store outlives a restart of the registry (not of its shard): a bug must not wipe the cluster.
const memoryStores = new Map<string, MemoryStore>();

/** Opens the store `config` names. A memory store is shared by every registry of its name; the others are the caller's to close. */
export async function openStore(config: StoreConfig): Promise<Store> {
  switch (config.store) {
    case 'memory': {
      let mem = memoryStores.get(config.path);
      if (!mem) memoryStores.set(config.path, (mem = new MemoryStore()));
      return mem;
    }
    // Loaded only when used: every shard imports the registry, and gRPC is heavy to load.
    case 'lmdb': {
      const { LmdbStore } = await import('../store/lmdb.js');
      return LmdbStore.open(config.path);
    }
    case 'etcd': {
      if (!config.etcd?.servers.length) throw new TypeError('the etcd store needs etcd servers (--etcd-servers)');
      const { EtcdStore } = await import('../store/etcd.js');
      return EtcdStore.connect(config.etcd);
    }
  }
}

/** Whether closing the registry should close its store (a memory store is kept for the next registry). */
export function ownsStore(config: StoreConfig): boolean {
  return config.store !== 'memory';
}

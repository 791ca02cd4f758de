/**
 * The etcd cluster the api benchmark's etcd figures run on: HELMSMAN_ETCD_SERVERS (client URLs,
 * comma-separated, as `.ci/etcd-cluster.sh` prints them), whether it answers, and a key prefix of
 * the benchmark's own per measurement, deleted afterwards so runs do not pile up data.
 */
import { randomBytes } from 'node:crypto';

/** The cluster's client URLs; none when HELMSMAN_ETCD_SERVERS is unset. */
export function etcdServers(): string[] {
  return (process.env.HELMSMAN_ETCD_SERVERS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Why the etcd figures cannot be measured here (unset, or no member healthy), or undefined when they can. */
export async function etcdUnavailable(servers = etcdServers()): Promise<string | undefined> {
  if (servers.length === 0) return 'HELMSMAN_ETCD_SERVERS is not set (.ci/etcd-cluster.sh starts a cluster)';
  // etcd's /health: the member has a leader and answers.
  const healthy = await Promise.all(
    servers.map((server) =>
      fetch(new URL('/health', server), { signal: AbortSignal.timeout(2000) }).then(
        async (res) => res.ok && ((await res.json()) as { health?: string }).health === 'true',
        () => false,
      ),
    ),
  );
  return healthy.includes(true) ? undefined : `no healthy etcd member at ${servers.join(', ')}`;
}

/**
 * A key prefix no other run or test uses: `/helmsman-bench-<random>` (HELMSMAN_BENCH_ETCD_PREFIX
 * replaces `/helmsman-bench`, so a test can tell its run's keys from anyone else's).
 */
export function benchPrefix(): string {
  return `${process.env.HELMSMAN_BENCH_ETCD_PREFIX ?? '/helmsman-bench'}-${randomBytes(6).toString('hex')}`;
}

/** An etcd3 client on `servers`, loaded only when the etcd figures run (gRPC is heavy to load). */
export async function etcdClient(servers: string[]): Promise<import('etcd3').Etcd3> {
  const { Etcd3 } = await import('etcd3');
  return new Etcd3({ hosts: servers });
}

/** Deletes every key under `prefix` (the prefix itself followed by `/`, so `/a-1` never takes `/a-10`). */
export async function deletePrefix(client: import('etcd3').Etcd3, prefix: string): Promise<void> {
  await client.delete().prefix(`${prefix}/`).exec();
}

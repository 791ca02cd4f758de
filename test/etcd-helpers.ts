/** Gating for the etcd tests: they run where an etcd cluster answers, and must run where CI says so. */
import test from 'ava';
import { randomBytes } from 'node:crypto';

/** The cluster's client URLs (HELMSMAN_ETCD_SERVERS, comma-separated, as .ci/etcd-cluster.sh prints); none when unset. */
export const etcdServers = (process.env.HELMSMAN_ETCD_SERVERS ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter((s) => s.length > 0);

/** Whether some member reports itself healthy (etcd's /health: it has a leader and answers). */
async function etcdAnswers(): Promise<boolean> {
  const healthy = await Promise.all(
    etcdServers.map((server) =>
      fetch(new URL('/health', server), { signal: AbortSignal.timeout(2000) }).then(
        async (res) => res.ok && ((await res.json()) as { health?: string }).health === 'true',
        () => false,
      ),
    ),
  );
  return healthy.includes(true);
}

export const etcdFound = etcdServers.length > 0 && (await etcdAnswers());

/** `test` when etcd answers; otherwise skipped with a visible message — or failed, in CI. */
export const etcdTest = etcdFound ? test : test.skip;
if (!etcdFound) {
  const where = etcdServers.length > 0 ? `at ${etcdServers.join(', ')}` : '(HELMSMAN_ETCD_SERVERS is not set)';
  if (process.env.HELMSMAN_ETCD_TESTS === 'required') {
    test('an etcd cluster answers (HELMSMAN_ETCD_TESTS=required)', (t) => t.fail(`no healthy etcd member ${where}`));
  } else {
    process.stderr.write(`etcd tests skipped: no healthy etcd member ${where} (.ci/etcd-cluster.sh starts a cluster)\n`);
  }
}

/**
 * A key prefix no other test uses (`/helmsman-test-<random>`), for an EtcdStore's `prefix`: tests
 * sharing one cluster then never see each other's keys, watches or revisions' events.
 */
export function etcdPrefix(): string {
  return `/helmsman-test-${randomBytes(6).toString('hex')}`;
}

import test from 'ava';
import { parse } from 'yaml';
import type { ApiServer } from '../../src/server.js';
import { startServer } from '../api-helpers.js';
import { Kubectl, kubectlTest, manifestFolder, tableRows } from '../kubectl-helpers.js';

// Leases need no cluster: an API server is enough.
let server: ApiServer;
let kubectl: Kubectl;
const manifest = manifestFolder();

test.before(async () => {
  server = await startServer();
  kubectl = new Kubectl(server.url);
});
test.after.always(() => server?.close());

const leaseYaml = (name: string, holder: string, duration = 15) => `apiVersion: coordination.k8s.io/v1
kind: Lease
metadata:
  name: ${name}
  namespace: kube-system
spec:
  holderIdentity: ${holder}
  leaseDurationSeconds: ${duration}
  acquireTime: "2024-05-01T10:00:00.000000Z"
  renewTime: "2024-05-01T10:00:05.250000Z"
  leaseTransitions: 0
`;

kubectlTest('kubectl api-resources lists leases under coordination.k8s.io/v1, and the namespaces Kubernetes starts with', async (t) => {
  t.regex(await kubectl.ok(t, 'api-resources'), /^leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease$/m);
  t.regex(await kubectl.ok(t, 'api-resources', '--api-group=coordination.k8s.io', '-o', 'name'), /^leases\.coordination\.k8s\.io$/m);
  t.regex(await kubectl.ok(t, 'api-versions'), /^coordination\.k8s\.io\/v1$/m);
  t.deepEqual(tableRows(await kubectl.ok(t, 'get', 'ns', '--no-headers')).map((r) => r[0]).sort(), ['default', 'kube-node-lease', 'kube-system']);
});

kubectlTest('kubectl apply creates a lease, kubectl get prints NAME HOLDER AGE, an edited file applies', async (t) => {
  t.is(await kubectl.ok(t, 'apply', '-f', manifest('leader-1.yaml', leaseYaml('leader', 'master-1'))), 'lease.coordination.k8s.io/leader created\n');
  const rows = tableRows(await kubectl.ok(t, 'get', 'leases', '-n', 'kube-system'));
  t.deepEqual(rows[0], ['NAME', 'HOLDER', 'AGE']);
  t.deepEqual(rows.find((r) => r[0] === 'leader')?.slice(0, 2), ['leader', 'master-1']);
  t.is(await kubectl.ok(t, 'apply', '-f', manifest('leader-2.yaml', leaseYaml('leader', 'master-2', 30))), 'lease.coordination.k8s.io/leader configured\n');
  t.is(await kubectl.ok(t, 'get', 'lease', 'leader', '-n', 'kube-system', '-o', 'jsonpath={.spec.holderIdentity} {.spec.leaseDurationSeconds}'), 'master-2 30');
  t.is(await kubectl.ok(t, 'apply', '-f', manifest('leader-2.yaml', leaseYaml('leader', 'master-2', 30))), 'lease.coordination.k8s.io/leader unchanged\n');
  const all = tableRows(await kubectl.ok(t, 'get', 'leases', '-A'));
  t.deepEqual(all[0], ['NAMESPACE', 'NAME', 'HOLDER', 'AGE']);
  t.true(all.some((r) => r[0] === 'kube-system' && r[1] === 'leader'));
});

kubectlTest('kubectl get lease -o yaml round-trips through kubectl replace', async (t) => {
  const text = await kubectl.ok(t, 'get', 'lease', 'leader', '-n', 'kube-system', '-o', 'yaml');
  t.regex(text, /^apiVersion: coordination\.k8s\.io\/v1\nkind: Lease\n/);
  const printed = parse(text);
  t.deepEqual(printed.spec, {
    holderIdentity: 'master-2',
    leaseDurationSeconds: 30,
    acquireTime: '2024-05-01T10:00:00.000000Z',
    renewTime: '2024-05-01T10:00:05.250000Z',
    leaseTransitions: 0,
  });
  t.is((await kubectl.run(['replace', '-f', '-'], text)).stdout, 'lease.coordination.k8s.io/leader replaced\n');
  const again = parse(await kubectl.ok(t, 'get', 'lease', 'leader', '-n', 'kube-system', '-o', 'yaml'));
  t.deepEqual(again.spec, printed.spec);
  t.is(again.metadata.uid, printed.metadata.uid);
  // The printed resourceVersion is now stale: replacing with it again is a Conflict.
  const stale = await kubectl.run(['replace', '-f', '-'], text);
  t.is(stale.code, 1);
  t.regex(stale.stderr, /Error from server \(Conflict\): .*Operation cannot be fulfilled on leases\.coordination\.k8s\.io "leader": the object has been modified/);
});

kubectlTest('kubectl patch and edit a lease; an invalid one is refused naming the field; delete', async (t) => {
  await kubectl.ok(t, 'patch', 'lease', 'leader', '-n', 'kube-system', '--type=merge', '-p', '{"spec":{"holderIdentity":"master-3"}}');
  await kubectl.ok(t, 'patch', 'lease', 'leader', '-n', 'kube-system', '-p', '{"spec":{"leaseTransitions":1}}');
  t.is(await kubectl.ok(t, 'get', 'lease', 'leader', '-n', 'kube-system', '-o', 'jsonpath={.spec.holderIdentity} {.spec.leaseTransitions}'), 'master-3 1');
  const edited = await kubectl.edit(['lease', 'leader', '-n', 'kube-system'], 's/holderIdentity: master-3/holderIdentity: master-4/');
  t.is(edited.stdout, 'lease.coordination.k8s.io/leader edited\n', edited.stderr);
  t.deepEqual(tableRows(await kubectl.ok(t, 'get', 'lease', 'leader', '-n', 'kube-system', '--no-headers')).map((r) => r.slice(0, 2)), [['leader', 'master-4']]);
  const invalid = await kubectl.run(['create', '-f', '-'], leaseYaml('bad', 'me', 0));
  t.is(invalid.code, 1);
  t.regex(invalid.stderr, /The Lease "bad" is invalid: spec\.leaseDurationSeconds: Invalid value: 0: must be greater than 0/);
  const unknown = await kubectl.run(['create', '-f', '-'], leaseYaml('typo', 'me').replace('holderIdentity', 'holder'));
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /strict decoding error: unknown field "spec\.holder"/);
  t.is(await kubectl.ok(t, 'delete', 'lease', 'leader', '-n', 'kube-system'), 'lease.coordination.k8s.io "leader" deleted\n');
  const gone = await kubectl.run(['get', 'lease', 'leader', '-n', 'kube-system']);
  t.is(gone.stderr, 'Error from server (NotFound): leases.coordination.k8s.io "leader" not found\n');
});

kubectlTest('kubectl get leases -w prints a row for each change', async (t) => {
  const watch = kubectl.spawn(['get', 'leases', '-n', 'kube-node-lease', '-w']);
  t.teardown(() => watch.child.kill());
  await new Promise((r) => setTimeout(r, 1000));
  await kubectl.ok(t, 'create', '-f', manifest('minion-1.yaml', leaseYaml('minion-1', 'minion-1').replace('kube-system', 'kube-node-lease')));
  await kubectl.ok(t, 'patch', 'lease', 'minion-1', '-n', 'kube-node-lease', '--type=merge', '-p', '{"spec":{"holderIdentity":"minion-1b"}}');
  for (let i = 0; i < 100 && !/minion-1\s+minion-1b/.test(watch.output()); i++) await new Promise((r) => setTimeout(r, 100));
  t.regex(watch.output(), /NAME\s+HOLDER\s+AGE\n/);
  t.regex(watch.output(), /minion-1\s+minion-1\s+\d+s\n/);
  t.regex(watch.output(), /minion-1\s+minion-1b\s+\d+s\n/);
});

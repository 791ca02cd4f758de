import test from 'ava';
import { Cluster } from '../../src/cluster/cluster.js';
import { kubecfgAt, openWatch, seedPath } from '../api-helpers.js';
import { Kubectl, kubectlTest, manifestFolder, tableRows } from '../kubectl-helpers.js';

let cluster: Cluster;
let kubectl: Kubectl;
const manifest = manifestFolder();

test.before(async () => {
  cluster = await Cluster.start({ minions: 2, shards: 2, runtime: 'fake', api: true, kubeletEvents: true });
  kubectl = new Kubectl(cluster.url!);
});
test.after.always(() => cluster?.stop());

const podYaml = (name: string, image = 'nginx', labels = 'app: web') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels:
    ${labels}
spec:
  containers:
  - name: web
    image: ${image}
    ports:
    - containerPort: 80
`;

const rcYaml = (image: string, env: string) => `apiVersion: v1
kind: ReplicationController
metadata:
  name: frontend
spec:
  replicas: 2
  selector:
    app: frontend
  template:
    metadata:
      labels:
        app: frontend
    spec:
      containers:
      - name: php
        image: ${image}
        env:
${env}
`;

kubectlTest('kubectl discovers the resources, their short names and the server version', async (t) => {
  const resources = await kubectl.ok(t, 'api-resources');
  for (const [name, short] of [['pods', 'po'], ['replicationcontrollers', 'rc'], ['services', 'svc'], ['nodes', 'no'], ['events', 'ev'], ['endpoints', 'ep'], ['namespaces', 'ns']]) {
    t.regex(resources, new RegExp(`^${name}\\s+${short}\\s+v1\\s+`, 'm'));
  }
  t.regex(await kubectl.ok(t, 'version'), /Server Version: v1\.32\.0-helmsman/);
  const namespaces = tableRows(await kubectl.ok(t, 'get', 'ns'));
  t.deepEqual(namespaces[0]!.slice(0, 2), ['NAME', 'STATUS']);
  t.deepEqual(namespaces.slice(1).map((r) => r.slice(0, 2)).sort(), [['default', 'Active'], ['kube-node-lease', 'Active'], ['kube-system', 'Active']]);
  const nodes = tableRows(await kubectl.ok(t, 'get', 'no'));
  t.deepEqual(nodes[0], ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
  t.deepEqual(nodes.slice(1).map((r) => [r[0], r[1]]), [['minion-1', 'Ready'], ['minion-2', 'Ready']]);
});

kubectlTest('kubectl create -f makes a pod that kubectl get prints as kubectl users know it', async (t) => {
  t.is(await kubectl.ok(t, 'create', '-f', manifest('web.yaml', podYaml('web'))), 'pod/web created\n');
  await kubectl.ok(t, 'wait', '--for=jsonpath={.status.phase}=Running', 'pod/web', '--timeout=30s');
  const rows = tableRows(await kubectl.ok(t, 'get', 'pods'));
  t.deepEqual(rows[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
  t.deepEqual(rows.find((r) => r[0] === 'web')?.slice(0, 4), ['web', '1/1', 'Running', '0']);
  const wide = tableRows(await kubectl.ok(t, 'get', 'po', 'web', '-o', 'wide'));
  t.deepEqual(wide[0]!.slice(0, 7), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE']);
  t.regex(wide[1]![5]!, /^\d+\.\d+\.\d+\.\d+$/);
  t.regex(wide[1]![6]!, /^minion-\d$/);
  t.is(await kubectl.ok(t, 'get', 'po', 'web', '-o', 'name'), 'pod/web\n');
  t.is(await kubectl.ok(t, 'get', 'po', 'web', '-o', 'jsonpath={.spec.containers[0].image}'), 'nginx');
  const json = JSON.parse(await kubectl.ok(t, 'get', 'po', 'web', '-o', 'json'));
  t.like(json, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, status: { phase: 'Running' } });
  t.is(typeof json.metadata.resourceVersion, 'string');
  t.regex(await kubectl.ok(t, 'get', 'po', 'web', '-o', 'yaml'), /^apiVersion: v1\nkind: Pod\n/);
  t.deepEqual(tableRows(await kubectl.ok(t, 'get', 'pods', '-l', 'app=web')).map((r) => r[0]), ['NAME', 'web']);
  t.regex((await kubectl.run(['get', 'pods', '-l', 'app=nothing'])).stderr, /No resources found in default namespace/);
  t.deepEqual(tableRows(await kubectl.ok(t, 'get', 'pods', '--field-selector', 'status.phase=Running,metadata.name=web')).map((r) => r[0]), ['NAME', 'web']);
  const all = tableRows(await kubectl.ok(t, 'get', 'pods', '-A'));
  t.deepEqual(all[0]!.slice(0, 2), ['NAMESPACE', 'NAME']);
  t.true(all.some((r) => r[0] === 'default' && r[1] === 'web'));
  const labelled = tableRows(await kubectl.ok(t, 'get', 'pod', 'web', '--show-labels'));
  t.is(labelled[0]!.at(-1), 'LABELS');
  t.is(labelled[1]!.at(-1), 'app=web');
});

kubectlTest('kubectl apply creates, then changes an object by strategic merge patch, and leaves it alone when nothing changed', async (t) => {
  const v1 = manifest('frontend-1.yaml', rcYaml('php:1', '        - name: MODE\n          value: one'));
  t.is(await kubectl.ok(t, 'apply', '-f', v1), 'replicationcontroller/frontend created\n');
  const v2 = manifest('frontend-2.yaml', rcYaml('php:2', '        - name: MODE\n          value: two\n        - name: EXTRA\n          value: "yes"'));
  t.is(await kubectl.ok(t, 'apply', '-f', v2), 'replicationcontroller/frontend configured\n');
  const rc = JSON.parse(await kubectl.ok(t, 'get', 'rc', 'frontend', '-o', 'json'));
  t.is(rc.spec.template.spec.containers[0].image, 'php:2');
  t.deepEqual(rc.spec.template.spec.containers[0].env, [{ name: 'MODE', value: 'two' }, { name: 'EXTRA', value: 'yes' }]);
  t.truthy(rc.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
  t.is(await kubectl.ok(t, 'apply', '-f', v2), 'replicationcontroller/frontend unchanged\n');
  const rows = tableRows(await kubectl.ok(t, 'get', 'rc'));
  t.deepEqual(rows[0], ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
});

kubectlTest('kubectl scale sets a controller\'s replicas through the scale subresource, and the pods follow', async (t) => {
  t.is(await kubectl.ok(t, 'scale', 'rc', 'frontend', '--replicas=3'), 'replicationcontroller/frontend scaled\n');
  await kubectl.ok(t, 'wait', '--for=jsonpath={.status.replicas}=3', 'rc/frontend', '--timeout=30s');
  const pods = tableRows(await kubectl.ok(t, 'get', 'pods', '-l', 'app=frontend', '--no-headers'));
  t.is(pods.length, 3);
  await kubectl.ok(t, 'wait', '--for=jsonpath={.status.readyReplicas}=3', 'rc/frontend', '--timeout=30s');
  t.deepEqual(tableRows(await kubectl.ok(t, 'get', 'rc', 'frontend', '--no-headers')).map((r) => r.slice(0, 4)), [['frontend', '3', '3', '3']]);
});

kubectlTest('kubectl patch (merge, JSON, strategic) and label change a pod', async (t) => {
  await kubectl.ok(t, 'patch', 'pod', 'web', '--type=merge', '-p', '{"metadata":{"labels":{"tier":"front"}}}');
  await kubectl.ok(t, 'patch', 'pod', 'web', '--type=json', '-p', '[{"op":"add","path":"/metadata/labels/track","value":"stable"}]');
  await kubectl.ok(t, 'patch', 'pod', 'web', '-p', '{"spec":{"containers":[{"name":"web","image":"nginx:2"}]}}');
  t.is(await kubectl.ok(t, 'label', 'pod', 'web', 'team=blue'), 'pod/web labeled\n');
  t.is(await kubectl.ok(t, 'label', 'pod', 'web', 'track-'), 'pod/web unlabeled\n');
  const pod = JSON.parse(await kubectl.ok(t, 'get', 'pod', 'web', '-o', 'json'));
  t.deepEqual(pod.metadata.labels, { app: 'web', tier: 'front', team: 'blue' });
  t.is(pod.spec.containers[0].image, 'nginx:2');
  t.is(pod.spec.containers[0].ports[0].containerPort, 80, 'the strategic merge kept the fields the patch did not name');
});

kubectlTest('kubectl describe shows a pod, controller, service and node with the events the actors recorded', async (t) => {
  const pod = await kubectl.ok(t, 'describe', 'pod', 'web');
  t.regex(pod, /^Name:\s+web$/m);
  t.regex(pod, /^Node:\s+minion-\d\/\d+\.\d+\.\d+\.\d+$/m);
  t.regex(pod, /^Status:\s+Running$/m);
  t.regex(pod, /Events:[\s\S]*Normal\s+Scheduled\s+.*default-scheduler\s+Successfully assigned default\/web to minion-\d/);
  t.regex(pod, /Normal\s+Started\s+/);
  const rc = await kubectl.ok(t, 'describe', 'rc', 'frontend');
  t.regex(rc, /^Replicas:\s+3 current \/ 3 desired$/m);
  t.regex(rc, /SuccessfulCreate\s+.*Created pod: frontend-/);
  // (Not `kubectl create service`: its typed client sends protobuf, which helmsman does not speak.)
  const svc = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: frontend\nspec:\n  selector:\n    app: frontend\n  ports:\n  - name: 80-8080\n    port: 80\n    targetPort: 8080\n';
  t.is(await kubectl.ok(t, 'create', '-f', manifest('frontend-svc.yaml', svc)), 'service/frontend created\n');
  t.regex(await kubectl.ok(t, 'describe', 'svc', 'frontend'), /^Port:\s+80-8080\s+80\/TCP$/m);
  t.regex(await kubectl.ok(t, 'describe', 'node', 'minion-1'), /^Name:\s+minion-1$/m);
});

kubectlTest('kubectl logs reads a container\'s output', async (t) => {
  t.regex(await kubectl.ok(t, 'logs', 'web'), /fake: started container "web"/);
  const missing = await kubectl.run(['logs', 'nothing-here']);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /error from server \(NotFound\): pods "nothing-here" not found/i);
});

kubectlTest('kubectl get -w prints a row for each change', async (t) => {
  const watch = kubectl.spawn(['get', 'pods', '-w', '-l', 'app=watched']);
  t.teardown(() => watch.child.kill());
  await new Promise((r) => setTimeout(r, 1000));
  await kubectl.ok(t, 'create', '-f', manifest('watched.yaml', podYaml('watched-1', 'nginx', 'app: watched')));
  for (let i = 0; i < 100 && !/watched-1\s+1\/1\s+Running/.test(watch.output()); i++) await new Promise((r) => setTimeout(r, 100));
  t.regex(watch.output(), /NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
  t.regex(watch.output(), /watched-1\s+1\/1\s+Running/);
});

kubectlTest('kubectl edit changes an object through its editor', async (t) => {
  const r = await kubectl.edit(['pod', 'web'], 's/tier: front/tier: back/');
  t.is(r.code, 0, r.stderr);
  t.is(await kubectl.ok(t, 'get', 'pod', 'web', '-o', 'jsonpath={.metadata.labels.tier}'), 'back');
});

kubectlTest('kubectl delete waits until the object is gone', async (t) => {
  t.is(await kubectl.ok(t, 'delete', 'pod', 'watched-1'), 'pod "watched-1" deleted\n');
  const gone = await kubectl.run(['get', 'pod', 'watched-1']);
  t.is(gone.code, 1);
  t.is(gone.stderr, 'Error from server (NotFound): pods "watched-1" not found\n');
});

kubectlTest('errors come back as Kubernetes Status: AlreadyExists, Invalid with the field, strict field validation, Conflict', async (t) => {
  const dup = await kubectl.run(['create', '-f', '-'], podYaml('web'));
  t.is(dup.code, 1);
  t.regex(dup.stderr, /Error from server \(AlreadyExists\): error when creating "STDIN": pods "web" already exists/);
  const invalid = await kubectl.run(['create', '-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  containers:\n  - name: c\n');
  t.is(invalid.code, 1);
  t.regex(invalid.stderr, /The Pod "bad" is invalid: spec\.containers\[0\]\.image: Required value/);
  const unknown = await kubectl.run(['create', '-f', '-'], podYaml('typo').replace('image:', 'imagez:'));
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /strict decoding error: unknown field "spec\.containers\[0\]\.imagez"/);
  const stale = JSON.parse(await kubectl.ok(t, 'get', 'pod', 'web', '-o', 'json'));
  await kubectl.ok(t, 'label', 'pod', 'web', 'bump=1');
  const conflict = await kubectl.run(['replace', '-f', '-'], JSON.stringify(stale));
  t.is(conflict.code, 1);
  t.regex(conflict.stderr, /Error from server \(Conflict\): .*Operation cannot be fulfilled on pods "web": the object has been modified/);
});

kubectlTest('one store behind both APIs: kubecfg creates, kubectl reads and scales, a v1beta1 watch sees it', async (t) => {
  t.is((await kubecfgAt(cluster.url!, '-c', seedPath('redis-slave-controller'), 'create', '/replicationControllers')).code, 0);
  const watch = await openWatch(`${cluster.url}/api/v1beta1/watch/replicationControllers?fields=${encodeURIComponent('metadata.name=redisSlaveController')}`);
  t.teardown(() => watch.close());
  const [added] = await watch.read(1);
  t.is(added.object.desiredState.replicas, 2);
  const listed = tableRows(await kubectl.ok(t, 'get', 'rc', '--no-headers')).map((r) => r[0]);
  t.true(listed.includes(added.object.id), listed.join(' '));
  await kubectl.ok(t, 'scale', 'rc', added.object.id, '--replicas=4');
  for (;;) {
    const [event] = await watch.read(1);
    if (event.object.desiredState.replicas === 4) break;
  }
  t.pass();
});

kubectlTest('kubectl get --raw /debug/actors reads the actor system, as JSON or as the text tree', async (t) => {
  const doc = JSON.parse(await kubectl.ok(t, 'get', '--raw', '/debug/actors?kind=minion'));
  t.is(doc.kind, 'ActorSystemStatus');
  t.deepEqual(doc.shards.map((s: { slot: number }) => s.slot), [-1, 0, 1]);
  t.deepEqual(doc.tree.children.map((c: { kind: string }) => c.kind), ['helmsman.minion', 'helmsman.minion']);
  const text = await kubectl.ok(t, 'get', '--raw', '/debug/actors?format=text&depth=1');
  t.regex(text, /^SHARD\s+ACTORS/);
  t.regex(text, /\n {2}registry \(helmsman\.registry\) shard \d/);
  const bad = await kubectl.run(['get', '--raw', '/debug/actors?limit=0']);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /Error from server \(BadRequest\): .*limit: Invalid value: "0": must be an integer >= 1/);
});

kubectlTest('kubectl logs -f follows a container\'s output until the container stops', async (t) => {
  await cluster.client.create('pods', { id: 'follower', kind: 'Pod', apiVersion: 'v1beta1', desiredState: { manifest: { version: 'v1beta1', id: 'follower', containers: [{ name: 'web', image: 'busybox' }] } } });
  await cluster.client.waitFor('pods', { fields: 'metadata.name=follower' }, ([p]) => p?.status.phase === 'Running');
  const following = kubectl.run(['logs', '-f', 'follower']);
  await new Promise((r) => setTimeout(r, 1_500));
  t.is(await Promise.race([following.then(() => 'ended'), new Promise((r) => setTimeout(() => r('following'), 0))]), 'following');
  await cluster.crashPod('follower');
  const { code, stdout } = await following;
  t.is(code, 0);
  t.regex(stdout, /^\S+ fake: started container "web" \(image busybox, restart 0\)\n/);
  await cluster.client.delete('pods', 'follower');
});

/**
 * `helmsman up` with users and TLS, driven by the real kubectl, kubecfg and
 * @kubernetes/client-node: the admin kubeconfig it writes works unchanged, kubectl verifies the
 * generated CA, and what each user may do follows its groups.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import * as k8s from '@kubernetes/client-node';
import { kubecfgWith, seedPath, startUp } from '../api-helpers.js';
import { Kubectl, kubectlFound } from '../kubectl-helpers.js';

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'helmsman-auth-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const POD = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });

test('with a token file and TLS: the admin kubeconfig works for kubectl, kubecfg and client-node, and each user may do what its groups allow', async (t) => {
  const dir = tempDir(t);
  const tokens = join(dir, 'tokens.csv');
  writeFileSync(tokens, 'viewtoken,viola,10,"helmsman:view"\nnodetoken,system:node:minion-1,11,system:nodes\nnoroletoken,nobody,12\n');
  const passwords = join(dir, 'passwords.csv');
  writeFileSync(passwords, 's3cret,kate,20,system:masters\n');
  const up = await startUp(['--store', 'memory', '--minions', '1', '--runtime', 'fake', '--data', dir, '--token-auth-file', tokens, '--basic-auth-file', passwords, '--tls']);
  t.teardown(() => up.stop('SIGKILL'));
  t.regex(up.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  t.is(up.kubeconfig, join(dir, 'admin.conf'));
  t.regex(up.output(), /anonymous requests refused/);
  const ca = readFileSync(join(dir, 'pki', 'ca.crt'), 'utf8');
  const dispatcher = new Agent({ connect: { ca } });
  const get = (path: string, headers: Record<string, string> = {}) => undiciFetch(up.url + path, { headers, dispatcher });

  // No credentials, or wrong ones: 401 Unauthorized, as a Status.
  for (const headers of [{}, { authorization: 'Bearer wrong' }] as Record<string, string>[]) {
    const res = await get('/api/v1/namespaces/default/pods', headers);
    t.is(res.status, 401);
    t.like(await res.json(), { kind: 'Status', reason: 'Unauthorized', code: 401, message: 'Unauthorized' });
  }
  // Authenticated, without a group that grants anything: 403 with Kubernetes' message.
  const nobody = await get('/api/v1/namespaces/default/pods', { authorization: 'Bearer noroletoken' });
  t.is(nobody.status, 403);
  t.is(((await nobody.json()) as { message: string }).message, 'pods is forbidden: User "nobody" cannot list resource "pods" in API group "" in the namespace "default"');

  if (kubectlFound) {
    const admin = new Kubectl({ kubeconfig: up.kubeconfig });
    const created = await admin.run(['create', '-f', '-'], POD);
    t.is(created.code, 0, created.stderr);
    t.regex((await admin.run(['get', 'nodes'])).stdout, /minion-1/);
    const viewer = await admin.run(['--token', 'viewtoken', 'get', 'pods']);
    t.is(viewer.code, 0, viewer.stderr);
    t.regex(viewer.stdout, /web/);
    const refused = await admin.run(['--token', 'viewtoken', 'delete', 'pod', 'web']);
    t.not(refused.code, 0);
    t.is(refused.stderr.trim(), 'Error from server (Forbidden): pods "web" is forbidden: User "viola" cannot delete resource "pods" in API group "" in the namespace "default"');
    const node = await admin.run(['--token', 'nodetoken', 'create', '-f', '-'], POD.replace('"web"', '"mine"'));
    t.regex(node.stderr, /Error from server \(Forbidden\).*User "system:node:minion-1" cannot create resource "pods"/);
  }

  // 2014 kubecfg: -auth with a user and password (basic auth), verifying the CA it names.
  const authFile = join(dir, 'kubernetes_auth');
  writeFileSync(authFile, JSON.stringify({ User: 'kate', Password: 's3cret', CAFile: 'pki/ca.crt' }));
  const listed = await kubecfgWith({ KUBERNETES_MASTER: up.url, KUBECONFIG: '' }, '-auth', authFile, 'list', '/minions');
  t.is(listed.code, 0, listed.stderr);
  t.regex(listed.stdout, /minion-1/);
  const wrong = join(dir, 'wrong_auth');
  writeFileSync(wrong, JSON.stringify({ User: 'kate', Password: 'guess', CAFile: 'pki/ca.crt' }));
  const denied = await kubecfgWith({ KUBERNETES_MASTER: up.url, KUBECONFIG: '' }, '-auth', wrong, 'list', '/pods');
  t.is(denied.code, 1);
  t.is(denied.stderr, 'Error from server (Unauthorized): Unauthorized\n');
  // kubecfg with the kubeconfig alone: its server, token and CA.
  const viaKubeconfig = await kubecfgWith({ KUBERNETES_MASTER: '', KUBECONFIG: up.kubeconfig }, '-c', seedPath('redis-master-pod'), 'create', '/pods');
  t.is(viaKubeconfig.code, 0, viaKubeconfig.stderr);

  // @kubernetes/client-node, loading the same file.
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(up.kubeconfig);
  const pods = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: 'default' });
  t.true(pods.items.some((p) => p.metadata?.name === 'redis-master-pod'));
});

test('on loopback without a token file, anonymous requests have every right; the admin kubeconfig works and a wrong token is refused', async (t) => {
  const up = await startUp(['--store', 'memory', '--minions', '0', '--runtime', 'fake']);
  t.teardown(() => up.stop('SIGKILL'));
  t.regex(up.url, /^http:\/\//);
  t.regex(up.output(), /anonymous requests have every right/);
  t.is((await fetch(`${up.url}/api/v1/namespaces`)).status, 200);
  t.is((await fetch(`${up.url}/api/v1/namespaces`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(up.kubeconfig);
  const namespaces = await kc.makeApiClient(k8s.CoreV1Api).listNamespace();
  t.true(namespaces.items.some((n) => n.metadata?.name === 'kube-system'));
});

test('off loopback, helmsman up refuses to start without authentication', async (t) => {
  const error = await t.throwsAsync(startUp(['--store', 'memory', '--minions', '0', '--runtime', 'fake', '--address', '0.0.0.0']));
  t.regex(error!.message, /exited with 2[^]*refusing to serve on 0\.0\.0\.0 without --token-auth-file or --basic-auth-file/);
});

test('off loopback with a token file, it serves TLS with a generated certificate that covers loopback', async (t) => {
  const dir = tempDir(t);
  const tokens = join(dir, 'tokens.csv');
  writeFileSync(tokens, 'viewtoken,viola,10,"helmsman:view"\n');
  const up = await startUp(['--store', 'memory', '--minions', '0', '--runtime', 'fake', '--address', '0.0.0.0', '--data', dir, '--token-auth-file', tokens]);
  t.teardown(() => up.stop('SIGKILL'));
  t.regex(up.url, /^https:\/\/0\.0\.0\.0:/);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(up.kubeconfig);
  t.regex(kc.getCurrentCluster()!.server, /^https:\/\/127\.0\.0\.1:\d+$/);
  const namespaces = await kc.makeApiClient(k8s.CoreV1Api).listNamespace();
  t.true(namespaces.items.length >= 3);
});

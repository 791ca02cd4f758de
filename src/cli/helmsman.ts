#!/usr/bin/env node
/** The `helmsman` command: `up` brings up a cluster behind the REST API, `demo` runs the actor-kernel demo. */
import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import { DEMO_DEFAULTS, runKernelDemo } from '../demo/kernel-demo.js';
import { Cluster } from '../cluster/cluster.js';
import { DEFAULT_MAX_EVENTS } from '../../actors/event-ttl-controller.js';
import { RUNTIME_KINDS } from '../runtimes/index.js';
import { dockerAnswers } from '../runtimes/docker.js';
import { readFileSync } from 'node:fs';
import { parseDuration } from './duration.js';
import { join, resolve } from 'node:path';
import { isLoopback } from '../server.js';
import { readCredentialsFile, type Credentials } from '../auth/credentials-file.js';
import { adminToken, ADMIN, writeAdminKubeconfig } from '../auth/admin-credentials.js';
import { readKubeconfig, type ClientCredentials } from './credentials.js';
import { bootstrapToken, type NodeCsrSigner } from '../auth/bootstrap.js';
import { DEFAULT_KUBELET_PORT, MinionAgent } from '../agent/agent.js';
import { hostname } from 'node:os';
import { Client, ServerError } from './client.js';
import { printActors } from './actors.js';

const USAGE = `usage: helmsman <command> [options]

  up      start a cluster: the REST API (v1 for kubectl, v1beta1 for kubecfg), the scheduler,
          the controllers and N minions
            --port N        TCP port (default 8080)
            --address A     address to bind (default 127.0.0.1)
            --minions N     minions to start (default 3)
            --runtime R     container runtime: docker (the default when an engine
                            answers at DOCKER_HOST or the default socket), process
                            (each container's command as a host process; the
                            default otherwise) or fake (simulated containers)
            --proxy-mode M  how minions serve services: iptables (NAT rules,
                            needs root), userspace (a TCP relay) or auto
                            (default: iptables where it can be used)
            --store S       lmdb (default, durable), memory, or etcd (shared by
                            every control plane on the same etcd cluster)
            --data DIR      the data folder: the lmdb store, the admin kubeconfig
                            (admin.conf) and generated certificates (default ./data)
            --etcd-servers URLS  the etcd cluster's client URLs, comma-separated
                            (default http://127.0.0.1:2379)
            --etcd-prefix P the etcd key prefix (default /registry)
            --token-auth-file F  bearer tokens, kube-apiserver's CSV
                            (token,user,uid,"group1,group2"); anonymous requests
                            are then refused
            --basic-auth-file F  user names and passwords, the CSV of old
                            kube-apiserver (password,user,uid,"groups"), for
                            2014 kubecfg's -auth
            --tls           serve HTTPS with a CA and certificate generated into
                            DIR/pki (the default off loopback)
            --tls-cert-file F --tls-private-key-file F  serve HTTPS with these
            --shards N      actor shards (default: one per core)
            --event-ttl D   how long events are kept (default 1h; e.g. 30m, 1h30m)
            --max-events N  events kept at most; the oldest go first (default 10000)
            --cluster-cidr C  the pods' addresses; each remote minion gets a block
                            of it (default 10.244.0.0/16)
            --node-cidr-mask-size N  the prefix length of each block (default 24)
            --node-monitor-grace-period D  a minion not heard from for this long is
                            NotReady and its pods are moved (default 40s)
  minion  join this host to a control plane as a minion (kubelet and service proxy)
            --server URL    the control plane (default: the kubeconfig's)
            --kubeconfig F  the server, the node's credentials and the CA
            --token-file F  a file holding the node's bearer token (a user
                            system:node:NAME in group system:nodes)
            --token T       a bearer token, or the bootstrap token helmsman up
                            prints: the node then gets a certificate of its own
            --certificate-authority F  the CA that signed the server's certificate
            --name NAME     the node's name (default: the host name)
            --address IP    the host's address (services and the kubelet
                            endpoint listen there; default 127.0.0.1)
            --runtime R     docker, process or fake (default: docker when an
                            engine answers, else process)
            --proxy-mode M  iptables, userspace or auto (default auto)
            --kubelet-port N  the kubelet endpoint's port (default 10250)
            --client-ca-file F  the CA of the clients that may read container logs
                            (default: the --certificate-authority)
            --pod-cidr C    the node's own pod range (default: one from the
                            control plane's --cluster-cidr)
            --node-lease-duration-seconds N  the heartbeat lease's duration; it is
                            renewed every quarter of it (default 40)
            --hollow N      N simulated minions NAME-0 … NAME-(N-1) in this one
                            process (fake runtime, each with its own watches and
                            Lease: kubemark's hollow nodes)
            --data DIR      the agent's state (default ./data/kubelet-NAME)
  actors  the actor system's shards: actors, messages per second, mailboxes,
          restarts, heap and busy time (GET /debug/actors)
            --server URL    the API server (default: the kubeconfig's, else
                            http://127.0.0.1:8080)
            --kubeconfig F  the server and credentials (default $KUBECONFIG)
            --token T --token-file F --certificate-authority F
            --watch, -w     refresh the table in place until interrupted
  bench   run benchmark scenarios (actors, api, cluster, churn, recovery, proxy,
          load, soak, remote, docker, all); \`helmsman bench --help\` lists the options
  demo    run the actor-kernel demo
            --minions N --pods N --shards N
`;

function int(value: string | undefined, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}`);
  return n;
}

class UsageError extends Error {}

/** A duration flag in ms (`1h`, `30m`, `1h30m0s`, `90s`, `500ms`). */
function durationMs(text: string, name: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`--${name} must be a duration such as 1h, 30m or 1h30m0s`);
  return ms;
}

async function up(values: Record<string, string | boolean | undefined>, out: (line: string) => void): Promise<void> {
  const started = performance.now();
  const store = (values.store as string | undefined) ?? 'lmdb';
  if (store !== 'lmdb' && store !== 'memory' && store !== 'etcd') throw new UsageError('--store must be lmdb, memory or etcd');
  const etcdServers = ((values['etcd-servers'] as string | undefined) ?? 'http://127.0.0.1:2379').split(',').map((s) => s.trim()).filter(Boolean);
  for (const url of etcdServers) if (!/^https?:\/\/[^/\s]+\/?$/.test(url)) throw new UsageError(`--etcd-servers: "${url}" is not a URL such as http://127.0.0.1:2379`);
  const etcdPrefix = values['etcd-prefix'] as string | undefined;
  if (etcdPrefix !== undefined && !/^\/[A-Za-z0-9._/-]*$/.test(etcdPrefix)) throw new UsageError('--etcd-prefix must be a path such as /registry');
  const runtime = (values.runtime as string | undefined) ?? ((await dockerAnswers()) ? 'docker' : 'process');
  if (!(RUNTIME_KINDS as readonly string[]).includes(runtime)) throw new UsageError(`--runtime must be one of: ${RUNTIME_KINDS.join(', ')}`);
  const proxyMode = (values['proxy-mode'] as string | undefined) ?? 'auto';
  if (!['auto', 'userspace', 'iptables'].includes(proxyMode)) throw new UsageError('--proxy-mode must be auto, userspace or iptables');
  const port = int(values.port as string | undefined, 'port', 8080, 0);
  if (port > 65535) throw new UsageError('--port must be at most 65535');
  const minions = int(values.minions as string | undefined, 'minions', 3, 0);
  const shards = int(values.shards as string | undefined, 'shards', availableParallelism());
  const eventTtl = values['event-ttl'] as string | undefined;
  const eventTtlMs = eventTtl === undefined ? undefined : durationMs(eventTtl, 'event-ttl');
  const maxEvents = int(values['max-events'] as string | undefined, 'max-events', DEFAULT_MAX_EVENTS);
  const elapsed = () => `${Math.round(performance.now() - started)} ms`;
  const address = (values.address as string | undefined) ?? '127.0.0.1';
  const dataDir = resolve((values.data as string | undefined) ?? 'data');
  const security = await securityOf(values, address, dataDir);
  const cluster = await Cluster.start({
    api: { port, address, authentication: security.authentication, tls: security.tls, csrSigner: security.csrSigner },
    store,
    dataDir,
    etcd: store === 'etcd' ? { servers: etcdServers, prefix: etcdPrefix } : undefined,
    minions,
    shards,
    runtime: runtime as (typeof RUNTIME_KINDS)[number],
    proxyMode: proxyMode as 'auto' | 'userspace' | 'iptables',
    eventTtlMs,
    maxEvents,
    clusterCIDR: values['cluster-cidr'] as string | undefined,
    nodeCidrMaskSize: values['node-cidr-mask-size'] === undefined ? undefined : int(values['node-cidr-mask-size'] as string, 'node-cidr-mask-size', 24, 1),
    kubeletClient: security.kubeletClient,
    ...gracePeriodOf(values['node-monitor-grace-period'] as string | undefined),
    onProgress: (message) => out(`[${elapsed()}] ${message}`),
  });
  const where = store === 'lmdb' ? ` in ${(values.data as string) ?? 'data'}` : store === 'etcd' ? ` at ${etcdServers.join(',')}${etcdPrefix ? ` under ${etcdPrefix}` : ''}` : '';
  out(`cluster up in ${elapsed()}: ${minions} minions, ${store} store${where}, API on ${cluster.url}`);
  out(security.said);
  // The kubeconfig names a loopback address when the server listens on every one.
  const server = cluster.url!.replace(/\/\/(0\.0\.0\.0|\[::\])(?=:)/, '//127.0.0.1');
  const kubeconfig = writeAdminKubeconfig(dataDir, server, security.adminToken, security.caCert);
  out(`admin kubeconfig: export KUBECONFIG=${kubeconfig}`);
  out(`try: kubectl get nodes, or kubecfg -h ${server} list /minions; the dashboard: ${server}/ui/`);
  if (!isLoopback(address) && security.bootstrap) {
    // As kubeadm prints its join command: the bootstrap token gets the host its own certificate.
    const ca = security.caCert ? ` --certificate-authority ${join(dataDir, 'pki', 'ca.crt')}` : ' --certificate-authority CA-FILE';
    out(`join a host (copy the CA file there first): helmsman minion --server ${cluster.url} --token ${security.bootstrap.token}${ca} --name NAME --address HOST-IP`);
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      out(`${signal}: stopping…`);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      const t = performance.now();
      cluster.stop().then(() => {
        out(`stopped in ${Math.round(performance.now() - t)} ms`);
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** The node controller's timing for `--node-monitor-grace-period`: it looks every 5 s, or four times per grace period if that is shorter. */
function gracePeriodOf(text: string | undefined): { nodeGracePeriodMs?: number; nodeMonitorPeriodMs?: number } {
  if (text === undefined) return {};
  const ms = durationMs(text, 'node-monitor-grace-period');
  if (ms < 1000) throw new UsageError('--node-monitor-grace-period must be at least 1s');
  return { nodeGracePeriodMs: ms, nodeMonitorPeriodMs: Math.min(5000, Math.round(ms / 4)) };
}

/** The file a flag names, read (an unreadable one is a usage error naming the flag). */
function readFlagFile(values: Record<string, string | boolean | undefined>, name: string): string {
  try {
    return readFileSync(values[name] as string, 'utf8');
  } catch (err) {
    throw new UsageError(`--${name}: ${(err as Error).message}`);
  }
}

/**
 * The server and credentials that `--server`, `--kubeconfig` (else `$KUBECONFIG` when `orEnv`),
 * `--token`, `--token-file` and `--certificate-authority` name.
 */
function clientFlags(values: Record<string, string | boolean | undefined>, orEnv = false): { server?: string; credentials: ClientCredentials } {
  const file = (name: string) => values[name] as string | undefined;
  const read = (name: string) => readFlagFile(values, name);
  const kubeconfigPath = file('kubeconfig') ?? (orEnv ? process.env.KUBECONFIG?.split(':')[0] || undefined : undefined);
  let fromKubeconfig: ReturnType<typeof readKubeconfig> = {};
  if (kubeconfigPath) {
    try {
      fromKubeconfig = readKubeconfig(kubeconfigPath);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  const server = file('server') ?? fromKubeconfig.server;
  if (server !== undefined && !/^https?:\/\/[^/\s]+\/?$/.test(server)) throw new UsageError(`--server "${server}" must be a URL such as https://10.0.0.1:8080`);
  const credentials: ClientCredentials = {
    authorization: file('token') ? `Bearer ${file('token')}` : file('token-file') ? `Bearer ${read('token-file').trim()}` : fromKubeconfig.authorization,
    ca: file('certificate-authority') ? read('certificate-authority') : fromKubeconfig.ca,
    insecure: fromKubeconfig.insecure,
  };
  return { server, credentials };
}

/** `helmsman actors`: the shards' load, once or refreshed until interrupted. */
async function actors(values: Record<string, string | boolean | undefined>): Promise<number> {
  const { server, credentials } = clientFlags(values, true);
  const client = new Client(server ?? 'http://127.0.0.1:8080', credentials);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // A reader that went away (`| head`) ends the watch, as it would kubectl's.
  const onOutputError = (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' ? stop.abort() : undefined);
  process.stdout.on('error', onOutputError);
  try {
    await printActors({ client, watch: values.watch === true, out: process.stdout, signal: stop.signal });
    return 0;
  } catch (err) {
    if (err instanceof ServerError) {
      process.stderr.write(`Error from server (${err.reason}): ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.stdout.off('error', onOutputError);
  }
}

/** `helmsman minion`: this host joins a control plane; runs until SIGINT or SIGTERM (its containers keep running). */
async function minion(values: Record<string, string | boolean | undefined>, out: (line: string) => void): Promise<void> {
  const file = (name: string) => values[name] as string | undefined;
  const read = (name: string) => readFlagFile(values, name);
  const { server, credentials } = clientFlags(values);
  if (!server) throw new UsageError('--server (or a --kubeconfig naming one) is required');
  const hollow = int(values.hollow as string | undefined, 'hollow', 0, 1);
  const runtime = (values.runtime as string | undefined) ?? (hollow ? 'fake' : (await dockerAnswers()) ? 'docker' : 'process');
  if (!(RUNTIME_KINDS as readonly string[]).includes(runtime)) throw new UsageError(`--runtime must be one of: ${RUNTIME_KINDS.join(', ')}`);
  const proxyMode = (values['proxy-mode'] as string | undefined) ?? 'auto';
  if (!['auto', 'userspace', 'iptables'].includes(proxyMode)) throw new UsageError('--proxy-mode must be auto, userspace or iptables');
  const kubeletPort = int(values['kubelet-port'] as string | undefined, 'kubelet-port', DEFAULT_KUBELET_PORT, 0);
  if (kubeletPort > 65535) throw new UsageError('--kubelet-port must be at most 65535');
  const name = file('name') ?? (hollow ? 'hollow' : hostname().toLowerCase());
  let agent: MinionAgent;
  try {
    agent = await MinionAgent.start({
      server,
      credentials,
      name,
      address: file('address') ?? '127.0.0.1',
      runtime: { kind: runtime as (typeof RUNTIME_KINDS)[number] },
      proxyMode: proxyMode as 'auto' | 'userspace' | 'iptables',
      kubeletPort,
      podCIDR: file('pod-cidr'),
      hollow,
      heartbeatMs: (int(values['node-lease-duration-seconds'] as string | undefined, 'node-lease-duration-seconds', 40) * 1000) / 4,
      dataDir: file('data'),
      clientCA: file('client-ca-file') ? read('client-ca-file') : undefined,
      onProgress: out,
    });
  } catch (err) {
    if (err instanceof TypeError) throw new UsageError(err.message);
    throw err;
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      out(`${signal}: stopping (the containers keep running)…`);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      agent.stop().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Who may use the API and how it is served, from the flags: the server's options and what to say about them. */
async function securityOf(values: Record<string, string | boolean | undefined>, address: string, dataDir: string) {
  const file = (name: string) => values[name] as string | undefined;
  let tokens: Credentials;
  let passwords: Credentials | undefined;
  try {
    tokens = file('token-auth-file') ? readCredentialsFile(file('token-auth-file')!, 'token') : new Map();
    passwords = file('basic-auth-file') ? readCredentialsFile(file('basic-auth-file')!, 'password') : undefined;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const anonymous = !file('token-auth-file') && !file('basic-auth-file');
  if (anonymous && !isLoopback(address)) throw new UsageError(`refusing to serve on ${address} without --token-auth-file or --basic-auth-file: anonymous requests may only come from loopback`);
  const adminTokenValue = adminToken(dataDir);
  tokens.set(adminTokenValue, ADMIN);
  if (!!file('tls-cert-file') !== !!file('tls-private-key-file')) throw new UsageError('--tls-cert-file and --tls-private-key-file go together');
  let served: { cert: string; key: string; clientCA?: string } | undefined;
  let caCert: string | undefined;
  let kubeletClient: { cert: string; key: string } | undefined;
  let csrSigner: NodeCsrSigner | undefined;
  let bootstrap: ReturnType<typeof bootstrapToken> | undefined;
  if (file('tls-cert-file') || values.tls || !isLoopback(address)) {
    // Loaded only when used: the certificate library is heavy.
    const { ensureServingPki, ensureKubeletClientCert, signNodeClientCsr } = await import('../auth/pki.js');
    let tls: { cert: string; key: string; clientCA?: string };
    if (file('tls-cert-file')) tls = { cert: readFileSync(file('tls-cert-file')!, 'utf8'), key: readFileSync(file('tls-private-key-file')!, 'utf8') };
    else {
      const pki = await ensureServingPki(join(dataDir, 'pki'), [address]);
      tls = { cert: pki.cert, key: pki.key };
      caCert = pki.caCert;
    }
    served = tls;
    // What the control plane shows remote minions' kubelets when it reads their containers' logs.
    const client = await ensureKubeletClientCert(join(dataDir, 'pki'));
    kubeletClient = { cert: client.cert, key: client.key };
    // Nodes that joined with the bootstrap token speak with certificates this CA signed.
    tls.clientCA = client.caCert;
    csrSigner = (csr, node) => signNodeClientCsr(join(dataDir, 'pki'), csr, node);
    bootstrap = bootstrapToken(dataDir);
    tokens.set(bootstrap.token, bootstrap.user);
  }
  const said = anonymous
    ? 'authentication: none required — anonymous requests have every right (loopback, no --token-auth-file); wrong credentials are still refused'
    : `authentication: ${tokens.size - 1 - (bootstrap ? 1 : 0)} token user(s)${passwords ? `, ${passwords.size} basic-auth user(s)` : ''} and the admin${bootstrap ? ', nodes by the certificates they get with the bootstrap token' : ''}; anonymous requests refused`;
  return { authentication: { tokens, passwords, anonymous }, tls: served, caCert, kubeletClient, csrSigner, bootstrap, adminToken: adminTokenValue, said: served ? `${said}; TLS${caCert ? ` (CA ${join(dataDir, 'pki', 'ca.crt')})` : ''}` : said };
}

async function main(argv: string[]): Promise<number> {
  // `bench` has options of its own (see bench/run.ts).
  if (argv[0] === 'bench') return (await import('../../bench/run.js')).benchMain(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      address: { type: 'string' },
      store: { type: 'string' },
      data: { type: 'string' },
      'etcd-servers': { type: 'string' },
      'etcd-prefix': { type: 'string' },
      shards: { type: 'string' },
      minions: { type: 'string' },
      runtime: { type: 'string' },
      'proxy-mode': { type: 'string' },
      'event-ttl': { type: 'string' },
      'max-events': { type: 'string' },
      'token-auth-file': { type: 'string' },
      'basic-auth-file': { type: 'string' },
      tls: { type: 'boolean' },
      'tls-cert-file': { type: 'string' },
      'tls-private-key-file': { type: 'string' },
      pods: { type: 'string' },
      'cluster-cidr': { type: 'string' },
      'node-cidr-mask-size': { type: 'string' },
      server: { type: 'string' },
      kubeconfig: { type: 'string' },
      'token-file': { type: 'string' },
      token: { type: 'string' },
      'certificate-authority': { type: 'string' },
      'client-ca-file': { type: 'string' },
      name: { type: 'string' },
      'kubelet-port': { type: 'string' },
      'pod-cidr': { type: 'string' },
      'node-monitor-grace-period': { type: 'string' },
      'node-lease-duration-seconds': { type: 'string' },
      hollow: { type: 'string' },
      watch: { type: 'boolean', short: 'w' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  switch (command) {
    case 'up':
      await up(values, out);
      return 0;
    case 'minion':
      await minion(values, out);
      return 0;
    case 'actors':
      return actors(values);
    case 'demo':
      await runKernelDemo({
        minions: int(values.minions, 'minions', DEMO_DEFAULTS.minions),
        podsPerMinion: int(values.pods, 'pods', DEMO_DEFAULTS.podsPerMinion),
        shards: int(values.shards, 'shards', DEMO_DEFAULTS.shards),
        out,
      });
      return 0;
    default:
      throw new UsageError(command === undefined ? 'a command is required' : `unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: Error) => {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`helmsman: ${err.message}\n${usage ? USAGE : ''}`);
    process.exitCode = usage ? 2 : 1;
  },
);

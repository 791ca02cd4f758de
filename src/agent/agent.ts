/**
 * MinionAgent: `helmsman minion` — the kubelet and service proxy of one host, joined to a control
 * plane over its HTTP API. It registers the host's Node, waits for the node IPAM controller to
 * give it a pod range, and then runs the very actors an embedded minion runs (minion, pods,
 * service proxy) on an actor system of its own, with a RemoteRegistry in place of the registry.
 * Its kubelet endpoint serves container logs to the control plane (kubelet-server.ts). Given a
 * bootstrap token it first gets a client certificate of its own (TLS bootstrapping); `hollow: N`
 * runs N simulated minions instead of one (kubemark's hollow nodes).
 *
 * Stopping the agent leaves its containers running, as stopping a kubelet does: the agent started
 * again adopts them.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { availableParallelism, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { ActorSystem, type ActorRef } from '../kernel/index.js';
import { CLUSTER_MODULES, resolveProxyMode } from '../cluster/cluster.js';
import { Minion, type MinionMsg, type MinionProps } from '../../actors/minion.js';
import { RemoteRegistry } from '../../actors/remote-registry.js';
import { DEFAULT_BACKOFF } from '../cluster/backoff.js';
import { DEFAULT_PROBE } from '../cluster/probe.js';
import { dns1123SubdomainError } from '../api/names.js';
import { parseCidr } from '../api/cidr.js';
import { CSR_PATH, isBootstrapToken } from '../auth/bootstrap.js';
import type { ProxyMode } from '../proxy/table.js';
import type { RuntimeConfig } from '../runtimes/index.js';
import type { ClientCredentials } from '../cli/credentials.js';
import { ApiClient } from './api-client.js';
import { startKubeletServer, type KubeletServer } from './kubelet-server.js';

/** The modules an agent's shards import: the cluster's actor kinds and the remote registry. */
export const AGENT_MODULES = [...CLUSTER_MODULES, new URL('../../actors/remote-registry.js', import.meta.url)];

/** The kubelet's port unless told otherwise. */
export const DEFAULT_KUBELET_PORT = 10250;

/** Options of `MinionAgent.start`. */
export interface AgentOptions {
  /** The control plane's URL. */
  server: string;
  /** As whom (a node's token: user `system:node:NAME` in group `system:nodes`) and the CA to trust. */
  credentials: ClientCredentials;
  /** The node's name (a DNS-1123 subdomain). */
  name: string;
  /** The host's address: where its services are served and its kubelet endpoint listens. */
  address: string;
  runtime: RuntimeConfig;
  /** How the host serves services (default auto: iptables where it can be used, else userspace; none with the fake runtime). */
  proxyMode?: 'auto' | 'userspace' | 'iptables';
  /** The kubelet endpoint's port (default 10250; 0: any free one). */
  kubeletPort?: number;
  /** Capacity (default: the machine's cores and memory). */
  capacity?: { cpu?: number; memory?: number };
  labels?: Record<string, string>;
  /** How often the Lease is renewed (default 10,000 ms). */
  heartbeatMs?: number;
  /** A pod range of the node's own instead of one from the control plane (the kubelet's `--pod-cidr`). */
  podCIDR?: string;
  /** Actor shards (default 1; a hollow agent's: one per core). */
  shards?: number;
  /** Run this many hollow minions (fake runtime) instead of one: see `MinionAgent.start`. */
  hollow?: number;
  /** Where the agent keeps its state: the kubelet endpoint's certificate (default ./data/kubelet-NAME). */
  dataDir?: string;
  /** The CA whose `system:masters` clients may read container logs (PEM; default the CA trusted for the control plane, if any). */
  clientCA?: string;
  onProgress?: (message: string) => void;
}

/** One minion of an agent: its node's name and pod range, and its actors. */
export interface AgentMinion {
  name: string;
  podCIDR: string;
  registry: ActorRef;
  minion: ActorRef<MinionMsg>;
}

/** Registrations under way at once, for a hollow agent's many minions. */
const REGISTERING_AT_ONCE = 64;

/** A running agent. */
export class MinionAgent {
  private constructor(
    readonly system: ActorSystem,
    /** Its minion (a hollow agent's many). */
    readonly minions: AgentMinion[],
    private readonly kubelet: KubeletServer | undefined,
  ) {}

  /** The node's name (the first minion's, for a hollow agent). */
  get name(): string {
    return this.minions[0]!.name;
  }

  /** The pod range the node runs its pods in. */
  get podCIDR(): string {
    return this.minions[0]!.podCIDR;
  }

  /** The kubelet endpoint's port (0 for a hollow agent, which has none). */
  get kubeletPort(): number {
    return this.kubelet?.port ?? 0;
  }

  /**
   * Registers the node, waits for its pod range and starts its actors. With `hollow: N`
   * (kubemark's hollow nodes), N minions `NAME-0` … `NAME-(N−1)` on the fake runtime, each with its
   * own registration, watches and Lease — the code of a real agent — and no kubelet endpoint
   * (simulated containers have no output).
   */
  static async start(options: AgentOptions): Promise<MinionAgent> {
    const progress = options.onProgress ?? (() => {});
    const nameError = dns1123SubdomainError(options.name);
    if (nameError) throw new TypeError(`--name "${options.name}": ${nameError}`);
    if (!isIPv4(options.address)) throw new TypeError(`--address "${options.address}" must be an IPv4 address`);
    if (options.podCIDR !== undefined && !parseCidr(options.podCIDR)) throw new TypeError(`--pod-cidr "${options.podCIDR}" must be an IPv4 CIDR such as 10.244.1.0/24`);
    const hollow = options.hollow ?? 0;
    if (!(Number.isInteger(hollow) && hollow >= 0)) throw new TypeError('--hollow must be a number of minions');
    if (hollow > 0 && (options.runtime.kind !== 'fake' || options.podCIDR !== undefined)) throw new TypeError('--hollow minions run the fake runtime and get their pod ranges from the control plane');
    const names = hollow > 0 ? Array.from({ length: hollow }, (_, i) => `${options.name}-${i}`) : [options.name];
    const capacity = options.capacity ?? { cpu: availableParallelism() * 1000, memory: totalmem() };
    const dataDir = resolve(options.dataDir ?? join('data', `kubelet-${options.name}`));
    // The process runtime keeps its containers' records and output there, to adopt them when the agent starts again.
    const runtime: RuntimeConfig = options.runtime.kind === 'process' ? { kind: 'process', options: { ...options.runtime.options, stateDir: join(dataDir, 'containers') } } : options.runtime;
    const proxyMode: ProxyMode = options.runtime.kind === 'fake' ? 'none' : await resolveProxyMode(options.proxyMode ?? 'auto');
    const bearer = options.credentials.authorization?.replace(/^Bearer /, '');
    if (bearer && isBootstrapToken(bearer)) {
      if (hollow > 0) throw new TypeError('hollow minions join with a kubeconfig or token of their own, not a bootstrap token');
      options = { ...options, credentials: await bootstrapCredentials(options, join(dataDir, 'pki'), progress) };
    }
    const api = new ApiClient({ server: options.server, credentials: options.credentials });
    const podCIDRs = new Map<string, string>();
    try {
      let next = 0;
      const worker = async () => {
        while (next < names.length) {
          const name = names[next++]!;
          podCIDRs.set(name, await register(api, { ...options, name }, capacity, names.length === 1 ? progress : () => {}));
        }
      };
      if (names.length > 1) progress(`registering ${names.length} hollow minions`);
      await Promise.all(Array.from({ length: Math.min(REGISTERING_AT_ONCE, names.length) }, worker));
    } finally {
      await api.close();
    }
    const shards = options.shards ?? (hollow > 0 ? availableParallelism() : 1);
    const system = await ActorSystem.start({ shards, modules: AGENT_MODULES });
    try {
      let kubelet: KubeletServer | undefined;
      if (hollow === 0) {
        const { ensureKubeletServing } = await import('../auth/pki.js');
        const tls = await ensureKubeletServing(join(dataDir, 'pki'), [options.address]);
        kubelet = await startKubeletServer({ system, address: options.address, port: options.kubeletPort ?? DEFAULT_KUBELET_PORT, tls, clientCA: options.clientCA ?? options.credentials.ca });
      }
      const minions = names.map((name, i): AgentMinion => {
        const slot = i % shards;
        const registry = system.spawn(RemoteRegistry, `remote-registry-${name}`, { server: options.server, credentials: options.credentials }, { slot });
        const podCIDR = podCIDRs.get(name)!;
        const props: MinionProps = {
          registry,
          name,
          hostIP: options.address,
          podCIDR,
          labels: options.labels ?? {},
          capacity,
          runtime,
          proxyMode,
          kubeletEvents: options.runtime.kind !== 'fake',
          backoff: DEFAULT_BACKOFF,
          probe: DEFAULT_PROBE,
          heartbeatMs: options.heartbeatMs ?? 10_000,
          kubeletPort: kubelet?.port,
          keepContainers: true,
        };
        return { name, podCIDR, registry, minion: system.spawn(Minion, name, props, { slot }) };
      });
      if (kubelet) kubelet.serve(minions[0]!.minion);
      const what = hollow > 0 ? `${hollow} hollow minions ${names[0]} … ${names.at(-1)}` : `minion ${options.name}`;
      const where = kubelet ? `pods in ${minions[0]!.podCIDR}, kubelet endpoint on ${options.address}:${kubelet.port}, ` : '';
      progress(`${what} joined ${options.server}: ${where}${runtime.kind} runtime${proxyMode === 'none' ? '' : `, ${proxyMode} service proxy`}`);
      return new MinionAgent(system, minions, kubelet);
    } catch (err) {
      await system.stop();
      throw err;
    }
  }

  /** Stops the agent; its containers keep running. */
  async stop(): Promise<void> {
    await this.kubelet?.close();
    await this.system.stop();
  }
}

/**
 * TLS bootstrapping (src/auth/bootstrap.ts): with a bootstrap token the agent asks the control
 * plane to sign a client certificate for `system:node:NAME` and speaks with it from then on; the
 * certificate and key are kept in `pkiDir` (`kubelet-client.crt`, `.key`) and used again at the
 * next start while valid, as the kubelet's `kubelet-client-current.pem`.
 */
async function bootstrapCredentials(options: AgentOptions, pkiDir: string, progress: (message: string) => void): Promise<ClientCredentials> {
  const certFile = join(pkiDir, 'kubelet-client.crt');
  const keyFile = join(pkiDir, 'kubelet-client.key');
  const { ca, insecure } = options.credentials;
  if (existsSync(certFile) && existsSync(keyFile)) {
    const cert = readFileSync(certFile, 'utf8');
    const valid = new X509Certificate(cert);
    if (Date.parse(valid.validTo) > Date.now() + 86_400_000 && valid.subject.includes(`CN=system:node:${options.name}`)) return { ca, insecure, cert, key: readFileSync(keyFile, 'utf8') };
  }
  const { nodeClientCsr } = await import('../auth/pki.js');
  const { key, csr } = await nodeClientCsr(options.name);
  const api = new ApiClient({ server: options.server, credentials: options.credentials });
  try {
    const body = { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { generateName: 'csr-' }, spec: { request: Buffer.from(csr).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'key encipherment', 'client auth'] } };
    const answer = await api.request<{ status?: { certificate?: string } }>('POST', CSR_PATH, body);
    if (!answer.ok) throw new Error(`the control plane did not sign node ${options.name}'s certificate: ${answer.error.message}`);
    const cert = Buffer.from(answer.body.status?.certificate ?? '', 'base64').toString('utf8');
    if (!cert.includes('BEGIN CERTIFICATE')) throw new Error(`the control plane answered node ${options.name}'s certificate request without a certificate`);
    mkdirSync(pkiDir, { recursive: true, mode: 0o700 });
    writeFileSync(keyFile, key, { mode: 0o600 });
    writeFileSync(certFile, cert);
    progress(`node ${options.name}: client certificate for system:node:${options.name} signed by the control plane (TLS bootstrapping)`);
    return { ca, insecure, cert, key };
  } finally {
    await api.close();
  }
}

/** Creates the node (or finds it) and waits until it has a pod range; returns the range. */
async function register(api: ApiClient, options: AgentOptions, capacity: { cpu?: number; memory?: number }, progress: (message: string) => void): Promise<string> {
  const node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: options.name, labels: options.labels ?? {} },
    spec: options.podCIDR ? { podCIDR: options.podCIDR } : {},
    status: {
      addresses: [{ type: 'InternalIP', address: options.address }],
      capacity: { ...(capacity.cpu !== undefined ? { cpu: `${capacity.cpu}m` } : {}), ...(capacity.memory !== undefined ? { memory: String(capacity.memory) } : {}) },
    },
  };
  let waiting = false;
  for (let attempt = 0; ; attempt++) {
    const created = await api.request('POST', '/api/v1/nodes', node);
    if (!created.ok && created.error.code !== 409) {
      if (created.error.code === 401 || created.error.code === 403 || created.error.code === 422 || created.error.code === 400) {
        throw new Error(`the control plane refused node ${options.name}: ${created.error.message}`);
      }
      if (attempt === 0) progress(`waiting for the control plane: ${created.error.message}`);
      await sleep(Math.min(5000, 250 * 2 ** attempt));
      continue;
    }
    break;
  }
  for (;;) {
    const got = await api.request<{ spec?: { podCIDR?: string }; metadata?: { resourceVersion?: string } }>('GET', `/api/v1/nodes/${encodeURIComponent(options.name)}`);
    const podCIDR = got.ok ? got.body.spec?.podCIDR : undefined;
    if (podCIDR) {
      if (options.podCIDR && podCIDR !== options.podCIDR) throw new Error(`node ${options.name} already has the pod range ${podCIDR}, not --pod-cidr ${options.podCIDR}`);
      return podCIDR;
    }
    if (!waiting) progress(`node ${options.name} registered; waiting for a pod range from the control plane's node IPAM`);
    waiting = true;
    if (!got.ok) {
      await sleep(1000);
      continue;
    }
    // Watched, not polled: a thousand hollow minions waiting cost the control plane nothing.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 30_000);
    const query = new URLSearchParams({ fieldSelector: `metadata.name=${options.name}`, watch: 'true', resourceVersion: got.body.metadata?.resourceVersion ?? '' });
    await api
      .stream(`/api/v1/nodes?${query}`, abort.signal, (line) => {
        const event = JSON.parse(line) as { object?: { spec?: { podCIDR?: string } } };
        if (event.object?.spec?.podCIDR) abort.abort();
      })
      .catch(() => sleep(1000))
      .finally(() => clearTimeout(timer));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

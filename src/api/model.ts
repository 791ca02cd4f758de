/**
 * The internal model: one shape per kind, close to core/v1 (metadata / spec / status), which every
 * API version converts to and from with pure functions (v1beta1.ts; core/v1 later). The store, the
 * registry and the cluster's actors only ever see these shapes.
 */

/** Metadata every object has. `resourceVersion` is the store revision of its last write. */
export interface ObjectMeta {
  name: string;
  /** '' for cluster-scoped kinds (nodes). */
  namespace: string;
  uid: string;
  resourceVersion: number;
  /** RFC 3339. */
  creationTimestamp: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Set by the registry for pods a replication controller created. */
  generateName?: string;
  /** The objects this one belongs to (a replication controller's pods name it here). */
  ownerReferences?: OwnerReference[];
}

/** A link to an owning object (core/v1 `ownerReferences`; v1beta1 has no field for it). */
export interface OwnerReference {
  kind: string;
  name: string;
  uid: string;
  /** Whether the owner is the managing controller. */
  controller?: boolean;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  hostPort?: number;
  protocol: 'TCP' | 'UDP';
  hostIP?: string;
}

export interface EnvVar {
  name: string;
  value: string;
}

export interface Probe {
  httpGet?: { path?: string; port: number | string; host?: string };
  tcpSocket?: { port: number | string };
  exec?: { command: string[] };
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  failureThreshold?: number;
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  ports: ContainerPort[];
  env: EnvVar[];
  /** Bytes (v1beta1 `memory`). */
  memory?: number;
  /** Milli-CPU (v1beta1 `cpu`). */
  cpu?: number;
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  livenessProbe?: Probe;
  lifecycle?: unknown;
  imagePullPolicy?: string;
}

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export interface PodSpec {
  containers: Container[];
  restartPolicy: RestartPolicy;
  volumes: { name: string; source?: unknown }[];
  nodeSelector: Record<string, string>;
  /** The minion the pod is bound to ('' while unscheduled). */
  host: string;
  /** The 2014 manifest's own `version`, `id` and `uuid`, kept for round trips. */
  manifest: { version: string; id: string; uuid?: string };
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** One container's state, as v1beta1's `info` map reports it. */
export interface ContainerStatus {
  state: {
    waiting?: { reason?: string };
    running?: { startedAt?: string };
    termination?: { exitCode: number; reason?: string; startedAt?: string; finishedAt?: string };
  };
  restartCount: number;
  image?: string;
  /** `<runtime>://<id>` of the container that runs (or ran last). */
  containerID?: string;
  podIP?: string;
  ready?: boolean;
}

export interface PodStatus {
  phase: PodPhase;
  message?: string;
  host?: string;
  hostIP?: string;
  podIP?: string;
  containers: Record<string, ContainerStatus>;
}

export interface Pod {
  kind: 'Pod';
  metadata: ObjectMeta;
  spec: PodSpec;
  status: PodStatus;
}

export interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations: Record<string, string> };
  spec: PodSpec;
}

export interface ReplicationController {
  kind: 'ReplicationController';
  metadata: ObjectMeta;
  spec: { replicas: number; selector: Record<string, string>; template: PodTemplate };
  /** `readyReplicas`: pods of it that are Running with every container ready (core/v1 prints it; unset until someone counts). */
  status: { replicas: number; readyReplicas?: number };
}

export interface ServicePort {
  /** Needed when a service has several ports. */
  name?: string;
  port: number;
  protocol: 'TCP' | 'UDP';
  /** The pods' port: a number or a container port's name. */
  targetPort: number | string;
}

export interface Service {
  kind: 'Service';
  metadata: ObjectMeta;
  spec: {
    ports: ServicePort[];
    selector: Record<string, string>;
    /** v1beta1 `portalIP`. */
    clusterIP: string;
    /** v1beta1 `publicIPs`. */
    externalIPs: string[];
    createExternalLoadBalancer: boolean;
    proxyPort?: number;
  };
  status: Record<string, never>;
}

/** A minion (v1: Node). */
export interface Node {
  kind: 'Node';
  metadata: ObjectMeta;
  spec: {
    /** The addresses of this node's pods (`10.244.3.0/24`), given by the node IPAM controller; set once. */
    podCIDR?: string;
  };
  status: {
    hostIP: string;
    capacity: { cpu?: number; memory?: number };
    conditions: { type: string; status: string; lastHeartbeatTime?: string; reason?: string }[];
    /** The port of the kubelet's HTTPS endpoint (container logs) on hostIP: a remote minion's (`status.daemonEndpoints`). */
    kubeletPort?: number;
  };
}

export interface Endpoints {
  kind: 'Endpoints';
  metadata: ObjectMeta;
  /** `ip:port` of every ready pod behind the service of the same name. */
  endpoints: { ip: string; port: number }[];
}

export interface ObjectReference {
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
  fieldPath?: string;
  apiVersion?: string;
  resourceVersion?: string;
}

export interface Event {
  kind: 'Event';
  metadata: ObjectMeta;
  involvedObject: ObjectReference;
  reason: string;
  message: string;
  /** v1beta1 `status` (free text). */
  status: string;
  source: { component: string; host?: string };
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
  type: string;
}

/** A namespace: a scope for names (`default` exists from the start). */
export interface Namespace {
  kind: 'Namespace';
  metadata: ObjectMeta;
  spec: { finalizers: string[] };
  status: { phase: 'Active' | 'Terminating' };
}

/**
 * A lease (coordination.k8s.io/v1): who holds a lock and until when, renewed by compare-and-swap on
 * its resourceVersion. Leader election and node heartbeats use them. Times are RFC 3339 with
 * microseconds (Kubernetes' MicroTime).
 */
export interface Lease {
  kind: 'Lease';
  metadata: ObjectMeta;
  spec: LeaseSpec;
}

/** Where the minions' heartbeat leases live, one per minion under its name (Kubernetes' NodeLease). */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** A lease's spec, as coordination.k8s.io/v1 has it; every field optional. */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** Every stored kind. */
export type ApiObject = Pod | ReplicationController | Service | Node | Endpoints | Event | Namespace | Lease;

/** An ApiObject's kind name. */
export type Kind = ApiObject['kind'];

/** Whether a pod is ready: Running, with every container up (Kubernetes' Ready condition). */
export function podReady(pod: Pod): boolean {
  if (pod.status.phase !== 'Running') return false;
  for (const name in pod.status.containers) if (!pod.status.containers[name]!.ready) return false;
  return true;
}

let stampSecond = NaN;
let stampText = '';

/**
 * A time as the API writes it: RFC 3339 in UTC, whole seconds (`2014-06-10T17:20:33Z`). Made once
 * per second and shared, so the objects a thread writes in one second hold one string between them
 * (and formatting a date is not free).
 */
export function timestamp(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== stampSecond) {
    stampText = new Date(second * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    stampSecond = second;
  }
  return stampText;
}

/** A time as MicroTime (RFC 3339 in UTC with microseconds: `2024-01-02T03:04:05.678000Z`), as leases carry it. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * An RFC 3339 time as MicroTime (`2024-01-02T03:04:05.678901Z`: UTC, the fraction cut or padded
 * to microseconds), or undefined when it is not one. Kubernetes' decoder takes exactly six digits;
 * this one takes any, so that a client sending `Date.toISOString()` (milliseconds) is understood.
 */
export function parseMicroTime(text: string): string | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, year, month, day, hour, minute, second, , , offsetHours, offsetMinutes] = m.map((group) => Number(group ?? 0));
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(utc);
  // Date.UTC rolls February 30 over into March: a day it moved is not a day.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return undefined;
  const offset = (m[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  const micros = (m[7] ?? '').padEnd(6, '0').slice(0, 6);
  return new Date(utc - offset).toISOString().replace(/\.\d{3}Z$/, `.${micros}Z`);
}

/** A fresh, empty ObjectMeta. */
export function emptyMeta(name = '', namespace = ''): ObjectMeta {
  return { name, namespace, uid: '', resourceVersion: 0, creationTimestamp: '', labels: {}, annotations: {} };
}

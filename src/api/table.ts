/**
 * Server-side Table output: what a Kubernetes 1.32 API server answers to
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (what `kubectl get` asks for).
 *
 * The columns and cells are ported from `pkg/printers/internalversion/printers.go`; ages from
 * apimachinery `pkg/util/duration.HumanDuration`; the row objects (`includeObject`) from
 * apiserver `pkg/endpoints/handlers/response.go` (`asTable`); the table of a kind without a
 * printer from apiserver `pkg/registry/rest/table.go` (NAME, CREATED AT). Like the real server
 * (`pkg/printers/storage`), every row carries the wide (`priority: 1`) cells too: kubectl hides
 * those columns unless asked for `-o wide`.
 *
 * Objects are plain core/v1 JSON as the real server serves them (string resourceVersion,
 * defaulted fields). Missing fields are read as Go's zero values, so a sparse object prints the
 * way the Go printer prints the same object decoded.
 */

import { formatLabels } from './selector.js';
import { badRequest } from './status.js';

/** One column of a Table, as `meta.k8s.io/v1` spells it (every key present, as Go encodes it). */
export interface TableColumnDefinition {
  name: string;
  /** An OpenAPI type: `string`, `integer`, `date`... */
  type: string;
  /** `name` for the column that holds the object's name, else ''. */
  format: string;
  description: string;
  /** 0: always shown; 1: shown by `kubectl get -o wide` only. */
  priority: number;
}

/** A row condition; the pod printer marks finished pods `Completed`. */
export interface TableRowCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

/** One row: the cells in column order, then what `includeObject` asked for. */
export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  object?: Record<string, unknown>;
}

/** A `meta.k8s.io/v1` Table. `columnDefinitions` is null when headers were left out (watch events after the first). */
export type Table = {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion: string };
  columnDefinitions: TableColumnDefinition[] | null;
  rows: TableRow[];
};

/** What each row's `object` holds: the whole object, its metadata as a PartialObjectMetadata, or nothing. */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** Options of one row. */
export interface RowOptions {
  /** The clock, in epoch milliseconds, that ages are measured against. */
  now: number;
  /** Defaults to `Metadata`, as kubectl asks for (it reads labels, namespace and name there). */
  includeObject?: IncludeObject | '';
}

/** Options of a whole table. */
export interface TableOptions extends RowOptions {
  /** The list's resourceVersion (for one object, that object's). */
  resourceVersion: string;
  /** Leave out the column definitions, as the real server does on every watch event but the first. */
  noHeaders?: boolean;
}

type Obj = Record<string, unknown>;

/** A printer turns one object into its cells (and, for pods, row conditions). */
interface Printer {
  columns: TableColumnDefinition[];
  print(object: Obj, now: number): { cells: unknown[]; conditions?: TableRowCondition[] };
}

// ---- humanDuration (apimachinery pkg/util/duration) ----

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * humanDuration prints a duration the way kubectl's AGE column does, with 2-3 significant
 * figures: `45s`, `119s`, `2m3s`, `10m`, `179m`, `3h4m`, `47h`, `2d1h`, `8d`, `729d`, `2y30d`, `8y`.
 * A negative duration within 2 s of zero is clock skew and prints `0s`; beyond that `<invalid>`.
 * Units truncate, never round (Go's integer division): 119.9 s is `119s`.
 */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms)) throw new TypeError('humanDuration needs a finite number of milliseconds');
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 2 * 60) return `${seconds}s`;
  const minutes = Math.floor(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) {
    const dy = days % 365;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${years}y`;
}

// ---- reading plain JSON the way Go decodes it (absent = zero value) ----

function rec(value: unknown): Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : {};
}

function list(value: unknown): Obj[] {
  return Array.isArray(value) ? value.map(rec) : [];
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function int(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function labelMap(value: unknown): Record<string, string> {
  return rec(value) as Record<string, string>;
}

/** Go's zero time, which JSON carries as null, an absent field or this instant. */
const ZERO_TIME = Date.parse('0001-01-01T00:00:00Z');

/** A timestamp in epoch ms, or undefined for Go's zero time (absent, null, unparsable). */
function instant(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) || ms === ZERO_TIME ? undefined : ms;
}

/** translateTimestampSince: the age of a timestamp, `<unknown>` for the zero time. */
function since(ms: number | undefined, now: number): string {
  return ms === undefined ? '<unknown>' : humanDuration(now - ms);
}

function age(object: Obj, now: number): string {
  return since(instant(rec(object.metadata).creationTimestamp), now);
}

function nameOf(object: Obj): string {
  return str(rec(object.metadata).name);
}

/** labels.FormatLabels: `a=1,b=2` sorted by key, `<none>` when empty. */
function labelsOrNone(labels: unknown): string {
  return formatLabels(labelMap(labels)) || '<none>';
}

/** layoutContainerCells: the containers' names and images, each comma-joined. */
function containerCells(containers: Obj[]): [string, string] {
  return [containers.map((c) => str(c.name)).join(','), containers.map((c) => str(c.image)).join(',')];
}

// ---- column definitions (descriptions are the Go SwaggerDoc texts the printers cite) ----

function column(name: string, type: string, description: string, extra: { format?: string; priority?: number } = {}): TableColumnDefinition {
  return { name, type, format: extra.format ?? '', description, priority: extra.priority ?? 0 };
}

const NAME_DOC =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const CREATED_DOC =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';
const NODE_ADDRESSES_DOC =
  "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/concepts/nodes/node/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";
const CONTAINERS_DOC = 'Names of each container in the template.';
const IMAGES_DOC = 'Images referenced by each container in the template.';

const nameColumn = (priority = 0) => column('Name', 'string', NAME_DOC, { format: 'name', priority });
const ageColumn = () => column('Age', 'string', CREATED_DOC);
const wide = { priority: 1 };

// ---- Pod ----

const POD_COLUMNS = [
  nameColumn(),
  column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
  column('Status', 'string', 'The aggregate status of the containers in this pod.'),
  column('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
  ageColumn(),
  column('IP', 'string', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', wide),
  column(
    'Node',
    'string',
    'NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename',
    wide,
  ),
  column(
    'Nominated Node',
    'string',
    'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.',
    wide,
  ),
  column(
    'Readiness Gates',
    'string',
    'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates',
    wide,
  ),
];

const POD_SUCCEEDED: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
const POD_FAILED: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];

function hasCondition(conditions: Obj[], type: string): boolean {
  // Go's loops stop at the first condition of the type.
  const found = conditions.find((c) => c.type === type);
  return found !== undefined && found.status === 'True';
}

/** When a container last finished before its current run, if it says so. */
function lastFinished(status: Obj): number | undefined {
  return instant(rec(rec(status.lastState).terminated).finishedAt);
}

function later(a: number | undefined, b: number | undefined): number | undefined {
  if (b === undefined) return a;
  return a === undefined || a < b ? b : a;
}

/** The reason a terminated container without a reason shows: `Signal:9`, `ExitCode:1`. */
function exitReason(terminated: Obj): string {
  const signal = int(terminated.signal);
  return signal !== 0 ? `Signal:${signal}` : `ExitCode:${int(terminated.exitCode)}`;
}

/** printPod: READY, STATUS and RESTARTS by kubectl's rules, including init and sidecar containers. */
function printPod(pod: Obj, now: number): { cells: unknown[]; conditions?: TableRowCondition[] } {
  const metadata = rec(pod.metadata);
  const spec = rec(pod.spec);
  const status = rec(pod.status);
  const conditions = list(status.conditions);
  const initContainers = list(spec.initContainers);

  let restarts = 0;
  let sidecarRestarts = 0;
  let totalContainers = list(spec.containers).length;
  let readyContainers = 0;
  let lastRestart: number | undefined;
  let lastSidecarRestart: number | undefined;

  const phase = str(status.phase);
  let reason = str(status.reason) || phase;
  if (conditions.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  // A sidecar is an init container that keeps running (restartPolicy Always); it counts as a container.
  const sidecars = new Set<string>();
  for (const container of initContainers) {
    if (container.restartPolicy === 'Always') {
      sidecars.add(str(container.name));
      totalContainers++;
    }
  }

  let initializing = false;
  for (const [i, container] of list(status.initContainerStatuses).entries()) {
    const sidecar = sidecars.has(str(container.name));
    restarts += int(container.restartCount);
    lastRestart = later(lastRestart, lastFinished(container));
    if (sidecar) {
      sidecarRestarts += int(container.restartCount);
      lastSidecarRestart = later(lastSidecarRestart, lastFinished(container));
    }
    const state = rec(container.state);
    const terminated = state.terminated === undefined || state.terminated === null ? undefined : rec(state.terminated);
    const waitingReason = str(rec(state.waiting).reason);
    if (terminated !== undefined && int(terminated.exitCode) === 0) continue;
    if (sidecar && container.started === true) {
      if (container.ready === true) readyContainers++;
      continue;
    }
    if (terminated !== undefined) {
      reason = str(terminated.reason) ? `Init:${str(terminated.reason)}` : `Init:${exitReason(terminated)}`;
    } else if (waitingReason !== '' && waitingReason !== 'PodInitializing') {
      reason = `Init:${waitingReason}`;
    } else {
      reason = `Init:${i}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || hasCondition(conditions, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = list(status.containerStatuses);
    // Backwards, so that the first container's state is the one that shows.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const container = statuses[i];
      restarts += int(container.restartCount);
      lastRestart = later(lastRestart, lastFinished(container));
      const state = rec(container.state);
      const terminated = state.terminated === undefined || state.terminated === null ? undefined : rec(state.terminated);
      const waitingReason = str(rec(state.waiting).reason);
      if (waitingReason !== '') {
        reason = waitingReason;
      } else if (terminated !== undefined) {
        reason = str(terminated.reason) || exitReason(terminated);
      } else if (container.ready === true && state.running !== undefined && state.running !== null) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // A pod whose finished containers say Completed is still Running while another one runs.
    if (reason === 'Completed' && hasRunning) {
      // hasPodReadyCondition looks at every Ready condition, not only the first.
      reason = conditions.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }

  const deleting = metadata.deletionTimestamp !== undefined && metadata.deletionTimestamp !== null;
  if (deleting && status.reason === 'NodeLost') reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  const restartsCell = restarts !== 0 && lastRestart !== undefined ? `${restarts} (${since(lastRestart, now)} ago)` : String(restarts);

  // The first pod IP, as the v1-to-internal conversion picks it: podIP wins over podIPs.
  const podIP = str(status.podIP) || str(list(status.podIPs)[0]?.ip) || '<none>';
  const gates = list(spec.readinessGates);
  let readinessGates = '<none>';
  if (gates.length > 0) {
    const passed = gates.filter((gate) => hasCondition(conditions, str(gate.conditionType))).length;
    readinessGates = `${passed}/${gates.length}`;
  }

  const cells = [
    str(metadata.name),
    `${readyContainers}/${totalContainers}`,
    reason,
    restartsCell,
    since(instant(metadata.creationTimestamp), now),
    podIP,
    str(spec.nodeName) || '<none>',
    str(status.nominatedNodeName) || '<none>',
    readinessGates,
  ];
  const rowConditions = phase === 'Succeeded' ? POD_SUCCEEDED : phase === 'Failed' ? POD_FAILED : undefined;
  return rowConditions ? { cells, conditions: rowConditions } : { cells };
}

// ---- ReplicationController ----

const RC_REPLICAS_DOC = 'https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller';
const RC_COLUMNS = [
  nameColumn(),
  column('Desired', 'integer', `Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: ${RC_REPLICAS_DOC}`),
  column('Current', 'integer', `Replicas is the most recently observed number of replicas. More info: ${RC_REPLICAS_DOC}`),
  column('Ready', 'integer', 'The number of ready replicas for this replication controller.'),
  ageColumn(),
  column('Containers', 'string', CONTAINERS_DOC, wide),
  column('Images', 'string', IMAGES_DOC, wide),
  column(
    'Selector',
    'string',
    'Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
    wide,
  ),
];

function printReplicationController(rc: Obj, now: number): { cells: unknown[] } {
  const spec = rec(rc.spec);
  const status = rec(rc.status);
  const [names, images] = containerCells(list(rec(rec(spec.template).spec).containers));
  // spec.replicas is defaulted to 1 by the server, so a served object always has it.
  const desired = typeof spec.replicas === 'number' ? spec.replicas : 1;
  return {
    cells: [nameOf(rc), desired, int(status.replicas), int(status.readyReplicas), age(rc, now), names, images, labelsOrNone(spec.selector)],
  };
}

// ---- Service ----

const SERVICE_COLUMNS = [
  nameColumn(),
  column(
    'Type',
    'string',
    'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. "ClusterIP" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is "None", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. "NodePort" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. "LoadBalancer" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. "ExternalName" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types',
  ),
  column(
    'Cluster-IP',
    'string',
    'clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are "None", empty string (""), or a valid IP address. Setting this to "None" makes a "headless service" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies',
  ),
  column(
    'External-IP',
    'string',
    'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system.',
  ),
  column('Port(s)', 'string', 'The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies'),
  ageColumn(),
  column(
    'Selector',
    'string',
    'Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/',
    wide,
  ),
];

/** getServiceExternalIP, wide (the server never clips the load-balancer list to 16 characters). */
function serviceExternalIP(type: string, spec: Obj, status: Obj): string {
  const externalIPs = strings(spec.externalIPs);
  switch (type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const ingress = list(rec(status.loadBalancer).ingress)
        .map((i) => str(i.ip) || str(i.hostname))
        .filter((a) => a !== '');
      const lb = [...new Set(ingress)].sort();
      if (externalIPs.length > 0) return [...lb, ...externalIPs].join(',');
      return lb.length > 0 ? lb.join(',') : '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
    default:
      return '<unknown>';
  }
}

/** makePortString: `80/TCP`, `80:30080/TCP` with a node port, comma-joined. */
function servicePorts(ports: Obj[]): string {
  return ports
    .map((p) => {
      // ports[].protocol is defaulted to TCP by the server.
      const protocol = str(p.protocol) || 'TCP';
      return int(p.nodePort) > 0 ? `${int(p.port)}:${int(p.nodePort)}/${protocol}` : `${int(p.port)}/${protocol}`;
    })
    .join(',');
}

function printService(service: Obj, now: number): { cells: unknown[] } {
  const spec = rec(service.spec);
  // spec.type is defaulted to ClusterIP by the server.
  const type = str(spec.type) || 'ClusterIP';
  const clusterIP = strings(spec.clusterIPs)[0] || str(spec.clusterIP) || '<none>';
  const ports = servicePorts(list(spec.ports)) || '<none>';
  return {
    cells: [nameOf(service), type, clusterIP, serviceExternalIP(type, spec, rec(service.status)), ports, age(service, now), labelsOrNone(spec.selector)],
  };
}

// ---- Endpoints ----

const ENDPOINTS_COLUMNS = [
  nameColumn(),
  column(
    'Endpoints',
    'string',
    'The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.',
  ),
  ageColumn(),
];

/** net.JoinHostPort: brackets an IPv6 host. */
function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** formatEndpoints: the first 3 ready `ip:port` pairs, then ` + N more...`; `<none>` without subsets. */
function formatEndpoints(subsets: Obj[]): string {
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const shown: string[] = [];
  let more = false;
  let count = 0;
  for (const subset of subsets) {
    const addresses = list(subset.addresses).map((a) => str(a.ip));
    const ports = list(subset.ports);
    // A headless service may have no ports: its endpoints are bare IPs.
    const pairs = ports.length === 0 ? [addresses] : ports.map((p) => addresses.map((ip) => joinHostPort(ip, int(p.port))));
    for (const group of pairs) {
      count += group.length;
      for (const endpoint of group) {
        if (shown.length === max) {
          more = true;
          break;
        }
        shown.push(endpoint);
      }
    }
  }
  const text = shown.join(',');
  return more ? `${text} + ${count - max} more...` : text;
}

function printEndpoints(endpoints: Obj, now: number): { cells: unknown[] } {
  return { cells: [nameOf(endpoints), formatEndpoints(list(endpoints.subsets)), age(endpoints, now)] };
}

// ---- Node ----

const NODE_COLUMNS = [
  nameColumn(),
  column('Status', 'string', 'The status of the node'),
  column('Roles', 'string', 'The roles of the node'),
  ageColumn(),
  column('Version', 'string', 'Kubelet Version reported by the node.'),
  column('Internal-IP', 'string', NODE_ADDRESSES_DOC, wide),
  column('External-IP', 'string', NODE_ADDRESSES_DOC, wide),
  column('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', wide),
  column('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", wide),
  column('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', wide),
];

const NODE_ROLE_PREFIX = 'node-role.kubernetes.io/';
const NODE_ROLE_LABEL = 'kubernetes.io/role';

/** findNodeRoles: `node-role.kubernetes.io/<role>` label keys and `kubernetes.io/role` values, sorted. */
function nodeRoles(labels: Record<string, string>): string[] {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(labels)) {
    if (key.startsWith(NODE_ROLE_PREFIX)) {
      const role = key.slice(NODE_ROLE_PREFIX.length);
      if (role !== '') roles.add(role);
    } else if (key === NODE_ROLE_LABEL && typeof value === 'string' && value !== '') {
      roles.add(value);
    }
  }
  return [...roles].sort();
}

function nodeAddress(addresses: Obj[], type: string): string {
  return str(addresses.find((a) => a.type === type)?.address) || '<none>';
}

function printNode(node: Obj, now: number): { cells: unknown[] } {
  const spec = rec(node.spec);
  const status = rec(node.status);
  const info = rec(status.nodeInfo);
  const addresses = list(status.addresses);
  // Go keeps the last condition of each type in a map, so the last Ready condition counts.
  const ready = list(status.conditions).findLast((c) => c.type === 'Ready');
  const states = [ready === undefined ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (spec.unschedulable === true) states.push('SchedulingDisabled');
  const roles = nodeRoles(labelMap(rec(node.metadata).labels)).join(',') || '<none>';
  return {
    cells: [
      nameOf(node),
      states.join(','),
      roles,
      age(node, now),
      str(info.kubeletVersion),
      nodeAddress(addresses, 'InternalIP'),
      nodeAddress(addresses, 'ExternalIP'),
      str(info.osImage) || '<unknown>',
      str(info.kernelVersion) || '<unknown>',
      str(info.containerRuntimeVersion) || '<unknown>',
    ],
  };
}

// ---- Event ----

const EVENT_COLUMNS = [
  column('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
  column('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
  column('Reason', 'string', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
  column('Object', 'string', 'The object that this event is about.'),
  column(
    'Subobject',
    'string',
    'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.',
    wide,
  ),
  column('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.', wide),
  column('Message', 'string', 'A human-readable description of the status of this operation.'),
  column('First Seen', 'string', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', wide),
  column('Count', 'string', 'The number of times this event has occurred.', wide),
  nameColumn(1),
];

/** formatEventSource: `component, host`, falling back on the reporting controller and instance. */
function eventSource(event: Obj): string {
  const source = rec(event.source);
  const component = str(source.component) || str(event.reportingComponent);
  const instance = str(source.host) || str(event.reportingInstance);
  return instance === '' ? component : `${component}, ${instance}`;
}

function printEvent(event: Obj, now: number): { cells: unknown[] } {
  const first = instant(event.firstTimestamp);
  const firstSeen = first !== undefined ? since(first, now) : since(instant(event.eventTime), now);
  const last = instant(event.lastTimestamp);
  let lastSeen = last !== undefined ? since(last, now) : firstSeen;
  let count = int(event.count);
  if (event.series !== undefined && event.series !== null) {
    const series = rec(event.series);
    lastSeen = since(instant(series.lastObservedTime), now);
    count = int(series.count);
  } else if (count === 0) {
    // Events of the events.k8s.io API that happened once carry no count.
    count = 1;
  }
  const involved = rec(event.involvedObject);
  const kind = str(involved.kind).toLowerCase();
  const target = str(involved.name) !== '' ? `${kind}/${str(involved.name)}` : kind;
  return {
    cells: [lastSeen, str(event.type), str(event.reason), target, str(involved.fieldPath), eventSource(event), str(event.message).trim(), firstSeen, count, nameOf(event)],
  };
}

// ---- Namespace ----

const NAMESPACE_COLUMNS = [nameColumn(), column('Status', 'string', 'The status of the namespace'), ageColumn()];

function printNamespace(namespace: Obj, now: number): { cells: unknown[] } {
  return { cells: [nameOf(namespace), str(rec(namespace.status).phase), age(namespace, now)] };
}

// ---- Lease ----

const LEASE_COLUMNS = [
  nameColumn(),
  column(
    'Holder',
    'string',
    'holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.',
  ),
  ageColumn(),
];

function printLease(lease: Obj, now: number): { cells: unknown[] } {
  return { cells: [nameOf(lease), str(rec(lease.spec).holderIdentity), age(lease, now)] };
}

// ---- any other kind (apiserver registry/rest defaultTableConvertor) ----

const DEFAULT_COLUMNS = [nameColumn(), column('Created At', 'date', CREATED_DOC)];

/** Go's `Time.UTC().Format(time.RFC3339)`: truncated to whole seconds, `Z`; the zero time for a missing one. */
function rfc3339(ms: number | undefined): string {
  return new Date(ms ?? ZERO_TIME).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function printDefault(object: Obj): { cells: unknown[] } {
  return { cells: [nameOf(object), rfc3339(instant(rec(object.metadata).creationTimestamp))] };
}

// ---- tables ----

const PRINTERS = new Map<string, Printer>([
  ['Pod', { columns: POD_COLUMNS, print: printPod }],
  ['ReplicationController', { columns: RC_COLUMNS, print: printReplicationController }],
  ['Service', { columns: SERVICE_COLUMNS, print: printService }],
  ['Endpoints', { columns: ENDPOINTS_COLUMNS, print: printEndpoints }],
  ['Node', { columns: NODE_COLUMNS, print: printNode }],
  ['Event', { columns: EVENT_COLUMNS, print: printEvent }],
  ['Namespace', { columns: NAMESPACE_COLUMNS, print: printNamespace }],
  ['Lease', { columns: LEASE_COLUMNS, print: printLease }],
]);

const DEFAULT_PRINTER: Printer = { columns: DEFAULT_COLUMNS, print: printDefault };

const INCLUDE_OBJECT_VALUES = new Set(['', 'None', 'Metadata', 'Object']);

/**
 * parseIncludeObject checks the `includeObject` query parameter; absent or '' means `Metadata`.
 * Anything else is the real server's 400.
 */
export function parseIncludeObject(value: unknown): IncludeObject {
  if (value === undefined || value === '') return 'Metadata';
  if (typeof value !== 'string' || !INCLUDE_OBJECT_VALUES.has(value)) {
    throw badRequest(`Unable to convert to Table as requested: includeObject: Invalid value: ${JSON.stringify(String(value))}: must be 'Metadata', 'Object', 'None', or empty`);
  }
  return value as IncludeObject;
}

/** columnDefinitions lists a kind's columns, the wide ones (`priority: 1`) included. */
export function columnDefinitions(kind: string): TableColumnDefinition[] {
  return (PRINTERS.get(kind) ?? DEFAULT_PRINTER).columns.map((c) => ({ ...c }));
}

/**
 * tableRow prints one core/v1 object of `kind` as a Table row: cells for every column (wide ones
 * included) and the object that `includeObject` asks for. The PartialObjectMetadata shares the
 * object's `metadata` (no copy); it keeps labels, namespace and name for kubectl's `-L`,
 * `--show-labels` and `-A`.
 */
export function tableRow(kind: string, object: Record<string, unknown>, opts: RowOptions): TableRow {
  if (!Number.isFinite(opts.now)) throw new TypeError('opts.now must be a finite number of epoch milliseconds');
  const include = parseIncludeObject(opts.includeObject);
  const row: TableRow = (PRINTERS.get(kind) ?? DEFAULT_PRINTER).print(object, opts.now);
  if (include === 'Metadata') {
    row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: rec(object.metadata) };
  } else if (include === 'Object') {
    row.object = { ...object, kind: str(object.kind) || kind, apiVersion: str(object.apiVersion) || 'v1' };
  }
  return row;
}

/**
 * toTable prints v1 objects of one kind as a `meta.k8s.io/v1` Table, with the columns of
 * Kubernetes' printers for Pod, ReplicationController, Service, Endpoints, Node, Event, Namespace
 * and Lease, and NAME / CREATED AT for any other kind. Cheap enough for a single object: a watch
 * sends each event's object as a one-row table, with `noHeaders` on every event after the first.
 */
export function toTable(kind: string, items: Record<string, unknown>[], opts: TableOptions): Table {
  if (typeof opts.resourceVersion !== 'string') throw new TypeError('opts.resourceVersion must be a string');
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: opts.resourceVersion },
    columnDefinitions: opts.noHeaders ? null : columnDefinitions(kind),
    rows: items.map((item) => tableRow(kind, item, opts)),
  };
}

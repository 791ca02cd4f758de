/**
 * The v1 wire format (what kubectl 1.32 speaks): core/v1 and the v1 of the API groups helmsman
 * serves (coordination.k8s.io/v1 Leases), each kind with its group's `apiVersion`. Decoding with
 * structural checks (zod, over the real field names, with `fieldValidation=Strict` semantics),
 * Kubernetes quantities and MicroTimes, and pure conversions to and from the internal model.
 * `decodeV1(toV1(x))` deep-equals `x` for the objects helmsman stores (test/api/v1.test.ts).
 *
 * Three kinds of field meet a decoder: the ones helmsman models (converted), the ones core/v1 has
 * but helmsman does not model (accepted, dropped; a spec field with a non-default value is named in
 * the warnings), and the ones core/v1 does not have (unknown: a 400 under Strict, else dropped).
 */
import { randomInt } from 'node:crypto';
import { arch, release } from 'node:os';
import { z } from 'zod';
import type {
  ApiObject,
  Container,
  ContainerStatus,
  Endpoints,
  Event,
  Lease,
  Namespace,
  Node,
  ObjectMeta,
  Pod,
  PodPhase,
  PodSpec,
  Probe,
  ReplicationController,
  RestartPolicy,
  Service,
} from './model.js';
import { parseMicroTime } from './model.js';
import { apiVersionOf, qualifiedKind, RESOURCE_OF_KIND, RESOURCES, type Resource, type ResourceInfo } from './resources.js';
import { badRequest, invalid, type StatusCause } from './status.js';
import { formatPath, omitUndefined, type DecodeOptions } from './v1beta1.js';
import { formatQuantity, parseQuantity } from './quantity.js';

// ---- kinds ---------------------------------------------------------------------------------------

/** The v1 `kind`, list `kind` and `apiVersion` (`v1`, `coordination.k8s.io/v1`) of each resource. */
export const V1_KINDS: Record<Resource, { kind: string; listKind: string; apiVersion: string }> = Object.fromEntries(
  Object.values(RESOURCES).map((r) => [r.resource, { kind: r.kind, listKind: `${r.kind}List`, apiVersion: apiVersionOf(r) }]),
) as Record<Resource, { kind: string; listKind: string; apiVersion: string }>;

// ---- wire schemas --------------------------------------------------------------------------------
// Each struct lists the fields helmsman models (typed) and, beside them, the other fields the real
// core/v1 type has (k8s.io/api/core/v1/types.go, 1.32), accepted as anything. Strict objects: a key
// in neither list is an unknown field. The contents of fields helmsman drops are not checked.

/**
 * Fields core/v1 has and helmsman ignores, with the value that means "as helmsman behaves anyway"
 * (`undefined`: none). A spec field set to something else is reported in the warnings.
 */
type Ignored = Readonly<Record<string, unknown>>;

const POD_SPEC_IGNORED: Ignored = {
  initContainers: undefined,
  ephemeralContainers: undefined,
  terminationGracePeriodSeconds: 30,
  activeDeadlineSeconds: undefined,
  dnsPolicy: 'ClusterFirst',
  serviceAccountName: 'default',
  serviceAccount: 'default',
  automountServiceAccountToken: false,
  hostNetwork: false,
  hostPID: false,
  hostIPC: false,
  shareProcessNamespace: false,
  securityContext: undefined,
  imagePullSecrets: undefined,
  hostname: undefined,
  subdomain: undefined,
  affinity: undefined,
  schedulerName: 'default-scheduler',
  tolerations: undefined,
  hostAliases: undefined,
  priorityClassName: undefined,
  priority: 0,
  dnsConfig: undefined,
  readinessGates: undefined,
  runtimeClassName: undefined,
  enableServiceLinks: true,
  preemptionPolicy: 'PreemptLowerPriority',
  overhead: undefined,
  topologySpreadConstraints: undefined,
  setHostnameAsFQDN: false,
  os: undefined,
  hostUsers: true,
  schedulingGates: undefined,
  resourceClaims: undefined,
  resources: undefined,
};
const CONTAINER_IGNORED: Ignored = {
  envFrom: undefined,
  resizePolicy: undefined,
  restartPolicy: undefined,
  volumeDevices: undefined,
  readinessProbe: undefined,
  startupProbe: undefined,
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
  securityContext: undefined,
  stdin: false,
  stdinOnce: false,
  tty: false,
};
const ENV_IGNORED: Ignored = { valueFrom: undefined };
const MOUNT_IGNORED: Ignored = { recursiveReadOnly: 'Disabled', subPath: undefined, mountPropagation: 'None', subPathExpr: undefined };
const PROBE_IGNORED: Ignored = { grpc: undefined, successThreshold: 1, terminationGracePeriodSeconds: undefined };
const HTTP_GET_IGNORED: Ignored = { scheme: 'HTTP', httpHeaders: undefined };
const TCP_SOCKET_IGNORED: Ignored = { host: undefined };
const RESOURCES_IGNORED: Ignored = { claims: undefined };
const RC_SPEC_IGNORED: Ignored = { minReadySeconds: 0 };
const SERVICE_SPEC_IGNORED: Ignored = {
  sessionAffinity: 'None',
  loadBalancerIP: undefined,
  loadBalancerSourceRanges: undefined,
  externalName: undefined,
  externalTrafficPolicy: 'Cluster',
  healthCheckNodePort: undefined,
  publishNotReadyAddresses: false,
  sessionAffinityConfig: undefined,
  ipFamilies: ['IPv4'],
  ipFamilyPolicy: 'SingleStack',
  allocateLoadBalancerNodePorts: true,
  loadBalancerClass: undefined,
  internalTrafficPolicy: 'Cluster',
  trafficDistribution: undefined,
};
const SERVICE_PORT_IGNORED: Ignored = { appProtocol: undefined, nodePort: undefined };
// Coordinated leader election's fields (alpha in 1.32, behind a feature gate that is off by default).
const LEASE_SPEC_IGNORED: Ignored = { strategy: undefined, preferredHolder: undefined };
const NODE_SPEC_IGNORED: Ignored = {
  providerID: undefined,
  unschedulable: false,
  taints: undefined,
  configSource: undefined,
  externalID: undefined,
};
// Metadata and status fields are dropped without a word: servers and clients fill them routinely.
const META_IGNORED = ['selfLink', 'generation', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'finalizers', 'managedFields'];
const POD_STATUS_IGNORED = [
  'conditions',
  'reason',
  'nominatedNodeName',
  'hostIPs',
  'podIPs',
  'startTime',
  'initContainerStatuses',
  'qosClass',
  'ephemeralContainerStatuses',
  'resize',
  'resourceClaimStatuses',
];
const CONTAINER_STATUS_IGNORED = ['lastState', 'imageID', 'started', 'allocatedResources', 'resources', 'volumeMounts', 'user', 'allocatedResourcesStatus'];
const NODE_STATUS_IGNORED = ['allocatable', 'phase', 'nodeInfo', 'images', 'volumesInUse', 'volumesAttached', 'config', 'runtimeHandlers', 'features'];
/** The inline members of core/v1 VolumeSource: helmsman keeps whichever is set as the volume's `source`. */
const VOLUME_SOURCES = [
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
];

/** A strict object of `shape` that also accepts (as anything) the fields named in `opaque`. */
function struct<S extends Record<string, z.ZodType>>(shape: S, opaque: Ignored | readonly string[] = []): ReturnType<typeof z.strictObject<S>> {
  const full: Record<string, z.ZodType> = { ...shape };
  for (const key of Array.isArray(opaque) ? opaque : Object.keys(opaque)) full[key] = z.unknown().optional();
  return z.strictObject(full) as unknown as ReturnType<typeof z.strictObject<S>>;
}

const str = z.string().nullish();
const int = z.int().nullish();
const bool = z.boolean().nullish();
const strings = z.array(z.string()).nullish();
const stringMap = z.record(z.string(), z.string()).nullish();
const intOrString = z.union([z.int(), z.string()], 'Invalid input: expected an integer or a string');
const quantity = z.union([z.string(), z.number()], 'Invalid input: expected a quantity (a string or a number)');
const resourceList = z.record(z.string(), quantity).nullish();

const ownerReferenceSchema = struct({ apiVersion: str, kind: str, name: str, uid: str, controller: bool, blockOwnerDeletion: bool });
const metaSchema = struct(
  {
    name: str,
    generateName: str,
    namespace: str,
    uid: str,
    resourceVersion: str,
    creationTimestamp: str,
    labels: stringMap,
    annotations: stringMap,
    ownerReferences: z.array(ownerReferenceSchema).nullish(),
  },
  META_IGNORED,
);
const probeSchema = struct(
  {
    exec: struct({ command: strings }).nullish(),
    httpGet: struct({ path: str, port: intOrString, host: str }, HTTP_GET_IGNORED).nullish(),
    tcpSocket: struct({ port: intOrString }, TCP_SOCKET_IGNORED).nullish(),
    initialDelaySeconds: int,
    timeoutSeconds: int,
    periodSeconds: int,
    failureThreshold: int,
  },
  PROBE_IGNORED,
);
const containerSchema = struct(
  {
    name: str,
    image: str,
    command: strings,
    args: strings,
    workingDir: str,
    ports: z.array(struct({ name: str, hostPort: int, containerPort: int, protocol: str, hostIP: str })).nullish(),
    env: z.array(struct({ name: str, value: str }, ENV_IGNORED)).nullish(),
    resources: struct({ limits: resourceList, requests: resourceList }, RESOURCES_IGNORED).nullish(),
    volumeMounts: z.array(struct({ name: str, readOnly: bool, mountPath: str }, MOUNT_IGNORED)).nullish(),
    livenessProbe: probeSchema.nullish(),
    lifecycle: z.unknown().optional(),
    imagePullPolicy: str,
  },
  CONTAINER_IGNORED,
);
const podSpecSchema = struct(
  {
    volumes: z.array(struct({ name: str }, VOLUME_SOURCES)).nullish(),
    containers: z.array(containerSchema).nullish(),
    restartPolicy: str,
    nodeSelector: stringMap,
    nodeName: str,
  },
  POD_SPEC_IGNORED,
);
const containerStatusSchema = struct(
  {
    name: str,
    state: struct({
      waiting: struct({ reason: str }, ['message']).nullish(),
      running: struct({ startedAt: str }).nullish(),
      terminated: struct({ exitCode: int, reason: str, startedAt: str, finishedAt: str }, ['signal', 'message', 'containerID']).nullish(),
    }).nullish(),
    ready: bool,
    restartCount: int,
    image: str,
    containerID: str,
  },
  CONTAINER_STATUS_IGNORED,
);
const top = { kind: str, apiVersion: str, metadata: metaSchema.nullish() };
const objectReferenceSchema = struct({ kind: str, namespace: str, name: str, uid: str, apiVersion: str, resourceVersion: str, fieldPath: str });

const schemas = {
  pods: struct({
    ...top,
    spec: podSpecSchema.nullish(),
    status: struct({ phase: str, message: str, hostIP: str, podIP: str, containerStatuses: z.array(containerStatusSchema).nullish() }, POD_STATUS_IGNORED).nullish(),
  }),
  replicationcontrollers: struct({
    ...top,
    spec: struct({ replicas: int, selector: stringMap, template: struct({ metadata: metaSchema.nullish(), spec: podSpecSchema.nullish() }).nullish() }, RC_SPEC_IGNORED).nullish(),
    status: struct({ replicas: int, readyReplicas: int, availableReplicas: int }, ['fullyLabeledReplicas', 'observedGeneration', 'conditions']).nullish(),
  }),
  services: struct({
    ...top,
    spec: struct(
      {
        ports: z.array(struct({ name: str, protocol: str, port: int, targetPort: intOrString.nullish() }, SERVICE_PORT_IGNORED)).nullish(),
        selector: stringMap,
        clusterIP: str,
        clusterIPs: strings,
        type: str,
        externalIPs: strings,
      },
      SERVICE_SPEC_IGNORED,
    ).nullish(),
    status: struct({}, ['loadBalancer', 'conditions']).nullish(),
  }),
  nodes: struct({
    ...top,
    spec: struct({ podCIDR: str, podCIDRs: strings }, NODE_SPEC_IGNORED).nullish(),
    status: struct(
      {
        capacity: resourceList,
        conditions: z.array(struct({ type: str, status: str, lastHeartbeatTime: str, reason: str }, ['lastTransitionTime', 'message'])).nullish(),
        addresses: z.array(struct({ type: str, address: str })).nullish(),
        daemonEndpoints: struct({ kubeletEndpoint: struct({ Port: int }).nullish() }).nullish(),
      },
      NODE_STATUS_IGNORED,
    ).nullish(),
  }),
  endpoints: struct({
    ...top,
    subsets: z
      .array(
        struct(
          {
            addresses: z.array(struct({ ip: str }, ['hostname', 'nodeName', 'targetRef'])).nullish(),
            ports: z.array(struct({ port: int }, ['name', 'protocol', 'appProtocol'])).nullish(),
          },
          ['notReadyAddresses'],
        ),
      )
      .nullish(),
  }),
  events: struct(
    {
      ...top,
      involvedObject: objectReferenceSchema.nullish(),
      reason: str,
      message: str,
      source: struct({ component: str, host: str }).nullish(),
      firstTimestamp: str,
      lastTimestamp: str,
      count: int,
      type: str,
      eventTime: str,
      reportingComponent: str,
      reportingInstance: str,
    },
    ['series', 'action', 'related'],
  ),
  namespaces: struct({
    ...top,
    spec: struct({ finalizers: strings }).nullish(),
    status: struct({ phase: str }, ['conditions']).nullish(),
  }),
  leases: struct({
    ...top,
    spec: struct({ holderIdentity: str, leaseDurationSeconds: int, acquireTime: str, renewTime: str, leaseTransitions: int }, LEASE_SPEC_IGNORED).nullish(),
  }),
} satisfies Record<Resource, z.ZodType>;

type Wire<R extends Resource> = z.infer<(typeof schemas)[R]>;
type WireMeta = z.infer<typeof metaSchema>;
type WirePodSpec = z.infer<typeof podSpecSchema>;
type WireContainer = z.infer<typeof containerSchema>;
type WireProbe = z.infer<typeof probeSchema>;
type WireContainerStatus = z.infer<typeof containerStatusSchema>;

// ---- decoding ------------------------------------------------------------------------------------

/** Options for decoding a core/v1 request body. */
export interface V1DecodeOptions extends DecodeOptions {
  /**
   * `fieldValidation=Strict`: a field core/v1 does not have is a 400 BadRequest. Otherwise it is
   * dropped and named in the warnings (`unknown field "spec.x"`, as `Warn` says; `Ignore` shows none).
   */
  strict?: boolean;
}

/** A decoded body: the object, and what the client should be told was not used. */
export interface V1Decoded {
  object: ApiObject;
  /** For `Warning` headers: unknown fields, then dropped spec fields (`spec.dnsPolicy: not supported by helmsman; ignored`). */
  warnings: string[];
}

/** What conversion collects on its way: warnings, and causes for a 422 (bad quantities and times). */
class Decoding {
  readonly warnings: string[] = [];
  readonly causes: StatusCause[] = [];

  unsupported(field: string): void {
    this.warnings.push(`${field}: not supported by helmsman; ignored`);
  }

  /** Warns of each field of `table` set in `w` to something other than its harmless value. */
  ignored(w: object, table: Ignored, path: string): void {
    const fields = w as Record<string, unknown>;
    for (const key in table) if (!harmless(fields[key], table[key])) this.unsupported(`${path}.${key}`);
  }

  quantity(q: string | number, field: string, scale: 'milli' | 'units'): number | undefined {
    const parsed = parseQuantity(q, scale);
    if (parsed.ok) return parsed.value;
    this.invalid(field, q, parsed.reason);
    return undefined;
  }

  /** A MicroTime in its canonical form (UTC, microseconds); absent stays absent. */
  microTime(text: string | null | undefined, field: string): string | undefined {
    if (text === undefined || text === null) return undefined;
    const time = parseMicroTime(text);
    if (time === undefined) this.invalid(field, text, 'must be an RFC 3339 time, as 2006-01-02T15:04:05.000000Z07:00');
    return time;
  }

  private invalid(field: string, value: unknown, why: string): void {
    this.causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${why}`, field });
  }
}

function harmless(value: unknown, preset: unknown): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0 || JSON.stringify(value) === JSON.stringify(preset);
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return value === preset;
}

// kubectl's spelling (`the server rejected our request ...`) starts from this Status message.
function cannotHandle(info: ResourceInfo, why: string): string {
  return `${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: ${why}`;
}

/**
 * Decodes a core/v1 body for `resource` into the internal model. A wrong type, kind or apiVersion is
 * a 400 BadRequest naming the field; so is an unknown field under `strict`, with the real server's
 * message (`Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field
 * "spec.containers[0].imagez"`). A quantity that does not parse is a 422 Invalid naming the field.
 * Semantic checks come after (validation.ts). With `generateName` (create), an object without a name
 * but with `metadata.generateName` gets that prefix and 5 random characters, as Kubernetes does.
 */
export function decodeV1(resource: Resource, body: unknown, opts: V1DecodeOptions = {}): V1Decoded {
  const info = RESOURCES[resource];
  const { kind, apiVersion: expected } = V1_KINDS[resource];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('the request body must be a JSON or YAML object');
  const { apiVersion, kind: bodyKind } = body as Record<string, unknown>;
  if (apiVersion !== undefined && apiVersion !== null && apiVersion !== '' && apiVersion !== expected) {
    throw badRequest(`the API version in the data (${String(apiVersion)}) does not match the expected API version (${expected})`);
  }
  if (bodyKind !== undefined && bodyKind !== null && bodyKind !== '' && bodyKind !== kind) {
    throw badRequest(`the kind in the data (${String(bodyKind)}) does not match the expected kind (${kind})`);
  }
  const schema: z.ZodType = schemas[resource];
  let parsed = schema.safeParse(body);
  const unknownFields: string[] = [];
  if (!parsed.success) {
    const wrong = parsed.error.issues.find((i) => i.code !== 'unrecognized_keys');
    if (wrong) throw badRequest(cannotHandle(info, `${formatPath(wrong.path) || 'body'}: ${wrong.message}`));
    // Only unknown fields: name them, then decode what is left.
    const rest = structuredClone(body) as Record<string, unknown>;
    for (const issue of parsed.error.issues) {
      if (issue.code !== 'unrecognized_keys') continue;
      let at: any = rest;
      for (const step of issue.path) at = at[step as string | number];
      for (const key of issue.keys) {
        unknownFields.push(formatPath([...issue.path, key]));
        delete at[key];
      }
    }
    if (opts.strict) throw badRequest(cannotHandle(info, `strict decoding error: ${unknownFields.map((f) => `unknown field "${f}"`).join(', ')}`));
    parsed = schema.safeParse(rest);
    if (!parsed.success) throw badRequest(cannotHandle(info, parsed.error.issues[0]!.message));
  }
  const d = new Decoding();
  const obj = FROM_V1[resource](parsed.data as never, d);
  const meta = obj.metadata;
  if (info.namespaced) meta.namespace ||= opts.namespace || 'default';
  else meta.namespace = '';
  if (!meta.name && meta.generateName && opts.generateName) meta.name = generatedName(meta.generateName);
  if (obj.kind === 'Pod') obj.spec.manifest = { version: 'v1beta1', id: meta.name };
  if (d.causes.length) throw invalid(qualifiedKind(resource), meta.name, d.causes);
  return { object: obj, warnings: [...unknownFields.map((f) => `unknown field "${f}"`), ...d.warnings] };
}

// k8s.io/apimachinery/pkg/util/rand: no vowels (no words), no 0/1/3 (no look-alikes).
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_GENERATED_PREFIX = 63 - 5;

/** `prefix` (cut to 58 characters) and 5 random characters, as the names.SimpleNameGenerator does. */
function generatedName(prefix: string): string {
  let name = prefix.length > MAX_GENERATED_PREFIX ? prefix.slice(0, MAX_GENERATED_PREFIX) : prefix;
  for (let i = 0; i < 5; i++) name += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)];
  return name;
}

function resourceVersionFromV1(rv: string | null | undefined): number {
  if (!rv) return 0;
  if (!/^\d+$/.test(rv) || !Number.isSafeInteger(Number(rv))) throw badRequest(`metadata.resourceVersion: Invalid value: ${JSON.stringify(rv)}: must be the decimal revision the server gave`);
  return Number(rv);
}

function metaFromV1(m: WireMeta | null | undefined): ObjectMeta {
  const meta: ObjectMeta = {
    name: m?.name ?? '',
    namespace: m?.namespace ?? '',
    uid: m?.uid ?? '',
    resourceVersion: resourceVersionFromV1(m?.resourceVersion),
    creationTimestamp: m?.creationTimestamp ?? '',
    labels: { ...(m?.labels ?? {}) },
    annotations: { ...(m?.annotations ?? {}) },
  };
  if (m?.generateName) meta.generateName = m.generateName;
  if (m?.ownerReferences?.length) {
    meta.ownerReferences = m.ownerReferences.map((r) =>
      omitUndefined({ kind: r.kind ?? '', name: r.name ?? '', uid: r.uid ?? '', controller: r.controller ?? undefined }),
    );
  }
  return meta;
}

// v1beta1 spelled pull policies `PullAlways`..., and the internal model keeps that spelling.
const PULL_POLICY_FROM_V1: Record<string, string> = { Always: 'PullAlways', Never: 'PullNever', IfNotPresent: 'PullIfNotPresent' };

function probeFromV1(p: WireProbe | null | undefined, path: string, d: Decoding): Probe | undefined {
  if (!p) return undefined;
  d.ignored(p, PROBE_IGNORED, path);
  const probe: Probe = {};
  if (p.httpGet) {
    d.ignored(p.httpGet, HTTP_GET_IGNORED, `${path}.httpGet`);
    probe.httpGet = omitUndefined({ path: p.httpGet.path ?? undefined, port: p.httpGet.port, host: p.httpGet.host || undefined });
  }
  if (p.tcpSocket) {
    d.ignored(p.tcpSocket, TCP_SOCKET_IGNORED, `${path}.tcpSocket`);
    probe.tcpSocket = { port: p.tcpSocket.port };
  }
  if (p.exec) probe.exec = { command: [...(p.exec.command ?? [])] };
  for (const k of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'failureThreshold'] as const) {
    const v = p[k];
    if (v !== undefined && v !== null) probe[k] = v;
  }
  return probe;
}

/** `resources.limits` become cpu/memory; a request stands in for a missing limit. */
function resourcesFromV1(c: WireContainer, path: string, d: Decoding): { cpu?: number; memory?: number } {
  const out: { cpu?: number; memory?: number } = {};
  const r = c.resources;
  if (!r) return out;
  d.ignored(r, RESOURCES_IGNORED, `${path}.resources`);
  for (const list of ['limits', 'requests'] as const) {
    for (const [name, q] of Object.entries(r[list] ?? {})) {
      const field = `${path}.resources.${list}.${name}`;
      const modelled = name === 'cpu' || name === 'memory';
      const value = d.quantity(q, field, name === 'cpu' ? 'milli' : 'units');
      if (!modelled) d.unsupported(field);
      else if (value !== undefined) {
        if (out[name] === undefined) out[name] = value;
        else if (out[name] !== value) d.unsupported(field);
      }
    }
  }
  return out;
}

function containerFromV1(c: WireContainer, path: string, d: Decoding): Container {
  d.ignored(c, CONTAINER_IGNORED, path);
  const { cpu, memory } = resourcesFromV1(c, path, d);
  return omitUndefined({
    name: c.name ?? '',
    image: c.image ?? '',
    command: c.command ? [...c.command] : undefined,
    args: c.args ? [...c.args] : undefined,
    workingDir: c.workingDir ?? undefined,
    ports: (c.ports ?? []).map((p) =>
      omitUndefined({
        name: p.name || undefined,
        containerPort: p.containerPort ?? 0,
        hostPort: p.hostPort || undefined,
        protocol: (p.protocol || 'TCP') as 'TCP',
        hostIP: p.hostIP || undefined,
      }),
    ),
    env: (c.env ?? []).map((e, i) => {
      d.ignored(e, ENV_IGNORED, `${path}.env[${i}]`);
      return { name: e.name ?? '', value: e.value ?? '' };
    }),
    memory,
    cpu,
    volumeMounts: (c.volumeMounts ?? []).map((m, i) => {
      d.ignored(m, MOUNT_IGNORED, `${path}.volumeMounts[${i}]`);
      return omitUndefined({ name: m.name ?? '', mountPath: m.mountPath ?? '', readOnly: m.readOnly ?? undefined });
    }),
    livenessProbe: probeFromV1(c.livenessProbe, `${path}.livenessProbe`, d),
    lifecycle: c.lifecycle ?? undefined,
    imagePullPolicy: c.imagePullPolicy ? (PULL_POLICY_FROM_V1[c.imagePullPolicy] ?? c.imagePullPolicy) : undefined,
  }) as Container;
}

function podSpecFromV1(s: WirePodSpec | null | undefined, path: string, d: Decoding): PodSpec {
  if (s) d.ignored(s, POD_SPEC_IGNORED, path);
  return {
    containers: (s?.containers ?? []).map((c, i) => containerFromV1(c, `${path}.containers[${i}]`, d)),
    restartPolicy: (s?.restartPolicy || 'Always') as RestartPolicy,
    volumes: (s?.volumes ?? []).map((v) => {
      const { name, ...source } = v as Record<string, unknown>;
      for (const k in source) if (source[k] === undefined || source[k] === null) delete source[k];
      return Object.keys(source).length ? { name: (name as string | null) ?? '', source } : { name: (name as string | null) ?? '' };
    }),
    nodeSelector: { ...(s?.nodeSelector ?? {}) },
    host: s?.nodeName ?? '',
    // Templates have no name; a pod's manifest id is set from its name once that is known.
    manifest: { version: 'v1beta1', id: '' },
  };
}

const PHASES: readonly PodPhase[] = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];

function containerStatusFromV1(cs: WireContainerStatus, podIP: string | undefined): ContainerStatus {
  const state: ContainerStatus['state'] = {};
  const s = cs.state;
  if (s?.waiting) state.waiting = omitUndefined({ reason: s.waiting.reason ?? undefined });
  if (s?.running) state.running = omitUndefined({ startedAt: s.running.startedAt ?? undefined });
  if (s?.terminated) {
    const t = s.terminated;
    state.termination = omitUndefined({
      exitCode: t.exitCode ?? 0,
      reason: t.reason ?? undefined,
      startedAt: t.startedAt ?? undefined,
      finishedAt: t.finishedAt ?? undefined,
    });
  }
  // The pod actor gives every container the pod's IP; v1 only has it once, on the pod.
  return omitUndefined({
    state,
    restartCount: cs.restartCount ?? 0,
    image: cs.image || undefined,
    containerID: cs.containerID || undefined,
    podIP,
    ready: cs.ready ?? false,
  });
}

function podFromV1(w: Wire<'pods'>, d: Decoding): Pod {
  const spec = podSpecFromV1(w.spec, 'spec', d);
  const s = w.status;
  const podIP = s?.podIP || undefined;
  const containers: Record<string, ContainerStatus> = {};
  for (const cs of s?.containerStatuses ?? []) containers[cs.name ?? ''] = containerStatusFromV1(cs, podIP);
  return {
    kind: 'Pod',
    metadata: metaFromV1(w.metadata),
    spec,
    status: omitUndefined({
      phase: PHASES.includes(s?.phase as PodPhase) ? (s!.phase as PodPhase) : 'Pending',
      message: s?.message || undefined,
      // Where it runs, as the kubelet reports it: v1 says so with hostIP (the node is spec.nodeName).
      host: s?.hostIP ? spec.host || undefined : undefined,
      hostIP: s?.hostIP || undefined,
      podIP,
      containers,
    }),
  };
}

function nonEmpty<T extends object>(o: T | null | undefined): T | undefined {
  return o && Object.keys(o).length ? o : undefined;
}

function controllerFromV1(w: Wire<'replicationcontrollers'>, d: Decoding): ReplicationController {
  const spec = w.spec;
  if (spec) d.ignored(spec, RC_SPEC_IGNORED, 'spec');
  const t = spec?.template;
  const templateLabels = { ...(t?.metadata?.labels ?? {}) };
  const metadata = metaFromV1(w.metadata);
  // core/v1 defaulting: the selector and the labels default to the template's labels.
  if (!Object.keys(metadata.labels).length) metadata.labels = { ...templateLabels };
  const status: ReplicationController['status'] = { replicas: w.status?.replicas ?? 0 };
  if (w.status?.readyReplicas != null) status.readyReplicas = w.status.readyReplicas;
  return {
    kind: 'ReplicationController',
    metadata,
    spec: {
      replicas: spec?.replicas ?? 1,
      selector: { ...(nonEmpty(spec?.selector) ?? templateLabels) },
      template: {
        metadata: { labels: templateLabels, annotations: { ...(t?.metadata?.annotations ?? {}) } },
        spec: podSpecFromV1(t?.spec, 'spec.template.spec', d),
      },
    },
    status,
  };
}

function serviceFromV1(w: Wire<'services'>, d: Decoding): Service {
  const spec = w.spec;
  if (spec) d.ignored(spec, SERVICE_SPEC_IGNORED, 'spec');
  const type = spec?.type || 'ClusterIP';
  if (type !== 'ClusterIP' && type !== 'LoadBalancer') d.warnings.push(`spec.type: ${JSON.stringify(type)} not supported by helmsman; treated as "ClusterIP"`);
  return {
    kind: 'Service',
    metadata: metaFromV1(w.metadata),
    spec: {
      ports: (spec?.ports ?? []).map((p, i) => {
        d.ignored(p, SERVICE_PORT_IGNORED, `spec.ports[${i}]`);
        const port = p.port ?? 0;
        // core/v1 defaulting: no targetPort means the service's port.
        return omitUndefined({ name: p.name || undefined, port, protocol: (p.protocol || 'TCP') as 'TCP', targetPort: p.targetPort || port });
      }),
      selector: { ...(spec?.selector ?? {}) },
      clusterIP: spec?.clusterIP || spec?.clusterIPs?.[0] || '',
      externalIPs: [...(spec?.externalIPs ?? [])],
      createExternalLoadBalancer: type === 'LoadBalancer',
    },
    status: {},
  };
}

function nodeFromV1(w: Wire<'nodes'>, d: Decoding): Node {
  if (w.spec) d.ignored(w.spec, NODE_SPEC_IGNORED, 'spec');
  const s = w.status;
  const capacity: Node['status']['capacity'] = {};
  for (const [name, q] of Object.entries(s?.capacity ?? {})) {
    const value = d.quantity(q, `status.capacity.${name}`, name === 'cpu' ? 'milli' : 'units');
    if (value !== undefined && (name === 'cpu' || name === 'memory')) capacity[name] = value;
  }
  const addresses = s?.addresses ?? [];
  const address = addresses.find((a) => a.type === 'InternalIP') ?? addresses.find((a) => a.type !== 'Hostname');
  const podCIDR = w.spec?.podCIDR || w.spec?.podCIDRs?.[0];
  const kubeletPort = s?.daemonEndpoints?.kubeletEndpoint?.Port;
  return {
    kind: 'Node',
    metadata: metaFromV1(w.metadata),
    spec: podCIDR ? { podCIDR } : {},
    status: omitUndefined({
      hostIP: address?.address ?? '',
      capacity,
      conditions: (s?.conditions ?? []).map((c) =>
        omitUndefined({ type: c.type ?? '', status: c.status ?? '', lastHeartbeatTime: c.lastHeartbeatTime || undefined, reason: c.reason || undefined }),
      ),
      kubeletPort: kubeletPort || undefined,
    }),
  };
}

/** Endpoints sort as the endpoints controller writes them (core/v1 repacks subsets the same way). */
function compareEndpoints(a: { ip: string; port: number }, b: { ip: string; port: number }): number {
  return a.ip.localeCompare(b.ip, 'en', { numeric: true }) || a.port - b.port;
}

function endpointsFromV1(w: Wire<'endpoints'>): Endpoints {
  const endpoints: Endpoints['endpoints'] = [];
  for (const subset of w.subsets ?? []) {
    for (const a of subset.addresses ?? []) for (const p of subset.ports ?? []) endpoints.push({ ip: a.ip ?? '', port: p.port ?? 0 });
  }
  return { kind: 'Endpoints', metadata: metaFromV1(w.metadata), endpoints: endpoints.sort(compareEndpoints) };
}

function eventFromV1(w: Wire<'events'>): Event {
  const io = w.involvedObject;
  const last = w.lastTimestamp || w.eventTime || '';
  return {
    kind: 'Event',
    metadata: metaFromV1(w.metadata),
    involvedObject: omitUndefined({
      kind: io?.kind ?? '',
      name: io?.name ?? '',
      namespace: io?.namespace ?? undefined,
      uid: io?.uid ?? undefined,
      fieldPath: io?.fieldPath ?? undefined,
      apiVersion: io?.apiVersion ?? undefined,
      resourceVersion: io?.resourceVersion ?? undefined,
    }),
    reason: w.reason ?? '',
    message: w.message ?? '',
    // v1beta1's free-text status has no core/v1 field.
    status: '',
    source: omitUndefined({ component: w.source?.component || w.reportingComponent || '', host: w.source?.host || w.reportingInstance || undefined }),
    firstTimestamp: w.firstTimestamp || last,
    lastTimestamp: last,
    count: w.count ?? 1,
    type: w.type || 'Normal',
  };
}

function namespaceFromV1(w: Wire<'namespaces'>): Namespace {
  return {
    kind: 'Namespace',
    metadata: metaFromV1(w.metadata),
    spec: { finalizers: [...(w.spec?.finalizers ?? ['kubernetes'])] },
    status: { phase: w.status?.phase === 'Terminating' ? 'Terminating' : 'Active' },
  };
}

function leaseFromV1(w: Wire<'leases'>, d: Decoding): Lease {
  const s = w.spec;
  if (s) d.ignored(s, LEASE_SPEC_IGNORED, 'spec');
  return {
    kind: 'Lease',
    metadata: metaFromV1(w.metadata),
    spec: omitUndefined({
      holderIdentity: s?.holderIdentity ?? undefined,
      leaseDurationSeconds: s?.leaseDurationSeconds ?? undefined,
      acquireTime: d.microTime(s?.acquireTime, 'spec.acquireTime'),
      renewTime: d.microTime(s?.renewTime, 'spec.renewTime'),
      leaseTransitions: s?.leaseTransitions ?? undefined,
    }),
  };
}

const FROM_V1: { [R in Resource]: (w: Wire<R>, d: Decoding) => ApiObject } = {
  pods: podFromV1,
  replicationcontrollers: controllerFromV1,
  services: serviceFromV1,
  nodes: nodeFromV1,
  endpoints: endpointsFromV1,
  events: eventFromV1,
  namespaces: namespaceFromV1,
  leases: leaseFromV1,
};

// ---- encoding ------------------------------------------------------------------------------------

function metaToV1(resource: Resource, m: ObjectMeta): Record<string, unknown> {
  return omitUndefined({
    name: m.name,
    generateName: m.generateName || undefined,
    namespace: RESOURCES[resource].namespaced ? m.namespace : undefined,
    uid: m.uid || undefined,
    resourceVersion: m.resourceVersion ? String(m.resourceVersion) : undefined,
    creationTimestamp: m.creationTimestamp || null,
    labels: nonEmpty(m.labels),
    annotations: nonEmpty(m.annotations),
    ownerReferences: m.ownerReferences?.length
      ? m.ownerReferences.map((r) => omitUndefined({ apiVersion: 'v1', kind: r.kind, name: r.name, uid: r.uid, controller: r.controller }))
      : undefined,
  });
}

const PULL_POLICY_TO_V1: Record<string, string> = { PullAlways: 'Always', PullNever: 'Never', PullIfNotPresent: 'IfNotPresent' };

function containerToV1(c: Container): Record<string, unknown> {
  const limits = omitUndefined({
    cpu: c.cpu === undefined ? undefined : formatQuantity(c.cpu, 'milli'),
    memory: c.memory === undefined ? undefined : formatQuantity(c.memory, 'bytes'),
  });
  return omitUndefined({
    name: c.name,
    image: c.image,
    command: c.command,
    args: c.args,
    workingDir: c.workingDir,
    ports: c.ports.length
      ? c.ports.map((p) => omitUndefined({ name: p.name, hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.protocol || 'TCP', hostIP: p.hostIP }))
      : undefined,
    env: c.env.length ? c.env.map((e) => (e.value ? { name: e.name, value: e.value } : { name: e.name })) : undefined,
    resources: Object.keys(limits).length ? { limits } : {},
    volumeMounts: c.volumeMounts.length ? c.volumeMounts.map((m) => omitUndefined({ name: m.name, readOnly: m.readOnly, mountPath: m.mountPath })) : undefined,
    livenessProbe: c.livenessProbe,
    lifecycle: c.lifecycle,
    imagePullPolicy: c.imagePullPolicy ? (PULL_POLICY_TO_V1[c.imagePullPolicy] ?? c.imagePullPolicy) : undefined,
  });
}

function volumeToV1(v: PodSpec['volumes'][number]): Record<string, unknown> {
  const out: Record<string, unknown> = { name: v.name };
  if (v.source && typeof v.source === 'object') {
    // v1beta1's `hostDir` is core/v1's `hostPath`.
    for (const [k, value] of Object.entries(v.source)) out[k === 'hostDir' ? 'hostPath' : k] = value;
  }
  return out;
}

function podSpecToV1(s: PodSpec): Record<string, unknown> {
  return omitUndefined({
    volumes: s.volumes.length ? s.volumes.map(volumeToV1) : undefined,
    containers: s.containers.map(containerToV1),
    restartPolicy: s.restartPolicy,
    nodeSelector: nonEmpty(s.nodeSelector),
    nodeName: s.host || undefined,
  });
}

function containerStateToV1(s: ContainerStatus['state']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (s.waiting) out.waiting = omitUndefined({ reason: s.waiting.reason });
  if (s.running) out.running = omitUndefined({ startedAt: s.running.startedAt });
  if (s.termination) {
    const t = s.termination;
    out.terminated = omitUndefined({ exitCode: t.exitCode, reason: t.reason, startedAt: t.startedAt, finishedAt: t.finishedAt });
  }
  return out;
}

/** The earliest container start: the closest helmsman knows to when the kubelet took the pod. */
function startTime(p: Pod): string | undefined {
  let first: string | undefined;
  for (const c of Object.values(p.status.containers)) {
    const at = c.state.running?.startedAt ?? c.state.termination?.startedAt;
    if (at && (first === undefined || at < first)) first = at;
  }
  return first;
}

/** The conditions kubelet and scheduler would have set: scheduled once bound, ready when every container is. */
function podConditions(p: Pod): Record<string, unknown>[] | undefined {
  if (!p.spec.host) return undefined;
  const at = p.metadata.creationTimestamp || null;
  const unready = p.spec.containers.filter((c) => !p.status.containers[c.name]?.ready).map((c) => c.name);
  const done = p.status.phase === 'Succeeded' || p.status.phase === 'Failed';
  const ready = p.status.phase === 'Running' && unready.length === 0;
  const why = ready ? {} : done ? { reason: 'PodCompleted' } : { reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` };
  const condition = (type: string, ok: boolean, extra: object = {}) => ({ type, status: ok ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: at, ...extra });
  return [condition('Initialized', true), condition('Ready', ready, why), condition('ContainersReady', ready, why), condition('PodScheduled', true)];
}

function qosClass(s: PodSpec): string {
  if (s.containers.every((c) => c.cpu === undefined && c.memory === undefined)) return 'BestEffort';
  return s.containers.every((c) => c.cpu !== undefined && c.memory !== undefined) ? 'Guaranteed' : 'Burstable';
}

function podStatusToV1(p: Pod): Record<string, unknown> {
  const s = p.status;
  const statuses = Object.entries(s.containers).map(([name, c]) =>
    omitUndefined({
      name,
      state: containerStateToV1(c.state),
      lastState: {},
      ready: c.ready ?? false,
      restartCount: c.restartCount,
      image: c.image ?? '',
      imageID: '',
      containerID: c.containerID,
      started: c.state.running !== undefined,
    }),
  );
  return omitUndefined({
    phase: s.phase,
    conditions: podConditions(p),
    message: s.message,
    hostIP: s.hostIP,
    hostIPs: s.hostIP ? [{ ip: s.hostIP }] : undefined,
    podIP: s.podIP,
    podIPs: s.podIP ? [{ ip: s.podIP }] : undefined,
    startTime: startTime(p),
    containerStatuses: statuses.length ? statuses : undefined,
    qosClass: qosClass(p.spec),
  });
}

function controllerToV1(rc: ReplicationController): Record<string, unknown> {
  const t = rc.spec.template;
  return {
    spec: {
      replicas: rc.spec.replicas,
      selector: rc.spec.selector,
      template: {
        metadata: omitUndefined({ creationTimestamp: null, labels: nonEmpty(t.metadata.labels), annotations: nonEmpty(t.metadata.annotations) }),
        spec: podSpecToV1(t.spec),
      },
    },
    status: omitUndefined({ replicas: rc.status.replicas, readyReplicas: rc.status.readyReplicas, availableReplicas: rc.status.readyReplicas }),
  };
}

function serviceToV1(s: Service): Record<string, unknown> {
  const { clusterIP, externalIPs, createExternalLoadBalancer } = s.spec;
  return {
    spec: omitUndefined({
      ports: s.spec.ports.map((p) => omitUndefined({ name: p.name, protocol: p.protocol || 'TCP', port: p.port, targetPort: p.targetPort })),
      selector: nonEmpty(s.spec.selector),
      clusterIP: clusterIP || undefined,
      clusterIPs: clusterIP ? [clusterIP] : undefined,
      type: createExternalLoadBalancer ? 'LoadBalancer' : 'ClusterIP',
      externalIPs: externalIPs.length ? externalIPs : undefined,
      sessionAffinity: 'None',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
    }),
    status: { loadBalancer: createExternalLoadBalancer && externalIPs.length ? { ingress: externalIPs.map((ip) => ({ ip, ipMode: 'VIP' })) } : {} },
  };
}

// What every node reports about itself: helmsman's minions run on the API server's machine.
const GOARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
const NODE_INFO = {
  machineID: '',
  systemUUID: '',
  bootID: '',
  kernelVersion: release(),
  osImage: 'helmsman',
  containerRuntimeVersion: 'helmsman://0.1.0',
  kubeletVersion: 'v0.5.0-helmsman',
  kubeProxyVersion: '',
  operatingSystem: 'linux',
  architecture: GOARCH[arch()] ?? arch(),
};
const CONDITION_MESSAGES: Record<string, string> = {
  KubeletReady: 'kubelet is posting ready status',
  NodeStatusUnknown: 'Kubelet stopped posting node status.',
};
// 2014 minions said Full/None where core/v1 says True/False.
const CONDITION_STATUS: Record<string, string> = { Full: 'True', None: 'False' };

function nodeToV1(n: Node): Record<string, unknown> {
  const { hostIP, capacity, conditions } = n.status;
  const resources = omitUndefined({
    cpu: capacity.cpu === undefined ? undefined : formatQuantity(capacity.cpu, 'milli'),
    memory: capacity.memory === undefined ? undefined : formatQuantity(capacity.memory, 'bytes'),
    pods: '110',
  });
  const addresses = hostIP ? [{ type: 'InternalIP', address: hostIP }] : [];
  const { podCIDR } = n.spec;
  return {
    spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: conditions.map((c) =>
        omitUndefined({
          type: c.type,
          status: CONDITION_STATUS[c.status] ?? c.status,
          lastHeartbeatTime: c.lastHeartbeatTime ?? null,
          lastTransitionTime: c.lastHeartbeatTime ?? null,
          reason: c.reason,
          message: c.reason ? CONDITION_MESSAGES[c.reason] : undefined,
        }),
      ),
      addresses: [...addresses, { type: 'Hostname', address: n.metadata.name }],
      daemonEndpoints: { kubeletEndpoint: { Port: n.status.kubeletPort ?? 0 } },
      nodeInfo: NODE_INFO,
    },
  };
}

function endpointsToV1(e: Endpoints): Record<string, unknown> {
  const byPort = new Map<number, string[]>();
  for (const { ip, port } of e.endpoints) {
    const ips = byPort.get(port);
    if (ips) ips.push(ip);
    else byPort.set(port, [ip]);
  }
  const subsets = [...byPort].map(([port, ips]) => ({ addresses: ips.map((ip) => ({ ip })), ports: [{ port, protocol: 'TCP' }] }));
  return subsets.length ? { subsets } : {};
}

function eventToV1(e: Event): Record<string, unknown> {
  const io = e.involvedObject;
  return {
    involvedObject: omitUndefined({
      kind: io.kind,
      namespace: io.namespace,
      name: io.name,
      uid: io.uid,
      apiVersion: io.apiVersion,
      resourceVersion: io.resourceVersion,
      fieldPath: io.fieldPath,
    }),
    reason: e.reason,
    message: e.message,
    source: omitUndefined({ component: e.source.component, host: e.source.host }),
    firstTimestamp: e.firstTimestamp || null,
    lastTimestamp: e.lastTimestamp || null,
    count: e.count,
    type: e.type,
    eventTime: null,
    reportingComponent: e.source.component,
    reportingInstance: e.source.host ?? '',
  };
}

// In Go's field order; a lease has no status.
function leaseToV1(l: Lease): Record<string, unknown> {
  const { holderIdentity, leaseDurationSeconds, acquireTime, renewTime, leaseTransitions } = l.spec;
  return { spec: omitUndefined({ holderIdentity, leaseDurationSeconds, acquireTime, renewTime, leaseTransitions }) };
}

function bodyToV1(obj: ApiObject): Record<string, unknown> {
  switch (obj.kind) {
    case 'Pod':
      return { spec: podSpecToV1(obj.spec), status: podStatusToV1(obj) };
    case 'ReplicationController':
      return controllerToV1(obj);
    case 'Service':
      return serviceToV1(obj);
    case 'Node':
      return nodeToV1(obj);
    case 'Endpoints':
      return endpointsToV1(obj);
    case 'Event':
      return eventToV1(obj);
    case 'Namespace':
      return { spec: { finalizers: obj.spec.finalizers }, status: { phase: obj.status.phase } };
    case 'Lease':
      return leaseToV1(obj);
  }
}

/** The v1 JSON of an internal object, shaped as a Kubernetes 1.32 API server prints it. */
export function toV1(obj: ApiObject): Record<string, unknown> {
  const resource = RESOURCE_OF_KIND[obj.kind];
  const { kind, apiVersion } = V1_KINDS[resource];
  return { kind, apiVersion, metadata: metaToV1(resource, obj.metadata), ...bodyToV1(obj) };
}

/**
 * The list envelope around already-encoded items: `head`, the items joined by ',', then `tail`
 * (`{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":[...]}`).
 */
export function v1ListEnvelope(resource: Resource, revision: number): { head: string; tail: string[] } {
  const { listKind, apiVersion } = V1_KINDS[resource];
  return { head: `{"kind":"${listKind}","apiVersion":"${apiVersion}","metadata":{"resourceVersion":"${revision}"},"items":[`, tail: [']}'] };
}

// ---- field paths ---------------------------------------------------------------------------------

const POD_SPEC_PATH = /^(spec|spec\.template\.spec)\.host(?=$|[.[])/;
const CONTAINER_RESOURCE_PATH = /^((?:spec|spec\.template\.spec)\.containers\[\d+\])\.(cpu|memory)(?=$|[.[])/;

/**
 * Renders an internal field path (validation.ts) in core/v1 terms: `spec.host` → `spec.nodeName`,
 * a container's `memory`/`cpu` → `resources.limits.memory`/`.cpu`, an endpoint → its subset (the
 * first: exact when the endpoints share one port, as a service's do). Most paths are the same.
 */
export function v1Path(resource: Resource, path: string): string {
  switch (resource) {
    case 'pods':
    case 'replicationcontrollers':
      return path.replace(POD_SPEC_PATH, '$1.nodeName').replace(CONTAINER_RESOURCE_PATH, '$1.resources.limits.$2');
    case 'services':
      return path.replace(/^spec\.createExternalLoadBalancer/, 'spec.type');
    case 'nodes':
      return path.replace(/^status\.hostIP/, 'status.addresses[0].address');
    case 'endpoints':
      return path
        .replace(/^endpoints\[(\d+)\]\.ip/, 'subsets[0].addresses[$1].ip')
        .replace(/^endpoints\[\d+\]\.port/, 'subsets[0].ports[0].port')
        .replace(/^endpoints/, 'subsets');
    default:
      return path;
  }
}

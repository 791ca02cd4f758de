/**
 * The v1beta1 wire format (Kubernetes v0.4–v0.5, the seed's API): decoding with structural checks
 * (zod, errors naming the wire field), and pure conversions to and from the internal model.
 * `fromV1beta1(toV1beta1(x))` deep-equals `x` for every internal object (test/api/v1beta1.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type {
  ApiObject,
  Container,
  ContainerStatus,
  Endpoints,
  Event,
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
import { RESOURCE_OF_KIND, RESOURCES, v1beta1PodStatus, v1beta1Resource, type Resource, type V1beta1Resource } from './resources.js';
import { badRequest } from './status.js';

// ---- wire schemas (structure only; unknown fields are ignored, as 2014 servers did) -------------

const str = z.string();
const num = z.number();
const labels = z.record(z.string(), z.string());
const intOrString = z.union([z.number(), z.string()]);

const portSchema = z.looseObject({
  name: str.optional(),
  hostPort: num.optional(),
  containerPort: num.optional(),
  protocol: str.optional(),
  hostIP: str.optional(),
});
const probeSchema = z.looseObject({
  httpGet: z.looseObject({ path: str.optional(), port: intOrString, host: str.optional() }).optional(),
  tcpSocket: z.looseObject({ port: intOrString }).optional(),
  exec: z.looseObject({ command: z.array(str) }).optional(),
  initialDelaySeconds: num.optional(),
  timeoutSeconds: num.optional(),
  periodSeconds: num.optional(),
  failureThreshold: num.optional(),
});
const containerSchema = z.looseObject({
  name: str.optional(),
  image: str.optional(),
  command: z.array(str).optional(),
  args: z.array(str).optional(),
  workingDir: str.optional(),
  ports: z.array(portSchema).nullish(),
  env: z.array(z.looseObject({ name: str.optional(), value: str.optional() })).nullish(),
  memory: num.optional(),
  cpu: num.optional(),
  volumeMounts: z.array(z.looseObject({ name: str, mountPath: str, readOnly: z.boolean().optional() })).nullish(),
  livenessProbe: probeSchema.optional(),
  lifecycle: z.unknown().optional(),
  imagePullPolicy: str.optional(),
});
const manifestSchema = z.looseObject({
  version: str.optional(),
  id: str.optional(),
  uuid: str.optional(),
  volumes: z.array(z.looseObject({ name: str, source: z.unknown().optional() })).nullish(),
  containers: z.array(containerSchema).nullish(),
  restartPolicy: z.looseObject({}).nullish(),
});
const containerStatusSchema = z.looseObject({
  state: z.looseObject({}).optional(),
  restartCount: num.optional(),
  image: str.optional(),
  containerID: str.optional(),
  podIP: str.optional(),
  ready: z.boolean().optional(),
});
const podStateSchema = z.looseObject({
  manifest: manifestSchema.optional(),
  status: str.optional(),
  message: str.optional(),
  host: str.optional(),
  hostIP: str.optional(),
  podIP: str.optional(),
  info: z.record(z.string(), containerStatusSchema).nullish(),
});
const metaSchema = {
  kind: str.optional(),
  apiVersion: str.optional(),
  id: str.optional(),
  uid: str.optional(),
  namespace: str.optional(),
  creationTimestamp: str.optional(),
  resourceVersion: z.union([num, str]).optional(),
  annotations: labels.nullish(),
  labels: labels.nullish(),
};
const schemas = {
  pods: z.looseObject({ ...metaSchema, desiredState: podStateSchema.optional(), currentState: podStateSchema.optional(), nodeSelector: labels.nullish() }),
  replicationcontrollers: z.looseObject({
    ...metaSchema,
    desiredState: z
      .looseObject({
        replicas: num.optional(),
        replicaSelector: labels.nullish(),
        podTemplate: z
          .looseObject({ desiredState: podStateSchema.optional(), labels: labels.nullish(), annotations: labels.nullish(), nodeSelector: labels.nullish() })
          .optional(),
      })
      .optional(),
    currentState: z.looseObject({ replicas: num.optional() }).optional(),
  }),
  services: z.looseObject({
    ...metaSchema,
    port: num.optional(),
    protocol: str.optional(),
    selector: labels.nullish(),
    containerPort: intOrString.optional(),
    createExternalLoadBalancer: z.boolean().optional(),
    publicIPs: z.array(str).nullish(),
    portalIP: str.optional(),
    proxyPort: num.optional(),
  }),
  nodes: z.looseObject({
    ...metaSchema,
    hostIP: str.optional(),
    resources: z.looseObject({ capacity: z.looseObject({ cpu: num.optional(), memory: num.optional() }).optional() }).optional(),
    status: z.looseObject({ conditions: z.array(z.looseObject({ kind: str.optional(), type: str.optional(), status: str })).nullish() }).optional(),
  }),
  endpoints: z.looseObject({ ...metaSchema, endpoints: z.array(str).nullish() }),
  events: z.looseObject({
    ...metaSchema,
    involvedObject: z.looseObject({ kind: str.optional(), name: str.optional(), namespace: str.optional(), uid: str.optional(), fieldPath: str.optional() }).optional(),
    status: str.optional(),
    reason: str.optional(),
    message: str.optional(),
    source: str.optional(),
    host: str.optional(),
    timestamp: str.optional(),
    firstTimestamp: str.optional(),
    lastTimestamp: str.optional(),
    count: num.optional(),
    type: str.optional(),
  }),
  namespaces: z.looseObject({
    ...metaSchema,
    spec: z.looseObject({ finalizers: z.array(str).nullish() }).optional(),
    status: z.looseObject({ phase: str.optional() }).optional(),
  }),
} satisfies Record<V1beta1Resource, z.ZodType>;

type Wire<R extends V1beta1Resource> = z.infer<(typeof schemas)[R]>;
type WireContainer = z.infer<typeof containerSchema>;
type WireManifest = z.infer<typeof manifestSchema>;
type WirePodState = z.infer<typeof podStateSchema>;

/** Formats a zod issue path the way Kubernetes names fields: `a.b[0].c`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

// ---- decoding ------------------------------------------------------------------------------------

/** Options for decoding a request body. */
export interface DecodeOptions {
  /** The namespace of the request (query `?namespace=`), used when the body has none. */
  namespace?: string;
  /** Give an object without an id a UUID (create); an update keeps the id of its path. */
  generateName?: boolean;
}

/**
 * Decodes a v1beta1 body for `resource` into the internal model. Wrong types, a wrong kind or a
 * wrong apiVersion are 400 BadRequest naming the field; semantic checks come after (validation.ts).
 * A resource the 2014 API did not have is a 404.
 */
export function decodeV1beta1(anyResource: Resource, body: unknown, opts: DecodeOptions = {}): ApiObject {
  const resource = v1beta1Resource(anyResource);
  const info = RESOURCES[resource];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('the request body must be a JSON or YAML object');
  const parsed = schemas[resource].safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badRequest(`${formatPath(issue.path) || 'body'}: ${issue.message}`);
  }
  const wire = parsed.data as Wire<V1beta1Resource>;
  if (wire.apiVersion !== undefined && wire.apiVersion !== 'v1beta1') {
    throw badRequest(`the API version in the data (${wire.apiVersion}) does not match the expected API version (v1beta1)`);
  }
  if (wire.kind !== undefined && wire.kind !== info.v1beta1.kind) {
    throw badRequest(`the kind in the data (${wire.kind}) does not match the expected kind (${info.v1beta1.kind})`);
  }
  const obj = FROM_WIRE[resource](wire as never);
  if (info.namespaced) obj.metadata.namespace ||= opts.namespace || 'default';
  else obj.metadata.namespace = '';
  if (!obj.metadata.name && opts.generateName) {
    obj.metadata.name = randomUUID();
    if (obj.kind === 'Pod') obj.spec.manifest.id ||= obj.metadata.name;
  }
  return obj;
}

/**
 * A v1beta1 resourceVersion: a number or a decimal string (the 2014 API wrote numbers). Anything
 * else is refused: read as 0, it would skip the update's concurrency check.
 */
function resourceVersionFromWire(rv: number | string | undefined): number {
  if (rv === undefined || rv === '') return 0;
  const n = typeof rv === 'number' ? rv : /^\d+$/.test(rv) ? Number(rv) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw badRequest(`resourceVersion: Invalid value: ${JSON.stringify(rv)}: must be the revision the server gave (a decimal integer)`);
  return n;
}

function metaFromWire(w: z.infer<z.ZodObject<typeof metaSchema>>): ObjectMeta {
  return {
    name: w.id ?? '',
    namespace: w.namespace ?? '',
    uid: w.uid ?? '',
    resourceVersion: resourceVersionFromWire(w.resourceVersion),
    creationTimestamp: w.creationTimestamp ?? '',
    labels: { ...(w.labels ?? {}) },
    annotations: { ...(w.annotations ?? {}) },
  };
}

function restartPolicyFromWire(rp: Record<string, unknown> | null | undefined): RestartPolicy {
  if (rp && 'never' in rp) return 'Never';
  if (rp && 'onFailure' in rp) return 'OnFailure';
  return 'Always';
}

function probeFromWire(p: z.infer<typeof probeSchema> | undefined): Probe | undefined {
  if (!p) return undefined;
  const probe: Probe = {};
  if (p.httpGet) probe.httpGet = omitUndefined({ path: p.httpGet.path, port: p.httpGet.port, host: p.httpGet.host });
  if (p.tcpSocket) probe.tcpSocket = { port: p.tcpSocket.port };
  if (p.exec) probe.exec = { command: [...p.exec.command] };
  for (const k of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'failureThreshold'] as const) {
    if (p[k] !== undefined) probe[k] = p[k];
  }
  return probe;
}

function containerFromWire(c: WireContainer): Container {
  return omitUndefined({
    name: c.name ?? '',
    image: c.image ?? '',
    command: c.command ? [...c.command] : undefined,
    args: c.args ? [...c.args] : undefined,
    workingDir: c.workingDir,
    ports: (c.ports ?? []).map((p) =>
      omitUndefined({
        name: p.name || undefined,
        containerPort: p.containerPort ?? 0,
        hostPort: p.hostPort || undefined,
        protocol: (p.protocol || 'TCP') as 'TCP',
        hostIP: p.hostIP || undefined,
      }),
    ),
    env: (c.env ?? []).map((e) => ({ name: e.name ?? '', value: e.value ?? '' })),
    memory: c.memory,
    cpu: c.cpu,
    volumeMounts: (c.volumeMounts ?? []).map((m) => omitUndefined({ name: m.name, mountPath: m.mountPath, readOnly: m.readOnly })),
    livenessProbe: probeFromWire(c.livenessProbe),
    lifecycle: c.lifecycle,
    imagePullPolicy: c.imagePullPolicy,
  }) as Container;
}

function podSpecFromWire(m: WireManifest | undefined, host: string | undefined, nodeSelector: Record<string, string> | null | undefined): PodSpec {
  return {
    containers: (m?.containers ?? []).map(containerFromWire),
    restartPolicy: restartPolicyFromWire(m?.restartPolicy),
    volumes: (m?.volumes ?? []).map((v) => omitUndefined({ name: v.name, source: v.source })),
    nodeSelector: { ...(nodeSelector ?? {}) },
    host: host ?? '',
    manifest: omitUndefined({ version: m?.version ?? 'v1beta1', id: m?.id ?? '', uuid: m?.uuid }),
  };
}

function phaseFromWire(state: WirePodState | undefined): PodPhase {
  switch (state?.status) {
    case 'Running':
      return 'Running';
    case 'Terminated': {
      const infos = Object.values(state.info ?? {});
      const ok = infos.length > 0 && infos.every((i) => (i.state as ContainerStatus['state'] | undefined)?.termination?.exitCode === 0);
      return ok ? 'Succeeded' : 'Failed';
    }
    case 'Unknown':
      return 'Unknown';
    default:
      return 'Pending';
  }
}

function podFromWire(w: Wire<'pods'>): Pod {
  const metadata = metaFromWire(w);
  const desired = w.desiredState;
  const current = w.currentState;
  const spec = podSpecFromWire(desired?.manifest, desired?.host, w.nodeSelector);
  if (!metadata.name && spec.manifest.id) metadata.name = spec.manifest.id;
  if (!spec.manifest.id) spec.manifest.id = metadata.name;
  const containers: Record<string, ContainerStatus> = {};
  for (const [name, info] of Object.entries(current?.info ?? {})) {
    containers[name] = omitUndefined({
      state: (info.state ?? {}) as ContainerStatus['state'],
      restartCount: info.restartCount ?? 0,
      image: info.image,
      podIP: info.podIP,
      ready: info.ready,
    });
  }
  return {
    kind: 'Pod',
    metadata,
    spec,
    status: omitUndefined({
      phase: phaseFromWire(current),
      message: current?.message || undefined,
      host: current?.host || undefined,
      hostIP: current?.hostIP || undefined,
      podIP: current?.podIP || undefined,
      containers,
    }),
  };
}

function controllerFromWire(w: Wire<'replicationcontrollers'>): ReplicationController {
  const d = w.desiredState;
  const t = d?.podTemplate;
  return {
    kind: 'ReplicationController',
    metadata: metaFromWire(w),
    spec: {
      replicas: d?.replicas ?? 0,
      selector: { ...(d?.replicaSelector ?? {}) },
      template: {
        metadata: { labels: { ...(t?.labels ?? {}) }, annotations: { ...(t?.annotations ?? {}) } },
        spec: podSpecFromWire(t?.desiredState?.manifest, t?.desiredState?.host, t?.nodeSelector),
      },
    },
    status: { replicas: w.currentState?.replicas ?? 0 },
  };
}

function serviceFromWire(w: Wire<'services'>): Service {
  const port = w.port ?? 0;
  return {
    kind: 'Service',
    metadata: metaFromWire(w),
    spec: omitUndefined({
      ports: [{ port, protocol: (w.protocol || 'TCP') as 'TCP', targetPort: w.containerPort ?? port }],
      selector: { ...(w.selector ?? {}) },
      clusterIP: w.portalIP ?? '',
      externalIPs: [...(w.publicIPs ?? [])],
      createExternalLoadBalancer: w.createExternalLoadBalancer ?? false,
      proxyPort: w.proxyPort,
    }),
    status: {},
  };
}

function nodeFromWire(w: Wire<'nodes'>): Node {
  return {
    kind: 'Node',
    metadata: metaFromWire(w),
    spec: {},
    status: {
      hostIP: w.hostIP ?? '',
      capacity: omitUndefined({ cpu: w.resources?.capacity?.cpu, memory: w.resources?.capacity?.memory }),
      conditions: (w.status?.conditions ?? []).map((c) => ({ type: c.type ?? c.kind ?? '', status: c.status })),
    },
  };
}

function endpointsFromWire(w: Wire<'endpoints'>): Endpoints {
  return {
    kind: 'Endpoints',
    metadata: metaFromWire(w),
    endpoints: (w.endpoints ?? []).map((e) => {
      const at = e.lastIndexOf(':');
      return { ip: e.slice(0, at), port: Number(e.slice(at + 1)) };
    }),
  };
}

function eventFromWire(w: Wire<'events'>): Event {
  const io = w.involvedObject ?? {};
  const when = w.lastTimestamp ?? w.timestamp ?? '';
  return {
    kind: 'Event',
    metadata: metaFromWire(w),
    involvedObject: omitUndefined({ kind: io.kind ?? '', name: io.name ?? '', namespace: io.namespace, uid: io.uid, fieldPath: io.fieldPath }),
    reason: w.reason ?? '',
    message: w.message ?? '',
    status: w.status ?? '',
    source: omitUndefined({ component: w.source ?? '', host: w.host }),
    firstTimestamp: w.firstTimestamp ?? when,
    lastTimestamp: when,
    count: w.count ?? 1,
    type: w.type ?? 'Normal',
  };
}

function namespaceFromWire(w: Wire<'namespaces'>): Namespace {
  return {
    kind: 'Namespace',
    metadata: metaFromWire(w),
    spec: { finalizers: [...(w.spec?.finalizers ?? ['kubernetes'])] },
    status: { phase: w.status?.phase === 'Terminating' ? 'Terminating' : 'Active' },
  };
}

const FROM_WIRE: { [R in V1beta1Resource]: (w: Wire<R>) => ApiObject } = {
  pods: podFromWire,
  replicationcontrollers: controllerFromWire,
  services: serviceFromWire,
  nodes: nodeFromWire,
  endpoints: endpointsFromWire,
  events: eventFromWire,
  namespaces: namespaceFromWire,
};

// ---- encoding ------------------------------------------------------------------------------------

function metaToWire(resource: V1beta1Resource, m: ObjectMeta): Record<string, unknown> {
  const info = RESOURCES[resource];
  const out: Record<string, unknown> = {
    kind: info.v1beta1.kind,
    id: m.name,
    uid: m.uid,
    creationTimestamp: m.creationTimestamp,
    selfLink: `/api/v1beta1/${info.v1beta1.path}/${m.name}${info.namespaced ? `?namespace=${m.namespace}` : ''}`,
    resourceVersion: m.resourceVersion,
    apiVersion: 'v1beta1',
  };
  if (info.namespaced) out.namespace = m.namespace;
  if (Object.keys(m.annotations).length) out.annotations = m.annotations;
  if (m.generateName) out.generateName = m.generateName;
  return out;
}

function restartPolicyToWire(rp: RestartPolicy): Record<string, object> {
  return rp === 'Never' ? { never: {} } : rp === 'OnFailure' ? { onFailure: {} } : { always: {} };
}

function containerToWire(c: Container): Record<string, unknown> {
  return omitUndefined({
    name: c.name,
    image: c.image,
    command: c.command,
    args: c.args,
    workingDir: c.workingDir,
    ports: c.ports.length ? c.ports : undefined,
    env: c.env.length ? c.env : undefined,
    memory: c.memory,
    cpu: c.cpu,
    volumeMounts: c.volumeMounts.length ? c.volumeMounts : undefined,
    livenessProbe: c.livenessProbe,
    lifecycle: c.lifecycle,
    imagePullPolicy: c.imagePullPolicy,
  });
}

function manifestToWire(s: PodSpec): Record<string, unknown> {
  return omitUndefined({
    version: s.manifest.version,
    id: s.manifest.id,
    uuid: s.manifest.uuid,
    volumes: s.volumes.length ? s.volumes : undefined,
    containers: s.containers.map(containerToWire),
    restartPolicy: restartPolicyToWire(s.restartPolicy),
  });
}

function podToWire(p: Pod): Record<string, unknown> {
  return {
    ...metaToWire('pods', p.metadata),
    labels: p.metadata.labels,
    desiredState: omitUndefined({ manifest: manifestToWire(p.spec), host: p.spec.host || undefined }),
    currentState: omitUndefined({
      status: v1beta1PodStatus(p.status.phase),
      message: p.status.message,
      host: p.status.host,
      hostIP: p.status.hostIP,
      podIP: p.status.podIP,
      info: p.status.containers,
    }),
    ...(Object.keys(p.spec.nodeSelector).length ? { nodeSelector: p.spec.nodeSelector } : {}),
  };
}

function controllerToWire(rc: ReplicationController): Record<string, unknown> {
  const t = rc.spec.template;
  return {
    ...metaToWire('replicationcontrollers', rc.metadata),
    desiredState: {
      replicas: rc.spec.replicas,
      replicaSelector: rc.spec.selector,
      podTemplate: omitUndefined({
        desiredState: omitUndefined({ manifest: manifestToWire(t.spec), host: t.spec.host || undefined }),
        labels: t.metadata.labels,
        annotations: Object.keys(t.metadata.annotations).length ? t.metadata.annotations : undefined,
        nodeSelector: Object.keys(t.spec.nodeSelector).length ? t.spec.nodeSelector : undefined,
      }),
    },
    currentState: { replicas: rc.status.replicas },
    labels: rc.metadata.labels,
  };
}

function serviceToWire(s: Service): Record<string, unknown> {
  const p = s.spec.ports[0] ?? { port: 0, protocol: 'TCP', targetPort: 0 };
  return omitUndefined({
    ...metaToWire('services', s.metadata),
    port: p.port,
    protocol: p.protocol,
    labels: s.metadata.labels,
    selector: s.spec.selector,
    containerPort: p.targetPort,
    createExternalLoadBalancer: s.spec.createExternalLoadBalancer,
    publicIPs: s.spec.externalIPs.length ? s.spec.externalIPs : undefined,
    portalIP: s.spec.clusterIP || undefined,
    proxyPort: s.spec.proxyPort,
  });
}

function nodeToWire(n: Node): Record<string, unknown> {
  return {
    ...metaToWire('nodes', n.metadata),
    hostIP: n.status.hostIP,
    resources: { capacity: n.status.capacity },
    labels: n.metadata.labels,
    status: { conditions: n.status.conditions },
  };
}

function endpointsToWire(e: Endpoints): Record<string, unknown> {
  return { ...metaToWire('endpoints', e.metadata), labels: e.metadata.labels, endpoints: e.endpoints.map((x) => `${x.ip}:${x.port}`) };
}

function eventToWire(e: Event): Record<string, unknown> {
  return omitUndefined({
    ...metaToWire('events', e.metadata),
    labels: e.metadata.labels,
    involvedObject: e.involvedObject,
    status: e.status,
    reason: e.reason,
    message: e.message,
    source: e.source.component,
    host: e.source.host,
    timestamp: e.lastTimestamp,
    firstTimestamp: e.firstTimestamp,
    lastTimestamp: e.lastTimestamp,
    count: e.count,
    type: e.type,
  });
}

/** The kinds of the 2014 API (those of V1beta1Resource). */
type V1beta1Object = Pod | ReplicationController | Service | Node | Endpoints | Event | Namespace;

/** The v1beta1 wire form of an internal object; a kind the 2014 API did not have is a 404. */
export function toV1beta1(obj: ApiObject): Record<string, unknown> {
  v1beta1Resource(RESOURCE_OF_KIND[obj.kind]);
  const o = obj as V1beta1Object;
  switch (o.kind) {
    case 'Pod':
      return podToWire(o);
    case 'ReplicationController':
      return controllerToWire(o);
    case 'Service':
      return serviceToWire(o);
    case 'Node':
      return nodeToWire(o);
    case 'Endpoints':
      return endpointsToWire(o);
    case 'Event':
      return eventToWire(o);
    case 'Namespace':
      return { ...metaToWire('namespaces', o.metadata), labels: o.metadata.labels, spec: o.spec, status: o.status };
  }
}

/**
 * The list envelope around already-encoded items: `head`, the items joined by ',', then `tail`
 * (a MinionList repeats the items as `minions`: `tail` is then split in two around that copy).
 */
export function v1beta1ListEnvelope(resource: Resource, revision: number): { head: string; tail: string[] } {
  const info = RESOURCES[v1beta1Resource(resource)];
  const head = `{"kind":"${info.v1beta1.listKind}","apiVersion":"v1beta1","selfLink":"/api/v1beta1/${info.v1beta1.path}","resourceVersion":${revision},"items":[`;
  return { head, tail: resource === 'nodes' ? ['],"minions":[', ']}'] : [']}'] };
}

// ---- field paths ---------------------------------------------------------------------------------

const POD_SPEC_PATHS: [string, string][] = [
  ['containers', 'desiredState.manifest.containers'],
  ['restartPolicy', 'desiredState.manifest.restartPolicy'],
  ['volumes', 'desiredState.manifest.volumes'],
  ['nodeSelector', 'nodeSelector'],
  ['host', 'desiredState.host'],
];

/** Renders an internal field path (`spec.containers[0].image`) in v1beta1 terms. */
export function v1beta1Path(resource: Resource, path: string): string {
  const swap = (from: string, to: string): string | undefined =>
    path === from || path.startsWith(`${from}.`) || path.startsWith(`${from}[`) ? to + path.slice(from.length) : undefined;
  const table: [string, string][] = [
    ['metadata.name', 'id'],
    ['metadata.labels', 'labels'],
    ['metadata.annotations', 'annotations'],
  ];
  if (resource === 'pods') table.push(...POD_SPEC_PATHS.map(([a, b]): [string, string] => [`spec.${a}`, b]));
  if (resource === 'replicationcontrollers') {
    table.push(['spec.replicas', 'desiredState.replicas'], ['spec.selector', 'desiredState.replicaSelector']);
    table.push(['spec.template.metadata.labels', 'desiredState.podTemplate.labels']);
    table.push(
      ...POD_SPEC_PATHS.map(([a, b]): [string, string] => [
        `spec.template.spec.${a}`,
        a === 'nodeSelector' ? 'desiredState.podTemplate.nodeSelector' : `desiredState.podTemplate.${b}`,
      ]),
    );
  }
  if (resource === 'services') {
    table.push(['spec.ports[0].port', 'port'], ['spec.ports[0].protocol', 'protocol'], ['spec.ports[0].targetPort', 'containerPort']);
    table.push(['spec.selector', 'selector'], ['spec.clusterIP', 'portalIP']);
  }
  for (const [from, to] of table) {
    const out = swap(from, to);
    if (out !== undefined) return out;
  }
  return path;
}

/**
 * A copy without undefined properties (so that round trips compare equal and JSON stays on the
 * fast path). A copy rather than `delete`, which would turn the object into a slow dictionary.
 */
export function omitUndefined<T extends Record<string, unknown>>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out as T;
}

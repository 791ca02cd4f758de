/**
 * kubectl's API: core/v1 at `/api/v1` and each API group's v1 at `/apis/{group}/v1` (one set of
 * routes per group version, which RESOURCES assigns each resource to): namespaces in the path,
 * string resourceVersions, server-side Tables for `kubectl get`, PATCH (merge, JSON and strategic
 * merge), field validation, the `scale` subresource of replication controllers and pod logs. Same
 * registry and objects as v1beta1.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { ApiObject, ReplicationController } from './model.js';
import { followLogs } from './log-follow.js';
import { admit } from '../auth/access.js';
import { nodeNameOf, type UserInfo } from '../auth/user.js';
import { readBody, readPatch } from './body.js';
import type { LogReader } from './gateway.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patch.js';
import { countOf, filterOf, logQueryOf, revisionOf } from './query.js';
import type { RegistryClient } from './registry-client.js';
import type { RegistryReply } from '../registry/protocol.js';
import { apiPathOf, GROUP_VERSIONS, RESOURCES, type GroupVersion, type Resource, type ResourceInfo } from './resources.js';
import { badRequest, invalid, notFound, StatusError } from './status.js';
import { parseIncludeObject, toTable, type IncludeObject } from './table.js';
import { decodeV1 } from './v1.js';

/** Attempts of a PATCH that meets a concurrent write before it gives up with the Conflict. */
const PATCH_ATTEMPTS = 5;

/** The v1 router: every group version's resources, and core/v1's subresources. */
export function v1Routes(registry: RegistryClient, logs: LogReader | undefined): Router {
  const router = new Router();
  const api = new V1(registry);
  subresourceRoutes(router, api, logs);
  for (const gv of GROUP_VERSIONS) resourceRoutes(router, api, gv);
  return router;
}

/** The resources with a `status` subresource, and their paths under /api/v1. */
const STATUS_PATHS: [Resource, string][] = [
  ['pods', '/api/v1/namespaces/:namespace/pods/:name/status'],
  ['replicationcontrollers', '/api/v1/namespaces/:namespace/replicationcontrollers/:name/status'],
  ['nodes', '/api/v1/nodes/:name/status'],
];

/** Pod logs, controllers' scale, and the `status` of pods, controllers and nodes, under /api/v1. */
function subresourceRoutes(router: Router, api: V1, logs: LogReader | undefined): void {
  for (const [resource, path] of STATUS_PATHS) {
    const where = (ctx: Context): [string, string] => [ctx.params.namespace ?? '', ctx.params.name!];
    router.get(path, (ctx) => api.read(ctx, resource, ...where(ctx)));
    router.put(path, (ctx) => api.replaceStatus(ctx, resource, ...where(ctx)));
    router.patch(path, (ctx) => api.patchStatus(ctx, resource, ...where(ctx)));
  }
  router.get('/api/v1/namespaces/:namespace/pods/:name/log', async (ctx) => {
    if (!logs) throw notFound('path', ctx.path);
    const { namespace, name } = ctx.params as { namespace: string; name: string };
    await api.get('pods', namespace, name); // a missing pod is 404 `pods "x" not found`
    const query = logQueryOf(ctx, namespace, name);
    if (isTrue(ctx.query.follow)) {
      const running = async () => {
        const pod = (await api.get('pods', namespace, name).catch(() => undefined)) as { status?: { containerStatuses?: { name: string; state?: { running?: object } }[] } } | undefined;
        const statuses = pod?.status?.containerStatuses ?? [];
        const status = query.container === undefined && statuses.length === 1 ? statuses[0] : statuses.find((c) => c.name === query.container);
        return status?.state?.running !== undefined;
      };
      return followLogs(ctx, logs, query, running);
    }
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = await logs(query);
  });
  router.get('/api/v1/namespaces/:namespace/replicationcontrollers/:name/scale', async (ctx) => {
    ctx.body = scaleOf(await api.get('replicationcontrollers', ctx.params.namespace!, ctx.params.name!));
  });
  router.put('/api/v1/namespaces/:namespace/replicationcontrollers/:name/scale', async (ctx) => {
    const body = await readBody(ctx.req);
    ctx.body = await api.scale(ctx, ctx.params.namespace!, ctx.params.name!, () => body, hasResourceVersion(body));
  });
  router.patch('/api/v1/namespaces/:namespace/replicationcontrollers/:name/scale', async (ctx) => {
    const { type, patch } = await readPatch(ctx.req);
    ctx.body = await api.scale(ctx, ctx.params.namespace!, ctx.params.name!, (scale) => applyPatch(type, scale, patch, 'Scale'), hasResourceVersion(patch));
  });
}

/** The verbs on the resources of one group version, under its path (`/api/v1`, `/apis/coordination.k8s.io/v1`). */
function resourceRoutes(router: Router, api: V1, gv: GroupVersion): void {
  const base = apiPathOf(gv);
  const any = (ctx: Context) => resourceOf(gv, ctx.params.resource!);
  const namespaced = (ctx: Context) => scopedOf(ctx, gv, true);
  const clusterScoped = (ctx: Context) => scopedOf(ctx, gv, false);

  // Namespaced resources in one namespace.
  const ns = `${base}/namespaces/:namespace/:resource`;
  router.get(ns, (ctx) => api.listOrWatch(ctx, namespaced(ctx), ctx.params.namespace!));
  router.post(ns, (ctx) => api.create(ctx, namespaced(ctx), ctx.params.namespace!));
  router.get(`${ns}/:name`, (ctx) => api.read(ctx, namespaced(ctx), ctx.params.namespace!, ctx.params.name!));
  router.put(`${ns}/:name`, (ctx) => api.replace(ctx, namespaced(ctx), ctx.params.namespace!, ctx.params.name!));
  router.patch(`${ns}/:name`, (ctx) => api.patch(ctx, namespaced(ctx), ctx.params.namespace!, ctx.params.name!));
  router.delete(`${ns}/:name`, (ctx) => api.remove(ctx, namespaced(ctx), ctx.params.namespace!, ctx.params.name!));

  // Cluster-scoped resources, and namespaced ones across every namespace (list and watch only).
  const all = `${base}/:resource`;
  router.get(all, (ctx) => api.listOrWatch(ctx, any(ctx), undefined));
  router.post(all, (ctx) => api.create(ctx, clusterScoped(ctx), ''));
  router.get(`${all}/:name`, (ctx) => api.read(ctx, clusterScoped(ctx), '', ctx.params.name!));
  router.put(`${all}/:name`, (ctx) => api.replace(ctx, clusterScoped(ctx), '', ctx.params.name!));
  router.patch(`${all}/:name`, (ctx) => api.patch(ctx, clusterScoped(ctx), '', ctx.params.name!));
  router.delete(`${all}/:name`, (ctx) => api.remove(ctx, clusterScoped(ctx), '', ctx.params.name!));
}

/** The handlers, over the registry. */
class V1 {
  constructor(private readonly registry: RegistryClient) {}

  /** An object as v1 JSON (a missing one is a 404 Status). */
  async get(resource: Resource, namespace: string, name: string): Promise<Record<string, unknown>> {
    return JSON.parse(await this.registry.askText({ op: 'get', resource, namespace, name, version: 'v1' }));
  }

  async listOrWatch(ctx: Context, resource: Resource, namespace: string | undefined): Promise<void> {
    const filter = filterOf(ctx, resource, namespace);
    if (isTrue(ctx.query.watch)) {
      const timeout = countOf(ctx, 'timeoutSeconds');
      const table = tableOptions(ctx);
      let first = true;
      const transform = table
        ? (line: string): string => {
            const event = JSON.parse(line) as { type: string; object: Record<string, unknown> };
            if (event.type === 'ERROR' || event.type === 'BOOKMARK') return line;
            const rv = String((event.object.metadata as { resourceVersion?: string } | undefined)?.resourceVersion ?? '');
            // The column definitions come with the first event only, as the Kubernetes API server sends them.
            const rows = toTable(RESOURCES[resource].kind, [event.object], { ...table, now: Date.now(), resourceVersion: rv, noHeaders: !first });
            first = false;
            return JSON.stringify({ type: event.type, object: rows });
          }
        : undefined;
      await this.registry.watch(ctx, { resource, filter, fromRevision: revisionOf(ctx.query.resourceVersion), version: 'v1', transform, timeoutMs: timeout === undefined ? undefined : timeout * 1000 });
      return;
    }
    // A list is served whole and current; its resourceVersion and limit are checked all the same.
    revisionOf(ctx.query.resourceVersion);
    countOf(ctx, 'limit');
    const table = tableOptions(ctx);
    if (!table) {
      this.registry.answer(ctx, await this.registry.ask({ op: 'list', resource, filter, version: 'v1' }));
      return;
    }
    const list = JSON.parse(await this.registry.askText({ op: 'list', resource, filter, version: 'v1' })) as { metadata: { resourceVersion: string }; items: Record<string, unknown>[] };
    ctx.body = toTable(RESOURCES[resource].kind, list.items, { ...table, resourceVersion: list.metadata.resourceVersion });
  }

  async read(ctx: Context, resource: Resource, namespace: string, name: string): Promise<void> {
    const table = tableOptions(ctx);
    if (!table) {
      this.registry.answer(ctx, await this.registry.ask({ op: 'get', resource, namespace, name, version: 'v1' }));
      return;
    }
    const obj = await this.get(resource, namespace, name);
    ctx.body = toTable(RESOURCES[resource].kind, [obj], { ...table, resourceVersion: String((obj.metadata as { resourceVersion: string }).resourceVersion) });
  }

  async create(ctx: Context, resource: Resource, namespace: string): Promise<void> {
    const object = this.decode(ctx, resource, await readBody(ctx.req), namespace, true);
    admit(ctx, object);
    this.registry.answer(ctx, await this.registry.ask({ op: 'create', resource, object, version: 'v1', dryRun: isDryRun(ctx) }));
  }

  async replace(ctx: Context, resource: Resource, namespace: string, name: string): Promise<void> {
    const object = this.decode(ctx, resource, await readBody(ctx.req), namespace, false);
    sameName(object, name);
    admit(ctx, object);
    this.registry.answer(ctx, await this.registry.ask({ op: 'update', resource, object, version: 'v1', dryRun: isDryRun(ctx) }));
  }

  /** Applies a patch to the current object and writes the result; retried when another write came between. */
  async patch(ctx: Context, resource: Resource, namespace: string, name: string): Promise<void> {
    const { type, patch } = await readPatch(ctx.req);
    const kind = RESOURCES[resource].kind;
    for (let attempt = 1; ; attempt++) {
      const current = await this.get(resource, namespace, name);
      const patched = applyPatch(type, current, patch, kind) as Record<string, unknown>;
      const object = this.decode(ctx, resource, patched, namespace, false);
      sameName(object, name);
      // A resourceVersion the client put in its patch is a precondition; otherwise the one read.
      const pinned = hasResourceVersion(patch);
      if (!pinned) object.metadata.resourceVersion = Number((current.metadata as { resourceVersion: string }).resourceVersion);
      admit(ctx, object);
      const reply = await this.registry.ask({ op: 'update', resource, object, version: 'v1', dryRun: isDryRun(ctx) });
      if (!reply.ok && reply.error.reason === 'Conflict' && !pinned && attempt < PATCH_ATTEMPTS) continue;
      this.registry.answer(ctx, reply);
      return;
    }
  }

  /** PUT of the `status` subresource: the body's status replaces the object's (its resourceVersion, when given, must be current). */
  async replaceStatus(ctx: Context, resource: Resource, namespace: string, name: string): Promise<void> {
    const object = this.decode(ctx, resource, await readBody(ctx.req), namespace, false);
    sameName(object, name);
    // Only a node's write is judged against the object it replaces (NodeRestriction: the pod's node): read it for nodes only.
    const user = ctx.state.user as UserInfo | undefined;
    const current = user && nodeNameOf(user) !== undefined ? this.decode(ctx, resource, await this.get(resource, namespace, name), namespace, false) : undefined;
    this.registry.answer(ctx, await this.writeStatus(ctx, resource, object, current, object.metadata.resourceVersion));
  }

  /** PATCH of the `status` subresource (the kubelet's way): applied to the current object, its status written; retried as `patch`. */
  async patchStatus(ctx: Context, resource: Resource, namespace: string, name: string): Promise<void> {
    const { type, patch } = await readPatch(ctx.req);
    const kind = RESOURCES[resource].kind;
    const pinned = hasResourceVersion(patch);
    for (let attempt = 1; ; attempt++) {
      const wire = await this.get(resource, namespace, name);
      const current = this.decode(ctx, resource, wire, namespace, false);
      const object = this.decode(ctx, resource, applyPatch(type, wire, patch, kind), namespace, false);
      sameName(object, name);
      const reply = await this.writeStatus(ctx, resource, object, current, pinned ? object.metadata.resourceVersion : current.metadata.resourceVersion);
      if (!reply.ok && reply.error.reason === 'Conflict' && !pinned && attempt < PATCH_ATTEMPTS) continue;
      this.registry.answer(ctx, reply);
      return;
    }
  }

  /** Writes `object`'s status over `current`'s, after admission (a node writes only the status of its own pods). */
  private writeStatus(ctx: Context, resource: Resource, object: ApiObject, current: ApiObject | undefined, resourceVersion: number): Promise<RegistryReply> {
    if (!('status' in object)) throw notFound('path', ctx.path);
    admit(ctx, object, current);
    const { namespace, name, uid } = object.metadata;
    return this.registry.ask({ op: 'setStatus', resource, namespace, name, uid: uid || undefined, resourceVersion, status: object.status, version: 'v1', dryRun: isDryRun(ctx) });
  }

  async remove(ctx: Context, resource: Resource, namespace: string, name: string): Promise<void> {
    this.registry.answer(ctx, await this.registry.ask({ op: 'delete', resource, namespace, name, version: 'v1' }));
  }

  /**
   * Reads a controller's Scale, changes it with `change`, writes the replicas back; answers the new
   * Scale. `pinned`: the client named a resourceVersion (a precondition, so a conflict is not retried).
   */
  async scale(ctx: Context, namespace: string, name: string, change: (scale: Record<string, unknown>) => unknown, pinned: boolean): Promise<Record<string, unknown>> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.get('replicationcontrollers', namespace, name);
      const scale = scaleOf(current);
      const wanted = change(scale) as { spec?: { replicas?: unknown }; metadata?: { resourceVersion?: unknown } };
      const replicas = wanted?.spec?.replicas ?? 0;
      if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
        throw invalid('Scale', name, [{ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, field: 'spec.replicas' }]);
      }
      const rc = this.decode(ctx, 'replicationcontrollers', current, namespace, false) as ReplicationController;
      rc.spec.replicas = replicas;
      rc.metadata.resourceVersion = Number(pinned ? wanted.metadata!.resourceVersion : (current.metadata as { resourceVersion: string }).resourceVersion);
      const reply = await this.registry.ask({ op: 'update', resource: 'replicationcontrollers', object: rc, version: 'v1', dryRun: isDryRun(ctx) });
      if (!reply.ok && reply.error.reason === 'Conflict' && !pinned && attempt < PATCH_ATTEMPTS) continue;
      if (!reply.ok) throw new StatusError(reply.error);
      return scaleOf(JSON.parse(typeof reply.body === 'string' ? reply.body : Buffer.from(reply.body).toString()));
    }
  }

  /**
   * Decodes a v1 body. `fieldValidation=Strict` (kubectl's default) rejects unknown fields; `Warn`
   * (the default without it) and everything dropped come back as Warning headers. The registry
   * validates what it is asked to write.
   */
  private decode(ctx: Context, resource: Resource, body: unknown, namespace: string, create: boolean): ApiObject {
    const mode = typeof ctx.query.fieldValidation === 'string' ? ctx.query.fieldValidation : 'Warn';
    if (!['Strict', 'Warn', 'Ignore'].includes(mode)) throw badRequest(`fieldValidation must be one of Strict, Warn or Ignore, not "${mode}"`);
    const inBody = (body as { metadata?: { namespace?: unknown } } | null)?.metadata?.namespace;
    if (RESOURCES[resource].namespaced && typeof inBody === 'string' && inBody && inBody !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const { object, warnings } = decodeV1(resource, body, { namespace, generateName: create, strict: mode === 'Strict' });
    if (mode !== 'Ignore') for (const w of warnings) ctx.append('Warning', `299 - ${JSON.stringify(w)}`);
    return object;
  }
}

/** A controller's `autoscaling/v1` Scale. */
function scaleOf(rc: Record<string, unknown>): Record<string, unknown> {
  const meta = rc.metadata as Record<string, unknown>;
  const spec = rc.spec as { replicas?: number; selector?: Record<string, string> };
  const status = rc.status as { replicas?: number } | undefined;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: meta.name, namespace: meta.namespace, uid: meta.uid, resourceVersion: meta.resourceVersion, creationTimestamp: meta.creationTimestamp },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status?.replicas ?? 0, selector: Object.entries(spec.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',') },
  };
}

function applyPatch(type: 'merge' | 'strategic' | 'json', target: unknown, patch: unknown, kind: string): unknown {
  switch (type) {
    case 'merge':
      return applyMergePatch(target, patch);
    case 'json':
      return applyJsonPatch(target, patch);
    case 'strategic':
      return applyStrategicMergePatch(target, patch, kind);
  }
}

function hasResourceVersion(patch: unknown): boolean {
  const rv = (patch as { metadata?: { resourceVersion?: unknown } } | null)?.metadata?.resourceVersion;
  return typeof rv === 'string' && rv !== '';
}

function sameName(object: ApiObject, name: string): void {
  if (!object.metadata.name) object.metadata.name = name;
  if (object.metadata.name !== name) throw badRequest(`the name of the object (${object.metadata.name}) does not match the name on the URL (${name})`);
}

/** How a Table was asked for (`Accept: application/json;as=Table;...`), or undefined for plain JSON. */
function tableOptions(ctx: Context): { now: number; includeObject: IncludeObject } | undefined {
  if (!/\bas=Table\b/.test(ctx.get('Accept'))) return undefined;
  return { now: Date.now(), includeObject: parseIncludeObject(ctx.query.includeObject) };
}

function isTrue(value: unknown): boolean {
  return value === 'true' || value === '1';
}

function isDryRun(ctx: Context): boolean {
  const dry = ctx.query.dryRun;
  if (dry === undefined) return false;
  if (dry !== 'All') throw badRequest(`dryRun must be All, not "${String(dry)}"`);
  return true;
}

/** The resource a path segment names in a group version (another group's is not found there). */
function resourceOf(gv: GroupVersion, segment: string): Resource {
  const info: ResourceInfo | undefined = Object.hasOwn(RESOURCES, segment) ? RESOURCES[segment as Resource] : undefined;
  if (!info || info.group !== gv.group || info.version !== gv.version) throw notFound('path', `${apiPathOf(gv)}/${segment}`);
  return info.resource;
}

/** The resource of a path whose scope (in a namespace, or cluster-wide) must be the resource's. */
function scopedOf(ctx: Context, gv: GroupVersion, namespaced: boolean): Resource {
  const resource = resourceOf(gv, ctx.params.resource!);
  if (RESOURCES[resource].namespaced !== namespaced) throw notFound('path', ctx.path);
  return resource;
}

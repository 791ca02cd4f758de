/**
 * The REST gateway: a Koa app on the main thread that turns each API call into a message to the
 * registry actor (with a deadline) and answers with what the registry committed. Bodies are
 * decoded, converted to the internal model and validated here, so only valid objects reach the
 * registry; every error leaves as a Kubernetes Status.
 */
import { randomUUID } from 'node:crypto';
import Koa, { type Context } from 'koa';
import Router from '@koa/router';
import { AskTimeoutError, ShardCrashedError, type ActorRef, type ActorSystem } from '../kernel/index.js';
import { WATCH_GONE_LINE, type ApiVersion, type Filter, type RegistryReply, type RegistryRequest } from '../../actors/registry.js';
import { readBody } from './body.js';
import type { Metrics } from './metrics.js';
import { RESOURCES, V1BETA1_PATHS, type Resource } from './resources.js';
import { parseFieldSelector, parseLabelSelector, SelectorError } from './selector.js';
import { badRequest, internalError, invalid, notFound, renderStatus, StatusError } from './status.js';
import { decodeV1beta1, v1beta1Path } from './v1beta1.js';
import { validate } from './validation.js';

/** What the gateway needs. */
export interface GatewayOptions {
  system: ActorSystem;
  registry: ActorRef;
  /** The deadline of a call to the registry (default 30 s). */
  timeoutMs?: number;
  metrics?: Metrics;
  /** Reports readiness for /readyz (default: always ready). */
  ready?: () => boolean;
  /** Reads a container's output (a cluster provides it; without one, logs are 404). */
  logs?: (query: LogQuery) => Promise<string>;
}

/** What `GET .../pods/{name}/log` asks for. */
export interface LogQuery {
  namespace: string;
  name: string;
  /** Needed when the pod has several containers. */
  container?: string;
  /** Only the last lines. */
  tailLines?: number;
}

/** The version the server reports at /version. */
export const SERVER_VERSION = {
  major: '0',
  minor: '5',
  gitVersion: 'v0.5.0-helmsman',
  gitCommit: '',
  gitTreeState: 'clean',
  platform: `${process.platform}/${process.arch}`,
};

/** Builds the Koa app. */
export function createGateway(opts: GatewayOptions): Koa {
  const app = new Koa();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  app.use(errorsAsStatus);
  if (opts.metrics) app.use(opts.metrics.middleware());

  const ask = async (msg: RegistryRequest): Promise<RegistryReply> => {
    try {
      return await opts.system.ask<RegistryReply>(opts.registry, msg, timeoutMs);
    } catch (err) {
      if (err instanceof AskTimeoutError) throw new StatusError({ code: 504, reason: 'Timeout', message: `the registry did not answer within ${timeoutMs} ms` });
      if (err instanceof ShardCrashedError) throw new StatusError({ code: 503, reason: 'ServiceUnavailable', message: `the registry is restarting: ${err.message}` });
      throw err;
    }
  };
  const answer = (ctx: Context, reply: RegistryReply): void => {
    if (!reply.ok) throw new StatusError(reply.error);
    ctx.status = reply.code;
    ctx.type = 'application/json';
    // A list arrives as bytes in shared memory: view them as a Buffer, no copy.
    const body = typeof reply.body === 'string' ? reply.body : Buffer.from(reply.body);
    ctx.body = 'pretty' in ctx.query && ctx.query.pretty !== 'false' ? JSON.stringify(JSON.parse(body.toString()), null, 2) : body;
  };

  // A shard that dies takes the registry's watchers with it: end the watch streams that relied on it.
  const watchEnders = new Set<() => void>();
  opts.system.on('shardExit', ({ slot }: { slot: number }) => {
    if (slot === opts.registry.slot) for (const end of [...watchEnders]) end();
  });

  const router = new Router();
  router.get('/healthz', (ctx) => (ctx.body = 'ok'));
  router.get('/livez', (ctx) => (ctx.body = 'ok'));
  router.get('/readyz', (ctx) => {
    const ready = opts.ready?.() ?? true;
    ctx.status = ready ? 200 : 503;
    ctx.body = ready ? 'ok' : 'not ready';
  });
  router.get('/version', (ctx) => (ctx.body = SERVER_VERSION));
  router.get('/api', (ctx) => (ctx.body = { versions: ['v1beta1'] }));
  if (opts.metrics) {
    const metrics = opts.metrics;
    router.get('/metrics', async (ctx) => {
      ctx.type = metrics.contentType;
      ctx.body = await metrics.render();
    });
  }

  const v1beta1 = new Router({ prefix: '/api/v1beta1' });
  v1beta1.get('/watch/:resource', async (ctx) => {
    const resource = resourceOf(ctx.params.resource!);
    const unwatch = (id: string): void => {
      // A stream that ends because the server is stopping has nobody left to tell.
      if (!opts.system.stopped) opts.system.send(opts.registry, { op: 'unwatch', id });
    };
    await watch(ctx, opts.system, ask, unwatch, watchEnders, resource, filterOf(ctx, resource), revisionOf(ctx.query.resourceVersion));
  });
  v1beta1.get('/:resource', async (ctx) => {
    const resource = resourceOf(ctx.params.resource!);
    answer(ctx, await ask({ op: 'list', resource, filter: filterOf(ctx, resource), version: 'v1beta1' }));
  });
  v1beta1.post('/:resource', async (ctx) => {
    const resource = resourceOf(ctx.params.resource!);
    const object = decodeAndValidate(resource, await readBody(ctx.req), namespaceOf(ctx), true);
    answer(ctx, await ask({ op: 'create', resource, object, version: 'v1beta1' }));
  });
  v1beta1.get('/:resource/:name', async (ctx) => {
    const resource = resourceOf(ctx.params.resource!);
    answer(ctx, await ask({ op: 'get', resource, namespace: namespaceOf(ctx), name: ctx.params.name!, version: 'v1beta1' }));
  });
  v1beta1.put('/:resource/:name', async (ctx) => {
    const resource = resourceOf(ctx.params.resource!);
    const object = decodeAndValidate(resource, await readBody(ctx.req), namespaceOf(ctx), false);
    const name = ctx.params.name!;
    if (!object.metadata.name) object.metadata.name = name;
    if (object.metadata.name !== name) {
      throw badRequest(`the name of the object (${object.metadata.name}) does not match the name in the URL (${name})`);
    }
    answer(ctx, await ask({ op: 'update', resource, object, version: 'v1beta1' }));
  });
  v1beta1.get('/pods/:name/log', async (ctx) => {
    if (!opts.logs) throw notFound('path', ctx.path);
    const tail = ctx.query.tailLines;
    let tailLines: number | undefined;
    if (tail !== undefined) {
      tailLines = Number(tail);
      if (typeof tail !== 'string' || !Number.isSafeInteger(tailLines) || tailLines < 0) throw badRequest(`invalid tailLines: ${String(tail)}`);
    }
    const container = typeof ctx.query.container === 'string' ? ctx.query.container : undefined;
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = await opts.logs({ namespace: namespaceOf(ctx), name: ctx.params.name!, container, tailLines });
  });

  v1beta1.delete('/:resource/:name', async (ctx) => {
    const resource = resourceOf(ctx.params.resource!);
    answer(ctx, await ask({ op: 'delete', resource, namespace: namespaceOf(ctx), name: ctx.params.name!, version: 'v1beta1' }));
  });

  app.use(router.routes());
  app.use(v1beta1.routes());
  app.use(v1beta1.allowedMethods({ throw: true }));
  app.use((ctx) => {
    throw notFound('path', ctx.path);
  });
  // Koa logs errors it sees; ours are all answered as Status, so keep its console quiet.
  app.silent = true;
  return app;
}

/** Turns anything thrown into a Status answer; a non-StatusError is a 500 and nothing more. */
async function errorsAsStatus(ctx: Context, next: () => Promise<unknown>): Promise<void> {
  try {
    await next();
  } catch (err) {
    const e = toStatusError(err);
    ctx.status = e.info.code;
    ctx.type = 'application/json';
    ctx.body = renderStatus(e.info, 'v1beta1');
  }
}

function toStatusError(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  if (err instanceof SelectorError) return badRequest(err.message);
  const status = (err as { status?: number }).status;
  // @koa/router's allowedMethods throws 405 for a known path, 501 for an unknown method: both are 405 here.
  if (status === 405 || status === 501) return new StatusError({ code: 405, reason: 'MethodNotAllowed', message: (err as Error).message });
  return internalError(err instanceof Error ? err.message : String(err));
}

function resourceOf(segment: string): Resource {
  const resource = V1BETA1_PATHS[segment];
  if (!resource) throw notFound('resource', segment);
  return resource;
}

function namespaceOf(ctx: Context): string {
  const ns = ctx.query.namespace;
  return typeof ns === 'string' && ns ? ns : 'default';
}

function filterOf(ctx: Context, resource: Resource): Filter {
  const filter: Filter = {};
  const ns = ctx.query.namespace;
  if (typeof ns === 'string' && ns && RESOURCES[resource].namespaced) filter.namespace = ns;
  const labels = ctx.query.labels ?? ctx.query.labelSelector;
  if (typeof labels === 'string' && labels.trim()) filter.labels = parseLabelSelector(labels);
  const fields = ctx.query.fields ?? ctx.query.fieldSelector;
  if (typeof fields === 'string' && fields.trim()) {
    filter.fields = parseFieldSelector(fields);
    const known = RESOURCES[resource].fields;
    for (const r of filter.fields.requirements) {
      if (!known[r.field]) throw badRequest(`field label not supported: ${r.field}`);
    }
  }
  return filter;
}

function revisionOf(value: unknown): number {
  if (value === undefined || value === '') return 0;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw badRequest(`invalid resourceVersion: ${String(value)}`);
  return n;
}

function decodeAndValidate(resource: Resource, body: unknown, namespace: string, create: boolean) {
  const object = decodeV1beta1(resource, body, { namespace, generateName: create });
  const causes = validate(object).map((c) => ({ ...c, field: v1beta1Path(resource, c.field) }));
  if (causes.length) throw invalid(RESOURCES[resource].v1beta1.kind, object.metadata.name, causes);
  return object;
}

/** Streams newline-delimited watch events until the client goes away. */
async function watch(
  ctx: Context,
  system: ActorSystem,
  ask: (msg: RegistryRequest) => Promise<RegistryReply>,
  unwatch: (id: string) => void,
  onRegistryLost: Set<() => void>,
  resource: Resource,
  filter: Filter,
  fromRevision: number,
): Promise<void> {
  const id = randomUUID();
  const res = ctx.res;
  let open = true;
  // Events can arrive with the registry's answer, before the headers are out: hold them until then.
  let early: string[] | undefined = [];
  let end: () => void = () => {};
  const inbox = system.inbox<string>((line) => {
    if (early) early.push(line);
    else if (open) {
      res.write(`${line}\n`);
      if (line === WATCH_GONE_LINE) end();
    }
  });
  const reply = await ask({ op: 'watch', id, resource, filter, fromRevision, version: 'v1beta1' as ApiVersion, inbox: inbox.ref }).catch((err) => {
    inbox.close();
    throw err;
  });
  if (!reply.ok) {
    inbox.close();
    throw new StatusError(reply.error);
  }
  ctx.respond = false;
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' });
  res.flushHeaders();
  await new Promise<void>((resolve) => {
    const finish = (): void => {
      if (!open) return;
      open = false;
      inbox.close();
      unwatch(id);
      onRegistryLost.delete(lost);
      resolve();
    };
    end = () => {
      finish();
      res.end();
    };
    // The registry's shard died: its watchers died with it. Say so (410, as for an expired watch) and end.
    const lost = (): void => {
      if (!open) return;
      res.write(`${WATCH_GONE_LINE}\n`);
      end();
    };
    ctx.req.on('close', finish);
    res.on('close', finish);
    onRegistryLost.add(lost);
    for (const line of early!) {
      if (!open) break;
      res.write(`${line}\n`);
      if (line === WATCH_GONE_LINE) end();
    }
    early = undefined;
  });
}

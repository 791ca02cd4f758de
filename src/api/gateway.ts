/**
 * The REST gateway: a Koa app on the main thread that turns each API call into a message to the
 * registry actor (with a deadline) and answers with what the registry committed. The seed's API
 * (`/api/v1beta1`, routes-v1beta1.ts) and kubectl's (`/api/v1`, routes-v1.ts) share the registry
 * and its objects; discovery documents are in discovery.ts. Every error leaves as a Status.
 */
import Koa, { type Context } from 'koa';
import Router from '@koa/router';
import type { ActorRef, ActorSystem } from '../kernel/index.js';
import { accessMiddleware, type AccessControl } from '../auth/access.js';
import { discoveryRoutes } from './discovery.js';
import { inflightLimits, type InflightLimits } from './inflight.js';
import type { Metrics } from './metrics.js';
import { RegistryClient } from './registry-client.js';
import { v1Routes } from './routes-v1.js';
import { v1beta1Routes } from './routes-v1beta1.js';
import { SelectorError } from './selector.js';
import { badRequest, internalError, notFound, renderStatus, StatusError } from './status.js';
import { CSR_PATH, csrHandler, type NodeCsrSigner } from '../auth/bootstrap.js';
import { ActorMonitor, parseActorQuery, renderActorsText } from '../debug/actors.js';
import { uiAssets } from '../ui/serve.js';
import { multiplexRoutes } from './watch-multiplex.js';

/** What the gateway needs. */
export interface GatewayOptions {
  system: ActorSystem;
  registry: ActorRef;
  /** The registry of events, when they are kept apart (src/registry/routing.ts). */
  events?: ActorRef;
  /** The deadline of a call to the registry (default 30 s). */
  timeoutMs?: number;
  metrics?: Metrics;
  /** Reports readiness for /readyz (default: always ready). */
  ready?: () => boolean;
  /** Reads a container's output (a cluster provides it; without one, logs are 404). */
  logs?: LogReader;
  /** Authentication and authorization; without it every request is served with every right. */
  access?: AccessControl;
  /** kube-apiserver's in-flight limits (default 400 reads and 200 writes at once). */
  limits?: InflightLimits;
  /** Signs nodes' client certificates (TLS bootstrapping, src/auth/bootstrap.ts); without it, nodes cannot ask. */
  csrSigner?: NodeCsrSigner;
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

/** Reads a container's output. */
export type LogReader = (query: LogQuery) => Promise<string>;

/** The version the server reports at /version. */
export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-helmsman',
  gitCommit: '',
  gitTreeState: 'clean',
  buildDate: '2026-11-27T00:00:00Z',
  goVersion: 'none (Node.js)',
  compiler: 'tsc',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

/** Builds the Koa app. */
export function createGateway(opts: GatewayOptions): Koa {
  const app = new Koa();
  const registry = new RegistryClient(opts.system, { main: opts.registry, events: opts.events }, opts.timeoutMs ?? 30_000);
  opts.metrics?.countWatches(() => registry.openWatches);
  // Outside the error handler: a request that failed is counted with the code of its Status.
  if (opts.metrics) app.use(opts.metrics.middleware());
  app.use(errorsAsStatus);
  // The dashboard's files hold no cluster data: served to anyone, before access control (the page then asks for a token).
  app.use(uiAssets());
  app.use(inflightLimits(opts.limits));
  if (opts.access) app.use(accessMiddleware(opts.access));

  const router = new Router();
  router.get('/healthz', (ctx) => (ctx.body = 'ok'));
  router.get('/livez', (ctx) => (ctx.body = 'ok'));
  router.get('/readyz', (ctx) => {
    const ready = opts.ready?.() ?? true;
    ctx.status = ready ? 200 : 503;
    ctx.body = ready ? 'ok' : 'not ready';
  });
  router.get('/version', (ctx) => (ctx.body = SERVER_VERSION));
  if (opts.csrSigner) router.post(CSR_PATH, csrHandler(opts.csrSigner));
  if (opts.metrics) {
    const metrics = opts.metrics;
    router.get('/metrics', async (ctx) => {
      ctx.type = metrics.contentType;
      ctx.body = await metrics.render();
    });
  }

  // The actor system (src/debug/actors.ts); a non-resource path, so only those who may read everything see it.
  const monitor = new ActorMonitor(opts.system);
  router.get('/debug/actors', async (ctx) => {
    const format = ctx.query.format;
    if (format !== undefined && format !== 'json' && format !== 'text') throw badRequest(`format: Unsupported value: "${String(format)}": supported values: "json", "text"`);
    const doc = await monitor.read(parseActorQuery(ctx.query));
    if (format === 'text') {
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = renderActorsText(doc);
    } else ctx.body = doc;
  });

  const v1beta1 = v1beta1Routes(registry, opts.logs);
  const v1 = v1Routes(registry, opts.logs);
  for (const r of [router, discoveryRoutes(), v1beta1, v1, multiplexRoutes(registry, opts.access?.authorize)]) app.use(r.routes());
  app.use(v1beta1.allowedMethods({ throw: true }));
  app.use(v1.allowedMethods({ throw: true }));
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
    ctx.body = renderStatus(e.info, ctx.path.startsWith('/api/v1beta1') ? 'v1beta1' : 'v1');
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

/**
 * The seed's API, `/api/v1beta1` (kubecfg): objects by id, the namespace in `?namespace=`, watches
 * under `/watch/`. Bodies are decoded and converted to the internal model here; the registry
 * validates them.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { admit } from '../auth/access.js';
import { readBody } from './body.js';
import type { LogReader } from './gateway.js';
import { logQueryOf, filterOf, revisionOf } from './query.js';
import type { RegistryClient } from './registry-client.js';
import { V1BETA1_PATHS, type V1beta1Resource } from './resources.js';
import { badRequest, notFound } from './status.js';
import { decodeV1beta1 } from './v1beta1.js';

/** The v1beta1 router. */
export function v1beta1Routes(registry: RegistryClient, logs: LogReader | undefined): Router {
  const router = new Router({ prefix: '/api/v1beta1' });
  router.get('/watch/:resource', async (ctx) => {
    const resource = resourceOf(ctx.params.resource!);
    await registry.watch(ctx, { resource, filter: filterOf(ctx, resource, queryNamespace(ctx)), fromRevision: revisionOf(ctx.query.resourceVersion), version: 'v1beta1' });
  });
  router.get('/:resource', async (ctx) => {
    const resource = resourceOf(ctx.params.resource!);
    revisionOf(ctx.query.resourceVersion);
    registry.answer(ctx, await registry.ask({ op: 'list', resource, filter: filterOf(ctx, resource, queryNamespace(ctx)), version: 'v1beta1' }));
  });
  router.post('/:resource', async (ctx) => {
    const resource = resourceOf(ctx.params.resource!);
    const object = decodeV1beta1(resource, await readBody(ctx.req), { namespace: namespaceOf(ctx), generateName: true });
    admit(ctx, object);
    registry.answer(ctx, await registry.ask({ op: 'create', resource, object, version: 'v1beta1' }));
  });
  router.get('/:resource/:name', async (ctx) => {
    const resource = resourceOf(ctx.params.resource!);
    registry.answer(ctx, await registry.ask({ op: 'get', resource, namespace: namespaceOf(ctx), name: ctx.params.name!, version: 'v1beta1' }));
  });
  router.put('/:resource/:name', async (ctx) => {
    const resource = resourceOf(ctx.params.resource!);
    const object = decodeV1beta1(resource, await readBody(ctx.req), { namespace: namespaceOf(ctx), generateName: false });
    const name = ctx.params.name!;
    if (!object.metadata.name) object.metadata.name = name;
    if (object.metadata.name !== name) {
      throw badRequest(`the name of the object (${object.metadata.name}) does not match the name in the URL (${name})`);
    }
    admit(ctx, object);
    registry.answer(ctx, await registry.ask({ op: 'update', resource, object, version: 'v1beta1' }));
  });
  router.get('/pods/:name/log', async (ctx) => {
    if (!logs) throw notFound('path', ctx.path);
    const query = logQueryOf(ctx, namespaceOf(ctx), ctx.params.name!);
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = await logs(query);
  });
  router.delete('/:resource/:name', async (ctx) => {
    const resource = resourceOf(ctx.params.resource!);
    registry.answer(ctx, await registry.ask({ op: 'delete', resource, namespace: namespaceOf(ctx), name: ctx.params.name!, version: 'v1beta1' }));
  });
  return router;
}

function resourceOf(segment: string): V1beta1Resource {
  const resource = V1BETA1_PATHS[segment];
  if (!resource) throw notFound('resource', segment);
  return resource;
}

/** `?namespace=` when given (a list or watch across namespaces otherwise). */
function queryNamespace(ctx: Context): string | undefined {
  const ns = ctx.query.namespace;
  return typeof ns === 'string' && ns ? ns : undefined;
}

/** The namespace of a single-object request (`default` when not given). */
function namespaceOf(ctx: Context): string {
  return queryNamespace(ctx) ?? 'default';
}



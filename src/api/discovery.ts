/**
 * What clients read before they call: `/api` (the core group's versions), `/apis` (no other
 * groups), `/api/v1` (each resource's verbs, short names and categories) and the OpenAPI v3
 * documents kubectl reads to learn that the server validates fields itself (`fieldValidation` on
 * every PATCH), so `kubectl create/apply` need no `--validate=false`. v1beta1 stays at
 * `/api/v1beta1` for kubecfg but is not advertised: kubectl cannot read its shapes.
 */
import { createHash } from 'node:crypto';
import Router from '@koa/router';
import { RESOURCES, type Resource } from './resources.js';

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

/** kubectl's names for each resource (`kubectl get po`), and the resources `kubectl get all` shows. */
const SHORT_NAMES: Record<Resource, string[]> = {
  pods: ['po'],
  replicationcontrollers: ['rc'],
  services: ['svc'],
  nodes: ['no'],
  endpoints: ['ep'],
  events: ['ev'],
  namespaces: ['ns'],
};
const IN_ALL = new Set<Resource>(['pods', 'replicationcontrollers', 'services']);

/** The `/api/v1` APIResourceList. */
export function v1ResourceList(): Record<string, unknown> {
  const resources: Record<string, unknown>[] = [];
  for (const info of Object.values(RESOURCES)) {
    resources.push({
      name: info.resource,
      singularName: info.kind.toLowerCase(),
      namespaced: info.namespaced,
      kind: info.kind,
      verbs: VERBS,
      shortNames: SHORT_NAMES[info.resource],
      ...(IN_ALL.has(info.resource) ? { categories: ['all'] } : {}),
    });
  }
  resources.push(
    { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
    { name: 'replicationcontrollers/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] },
  );
  return { kind: 'APIResourceList', groupVersion: 'v1', resources };
}

/**
 * The OpenAPI v3 document of `api/v1`, reduced to what clients read from it: one PATCH operation
 * per kind with its group-version-kind and the `fieldValidation` parameter.
 */
function openApiV1(): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const info of Object.values(RESOURCES)) {
    const base = info.namespaced ? `/api/v1/namespaces/{namespace}/${info.resource}/{name}` : `/api/v1/${info.resource}/{name}`;
    paths[base] = {
      patch: {
        operationId: `patchCoreV1${info.namespaced ? 'Namespaced' : ''}${info.kind}`,
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: '', version: 'v1', kind: info.kind },
        parameters: ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } })),
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'helmsman', version: 'v1.32.0' }, paths };
}

/** The discovery routes. */
export function discoveryRoutes(): Router {
  const router = new Router();
  const v1 = JSON.stringify(v1ResourceList());
  const openapi = JSON.stringify(openApiV1());
  const hash = createHash('sha512').update(openapi).digest('hex').slice(0, 128).toUpperCase();
  router.get('/api', (ctx) => {
    ctx.body = { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: ctx.host }] };
  });
  router.get('/apis', (ctx) => (ctx.body = { kind: 'APIGroupList', apiVersion: 'v1', groups: [] }));
  router.get('/api/v1', (ctx) => {
    ctx.type = 'application/json';
    ctx.body = v1;
  });
  router.get('/openapi/v3', (ctx) => (ctx.body = { paths: { 'api/v1': { serverRelativeURL: `/openapi/v3/api/v1?hash=${hash}` } } }));
  router.get('/openapi/v3/api/v1', (ctx) => {
    ctx.type = 'application/json';
    ctx.set('ETag', `"${hash}"`);
    ctx.body = openapi;
  });
  return router;
}

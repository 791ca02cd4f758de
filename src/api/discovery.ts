/**
 * What clients read before they call: `/api` (the core group's versions), `/apis` (the other
 * groups: coordination.k8s.io), each group version's APIResourceList (`/api/v1`,
 * `/apis/coordination.k8s.io/v1`: each resource's verbs, short names and categories) and the
 * OpenAPI v3 documents kubectl reads to learn that the server validates fields itself
 * (`fieldValidation` on every PATCH), so `kubectl create/apply` need no `--validate=false`. v1beta1
 * stays at `/api/v1beta1` for kubecfg but is not advertised: kubectl cannot read its shapes.
 */
import { createHash } from 'node:crypto';
import Router from '@koa/router';
import { apiPathOf, apiVersionOf, GROUP_VERSIONS, type GroupVersion, type Resource, type ResourceInfo, type ServedGroupVersion } from './resources.js';

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

/** kubectl's names for each resource (`kubectl get po`; Kubernetes gives leases none), and the resources `kubectl get all` shows. */
const SHORT_NAMES: Record<Resource, string[]> = {
  pods: ['po'],
  replicationcontrollers: ['rc'],
  services: ['svc'],
  nodes: ['no'],
  endpoints: ['ep'],
  events: ['ev'],
  namespaces: ['ns'],
  leases: [],
};
const IN_ALL = new Set<Resource>(['pods', 'replicationcontrollers', 'services']);

/** The subresources served beside a resource, as its group version's APIResourceList names them. */
const SUBRESOURCES: Partial<Record<Resource, Record<string, unknown>[]>> = {
  pods: [{ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] }],
  replicationcontrollers: [
    { name: 'replicationcontrollers/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] },
  ],
};

/** A group version's APIResourceList (`/api/v1`, `/apis/coordination.k8s.io/v1`). */
function resourceList(gv: ServedGroupVersion): Record<string, unknown> {
  const resources: Record<string, unknown>[] = [];
  for (const info of gv.resources) {
    const shortNames = SHORT_NAMES[info.resource];
    resources.push({
      name: info.resource,
      singularName: info.kind.toLowerCase(),
      namespaced: info.namespaced,
      kind: info.kind,
      verbs: VERBS,
      ...(shortNames.length ? { shortNames } : {}),
      ...(IN_ALL.has(info.resource) ? { categories: ['all'] } : {}),
    });
  }
  for (const info of gv.resources) resources.push(...(SUBRESOURCES[info.resource] ?? []));
  // kube-apiserver's core list has no apiVersion (it predates one); the groups' lists have it.
  return { kind: 'APIResourceList', ...(gv.group ? { apiVersion: 'v1' } : {}), groupVersion: apiVersionOf(gv), resources };
}

/** An API group's APIGroup (`/apis/{group}`, and each entry of `/apis`): its versions, the first preferred. */
function apiGroup(name: string): Record<string, unknown> {
  const versions = GROUP_VERSIONS.filter((gv) => gv.group === name).map((gv) => ({ groupVersion: apiVersionOf(gv), version: gv.version }));
  return { name, versions, preferredVersion: versions[0] };
}

/** `patchCoreV1NamespacedPod`, `patchCoordinationV1NamespacedLease`: Kubernetes' operation ids. */
function operationId(gv: GroupVersion, info: ResourceInfo): string {
  const group = gv.group ? gv.group.replace(/\.k8s\.io$/, '').split('.') : ['core'];
  const capital = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
  return `patch${group.map(capital).join('')}${capital(gv.version)}${info.namespaced ? 'Namespaced' : ''}${info.kind}`;
}

/**
 * The OpenAPI v3 document of a group version (`api/v1`, `apis/coordination.k8s.io/v1`), reduced to
 * what clients read from it: one PATCH operation per kind with its group-version-kind and the
 * `fieldValidation` parameter.
 */
function openApi(gv: ServedGroupVersion): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  const base = apiPathOf(gv);
  for (const info of gv.resources) {
    const path = info.namespaced ? `${base}/namespaces/{namespace}/${info.resource}/{name}` : `${base}/${info.resource}/{name}`;
    paths[path] = {
      patch: {
        operationId: operationId(gv, info),
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: gv.group, version: gv.version, kind: info.kind },
        parameters: ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } })),
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'helmsman', version: 'v1.32.0' }, paths };
}

/** The discovery routes. */
export function discoveryRoutes(): Router {
  const router = new Router();
  const groups = [...new Set(GROUP_VERSIONS.map((gv) => gv.group).filter((g) => g))];
  const openApiRoot: Record<string, { serverRelativeURL: string }> = {};
  router.get('/api', (ctx) => {
    ctx.body = { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: ctx.host }] };
  });
  router.get('/apis', (ctx) => (ctx.body = { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(apiGroup) }));
  for (const group of groups) router.get(`/apis/${group}`, (ctx) => (ctx.body = { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group) }));
  for (const gv of GROUP_VERSIONS) {
    const base = apiPathOf(gv);
    const list = JSON.stringify(resourceList(gv));
    const openapi = JSON.stringify(openApi(gv));
    const hash = createHash('sha512').update(openapi).digest('hex').slice(0, 128).toUpperCase();
    openApiRoot[base.slice(1)] = { serverRelativeURL: `/openapi/v3${base}?hash=${hash}` };
    router.get(base, (ctx) => {
      ctx.type = 'application/json';
      ctx.body = list;
    });
    router.get(`/openapi/v3${base}`, (ctx) => {
      ctx.type = 'application/json';
      ctx.set('ETag', `"${hash}"`);
      ctx.body = openapi;
    });
  }
  router.get('/openapi/v3', (ctx) => (ctx.body = { paths: openApiRoot }));
  return router;
}

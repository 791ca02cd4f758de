/**
 * What a request asks to do, as kube-apiserver's RequestInfoResolver reads it from the method and
 * path: a verb (get, list, watch, create, update, patch, delete, deletecollection), and for a
 * resource request its API group, resource, subresource, namespace and name. v1beta1's paths
 * (`/api/v1beta1/minions/x?namespace=`) are read in the same terms (minions are nodes).
 */
import type { Context } from 'koa';
import { V1BETA1_PATHS } from '../api/resources.js';

/** A request's attributes, as authorization sees them. */
export type RequestInfo =
  | { resourceRequest: false; verb: string; path: string }
  | {
      resourceRequest: true;
      verb: string;
      apiGroup: string;
      resource: string;
      subresource: string;
      /** '' for a cluster-scoped resource, or a list across namespaces. */
      namespace: string;
      /** '' for a collection. */
      name: string;
    };

const VERBS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete', GET: 'get', HEAD: 'get' };

/** The attributes of `method` on `path` (without the query) with `query`. */
export function requestInfo(method: string, path: string, query: Record<string, unknown>): RequestInfo {
  const verb = VERBS[method] ?? method.toLowerCase();
  const parts = path.split('/').filter(Boolean);
  const watchParam = query.watch === 'true' || query.watch === '1';
  const collectionVerb = (named: boolean): string => {
    if (named) return verb;
    if (verb === 'get') return watchParam ? 'watch' : 'list';
    return verb === 'delete' ? 'deletecollection' : verb;
  };
  if (parts[0] === 'api' && parts[1] === 'v1beta1' && parts.length >= 3) {
    // /api/v1beta1[/watch]/{resource}[/{name}], the namespace in ?namespace=
    const watching = parts[2] === 'watch';
    const rest = parts.slice(watching ? 3 : 2);
    const resource = V1BETA1_PATHS[rest[0] ?? ''] ?? rest[0] ?? '';
    const name = rest[1] ?? '';
    const namespaced = typeof query.namespace === 'string' && query.namespace !== '' ? query.namespace : name && resource !== 'nodes' ? 'default' : '';
    return {
      resourceRequest: true,
      verb: watching ? 'watch' : collectionVerb(name !== ''),
      apiGroup: '',
      resource,
      subresource: rest[2] ?? '',
      namespace: resource === 'nodes' || resource === 'namespaces' ? '' : namespaced,
      name,
    };
  }
  let rest: string[];
  let apiGroup: string;
  if (parts[0] === 'api' && parts.length >= 3) {
    apiGroup = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    apiGroup = parts[1]!;
    rest = parts.slice(3);
  } else return { resourceRequest: false, verb: verb === 'get' ? 'get' : verb, path };
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length >= 2) {
    namespace = rest[1]!;
    // /namespaces/{ns} is the namespace itself; /namespaces/{ns}/{resource}... is inside it.
    if (rest.length > 2) rest = rest.slice(2);
  }
  const [resource = '', name = '', subresource = ''] = rest;
  return { resourceRequest: true, verb: collectionVerb(name !== ''), apiGroup, resource, subresource, namespace, name };
}

/** A request's attributes, read once per request (access control and metrics both need them). */
export function requestInfoOf(ctx: Context): RequestInfo {
  return ((ctx.state as { requestInfo?: RequestInfo }).requestInfo ??= requestInfo(ctx.method, ctx.path, ctx.query));
}

/**
 * Authorization by group, with Kubernetes' names and messages: `system:masters` may do anything;
 * `helmsman:view` may get, list and watch everything; a node (`system:node:<name>` in
 * `system:nodes`) reads everything and writes only what a kubelet writes — its own Node and Lease,
 * events, and the status of pods (which ones: node-restriction.ts). Everyone may read the public
 * paths (health, version) and, once authenticated, discovery and the dashboard's watch stream
 * (which checks each resource it streams). The rest is 403 Forbidden.
 */
import { StatusError } from '../api/status.js';
import type { RequestInfo } from './request-info.js';
import { AUTHENTICATED, BOOTSTRAPPERS, MASTERS, nodeNameOf, VIEWERS, type UserInfo } from './user.js';

/** Whether `user` may do what `info` asks; the reason is Kubernetes' message when it may not. */
export type Authorize = (user: UserInfo, info: RequestInfo) => StatusError | undefined;

const READ = new Set(['get', 'list', 'watch']);
const PUBLIC_PATHS = ['/healthz', '/livez', '/readyz', '/version'];
const DISCOVERY_PATHS = ['/api', '/apis', '/openapi'];
/** The dashboard's watch stream authorizes each resource it is asked for as a watch of its own (src/api/watch-multiplex.ts). */
const PER_RESOURCE_PATHS = ['/ui/api/watch'];

const under = (path: string, roots: string[]): boolean => roots.some((root) => path === root || path.startsWith(`${root}/`));

/** The group authorizer. */
export const authorizeByGroup: Authorize = (user, info) => (allowed(user, info) ? undefined : forbiddenFor(user, info));

function allowed(user: UserInfo, info: RequestInfo): boolean {
  if (user.groups.includes(MASTERS)) return true;
  if (!info.resourceRequest) {
    if (info.verb !== 'get') return false;
    if (under(info.path, PUBLIC_PATHS)) return true;
    return user.groups.includes(AUTHENTICATED) && (under(info.path, DISCOVERY_PATHS) || PER_RESOURCE_PATHS.includes(info.path) || user.groups.includes(VIEWERS));
  }
  const node = nodeNameOf(user);
  // A node's own client certificate: asked for with a bootstrap token, or renewed by the node.
  if (info.apiGroup === 'certificates.k8s.io' && info.resource === 'certificatesigningrequests' && info.verb === 'create' && (user.groups.includes(BOOTSTRAPPERS) || node !== undefined)) return true;
  if (READ.has(info.verb) && (user.groups.includes(VIEWERS) || node !== undefined)) return true;
  return node !== undefined && nodeMayWrite(node, info);
}

/** What a kubelet writes (Kubernetes' system:node role, narrowed by the Node authorizer). */
function nodeMayWrite(node: string, info: Extract<RequestInfo, { resourceRequest: true }>): boolean {
  const { verb, apiGroup, resource, subresource, namespace, name } = info;
  const write = verb === 'create' || verb === 'update' || verb === 'patch';
  if (apiGroup === '' && resource === 'nodes') return (write || verb === 'delete') && (name === '' ? verb === 'create' : name === node) && (subresource === '' || subresource === 'status');
  if (apiGroup === 'coordination.k8s.io' && resource === 'leases') return namespace === 'kube-node-lease' && (write || verb === 'delete') && (name === '' ? verb === 'create' : name === node);
  if (apiGroup === '' && resource === 'events') return write;
  if (apiGroup === '' && resource === 'pods') return subresource === 'status' && (verb === 'update' || verb === 'patch');
  return false;
}

/** Kubernetes' 403: `pods "x" is forbidden: User "u" cannot get resource "pods" in API group "" in the namespace "default"`. */
export function forbiddenFor(user: UserInfo, info: RequestInfo): StatusError {
  if (!info.resourceRequest) {
    return new StatusError({ code: 403, reason: 'Forbidden', message: `forbidden: User "${user.name}" cannot ${info.verb} path "${info.path}"` });
  }
  const { verb, apiGroup, resource, subresource, namespace, name } = info;
  const what = subresource ? `${resource}/${subresource}` : resource;
  const scope = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
  const groupResource = apiGroup ? `${resource}.${apiGroup}` : resource;
  const subject = name ? `${groupResource} "${name}"` : groupResource;
  return new StatusError({
    code: 403,
    reason: 'Forbidden',
    message: `${subject} is forbidden: User "${user.name}" cannot ${verb} resource "${what}" in API group "${apiGroup}" ${scope}`,
    kind: resource,
    ...(name ? { name } : {}),
    ...(apiGroup ? { group: apiGroup } : {}),
  });
}

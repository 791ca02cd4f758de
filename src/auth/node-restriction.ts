/**
 * Kubernetes' NodeRestriction admission: what a node writes must be its own — its Node, its Lease
 * in kube-node-lease, the status of pods bound to it. The authorizer let the verb through; this
 * looks at the object, which the path alone does not name (a create) or does not show (a pod's node).
 */
import type { ApiObject } from '../api/model.js';
import { forbidden, type StatusError } from '../api/status.js';
import { nodeNameOf, type UserInfo } from './user.js';

/** Refuses a node's write of `object` that is not its own; undefined for any other user or an own object. */
export function nodeRestriction(user: UserInfo, object: ApiObject, current?: ApiObject): StatusError | undefined {
  const node = nodeNameOf(user);
  if (node === undefined) return undefined;
  const { name } = object.metadata;
  switch (object.kind) {
    case 'Node':
      return name === node ? undefined : forbidden('nodes', name, `node "${node}" is not allowed to modify node "${name}"`);
    case 'Lease':
      return name === node && object.metadata.namespace === 'kube-node-lease'
        ? undefined
        : forbidden('leases.coordination.k8s.io', name, `node "${node}" can only access leases with the same name as the requesting node in namespace kube-node-lease`);
    case 'Pod': {
      const host = current?.kind === 'Pod' ? current.spec.host : '';
      return host === node ? undefined : forbidden('pods', name, `node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
    }
    default:
      return undefined;
  }
}

/** Who is asking: what authentication found, as Kubernetes' `user.Info`. */
export interface UserInfo {
  name: string;
  uid: string;
  groups: string[];
}

/** Kubernetes' group of everything: system:masters may do anything. */
export const MASTERS = 'system:masters';
/** The nodes' group; a node is the user `system:node:<node name>`. */
export const NODES = 'system:nodes';
/** helmsman's read-only group: get, list and watch of every resource (Kubernetes' `view`, cluster-wide). */
export const VIEWERS = 'helmsman:view';
/** Bootstrap tokens' group: they may only ask for a node's client certificate (src/auth/bootstrap.ts). */
export const BOOTSTRAPPERS = 'system:bootstrappers';
/** Every authenticated user is in it. */
export const AUTHENTICATED = 'system:authenticated';
/** The anonymous user's group. */
export const UNAUTHENTICATED = 'system:unauthenticated';

/** The user of a request without credentials, where anonymous requests are allowed. */
export const ANONYMOUS: UserInfo = { name: 'system:anonymous', uid: '', groups: [UNAUTHENTICATED] };

/** The node a user is (`system:node:minion-1` → `minion-1`), or undefined for other users. */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.groups.includes(NODES) || !user.name.startsWith('system:node:')) return undefined;
  const name = user.name.slice('system:node:'.length);
  return name || undefined;
}

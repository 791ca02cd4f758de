/**
 * The gateway's access control: who the request is (authenticator.ts), whether that user may do
 * what it asks (authorizer.ts), and, once a route has decoded the object, whether a node may write
 * it (node-restriction.ts). The user is kept on the request (`ctx.state.user`).
 */
import type { Context, Middleware } from 'koa';
import type { ApiObject } from '../api/model.js';
import { unauthorized } from '../api/status.js';
import type { TLSSocket } from 'node:tls';
import type { Authenticate, CertificateSubject } from './authenticator.js';
import type { Authorize } from './authorizer.js';
import { nodeRestriction } from './node-restriction.js';
import { requestInfoOf } from './request-info.js';
import type { UserInfo } from './user.js';

/** How the gateway checks access. */
export interface AccessControl {
  authenticate: Authenticate;
  authorize: Authorize;
}

/** The middleware: 401 without valid credentials, 403 for what the user may not do. */
export function accessMiddleware(access: AccessControl): Middleware {
  return async (ctx, next) => {
    const socket = ctx.req.socket as TLSSocket;
    // Verified against the client CA by the TLS layer (`authorized`); a certificate it did not verify counts for nothing.
    const certificate = socket.authorized ? (socket.getPeerCertificate().subject as CertificateSubject | undefined) : undefined;
    const user = access.authenticate(ctx.get('authorization') || undefined, certificate);
    if (!user) throw unauthorized();
    ctx.state.user = user;
    const denied = access.authorize(user, requestInfoOf(ctx));
    if (denied) throw denied;
    await next();
  };
}

/** Admission of a decoded write (`current`: the object it replaces): throws when the user may not write it. */
export function admit(ctx: Context, object: ApiObject, current?: ApiObject): void {
  const user = ctx.state.user as UserInfo | undefined;
  if (!user) return;
  const refused = nodeRestriction(user, object, current);
  if (refused) throw refused;
}

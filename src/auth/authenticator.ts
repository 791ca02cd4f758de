/**
 * Authentication, as kube-apiserver's chain: a client certificate signed by the cluster CA
 * (`--client-ca-file`: the user is its CN, the groups its O — how a node that joined by TLS
 * bootstrapping speaks), a bearer token (`--token-auth-file`, the admin token helmsman generates,
 * or a bootstrap token) or HTTP basic credentials (`--basic-auth-file`, what 2014's kubecfg `-auth`
 * sends); a request with none is anonymous where that is allowed. Credentials that are given and
 * wrong are refused even then (401), as Kubernetes does.
 */
import { timingSafeEqual } from 'node:crypto';
import { ANONYMOUS, AUTHENTICATED, type UserInfo } from './user.js';
import type { Credentials } from './credentials-file.js';

/** What the authenticator knows. */
export interface AuthenticatorOptions {
  /** Bearer tokens. */
  tokens?: Credentials;
  /** Basic-auth users by password; the user name must match too. */
  passwords?: Credentials;
  /** Whether a request without credentials is served (as `system:anonymous`). */
  anonymous: boolean;
}

/** The subject of a verified client certificate (CN, and O as one name or several). */
export interface CertificateSubject {
  CN?: string;
  O?: string | string[];
}

/**
 * Who a request is: a user, or `null` when it must be refused with 401 Unauthorized. `certificate`:
 * the subject of the client certificate the TLS layer verified against the client CA, if any.
 */
export type Authenticate = (authorization: string | undefined, certificate?: CertificateSubject) => UserInfo | null;

/** Builds the authenticator. */
export function authenticator(opts: AuthenticatorOptions): Authenticate {
  const withAuthenticated = (user: UserInfo): UserInfo => (user.groups.includes(AUTHENTICATED) ? user : { ...user, groups: [...user.groups, AUTHENTICATED] });
  const tokens = new Map([...(opts.tokens ?? [])].map(([token, user]) => [token, withAuthenticated(user)]));
  const passwords = new Map([...(opts.passwords ?? [])].map(([password, user]) => [password, withAuthenticated(user)]));
  return (authorization, certificate) => {
    if ((authorization === undefined || authorization === '') && certificate?.CN) {
      return withAuthenticated({ name: certificate.CN, uid: '', groups: [certificate.O ?? []].flat() });
    }
    if (authorization === undefined || authorization === '') return opts.anonymous ? ANONYMOUS : null;
    const space = authorization.indexOf(' ');
    const scheme = authorization.slice(0, space < 0 ? undefined : space).toLowerCase();
    const value = space < 0 ? '' : authorization.slice(space + 1).trim();
    if (scheme === 'bearer') return tokens.get(value) ?? null;
    if (scheme === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return null;
      const user = passwords.get(decoded.slice(colon + 1));
      return user && sameText(user.name, decoded.slice(0, colon)) ? user : null;
    }
    return null;
  };
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

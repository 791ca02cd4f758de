/**
 * Where kubecfg connects and as whom: 2014 kubecfg's `-auth` file (JSON: `User` and `Password`
 * for basic auth, or `BearerToken`; `CAFile`, `Insecure`), or else today's kubeconfig
 * (`$KUBECONFIG`, its current context's server, token or user name and password, and CA). The
 * server of `-h` or `$KUBERNETES_MASTER` wins over the kubeconfig's.
 */
import { readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import YAML from 'yaml';

/** How the client authenticates and verifies the server. */
export interface ClientCredentials {
  /** `Authorization` header value. */
  authorization?: string;
  /** PEM of the CA that signed the server's certificate (default: the system's). */
  ca?: string;
  /** Skip verifying the server's certificate (`Insecure`, `insecure-skip-tls-verify`). */
  insecure?: boolean;
  /** A client certificate and its key (PEM): a node that joined by TLS bootstrapping. */
  cert?: string;
  key?: string;
}

/** 2014 kubecfg's auth file (`pkg/client/clientcmd`'s `AuthInfo` of then). */
interface AuthFile {
  User?: string;
  Password?: string;
  BearerToken?: string;
  CAFile?: string;
  Insecure?: boolean;
}

/** Reads a `-auth` file; errors name it. */
export function readAuthFile(path: string): ClientCredentials {
  let info: AuthFile;
  try {
    info = JSON.parse(readFileSync(path, 'utf8')) as AuthFile;
  } catch (err) {
    throw new Error(`the auth file ${path}: ${(err as Error).message}`);
  }
  if (typeof info !== 'object' || info === null) throw new Error(`the auth file ${path} is not a JSON object`);
  return {
    authorization: info.BearerToken ? `Bearer ${info.BearerToken}` : info.User !== undefined ? basic(info.User, info.Password ?? '') : undefined,
    ca: info.CAFile ? readFileSync(resolve(dirname(path), info.CAFile), 'utf8') : undefined,
    insecure: info.Insecure === true,
  };
}

/** A kubeconfig's current context: its server and credentials. */
export function readKubeconfig(path: string): { server?: string } & ClientCredentials {
  let doc: any;
  try {
    doc = YAML.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`the kubeconfig ${path}: ${(err as Error).message}`);
  }
  const named = (list: unknown, name: unknown): any => (Array.isArray(list) ? list.find((e) => e?.name === name) : undefined);
  const context = named(doc?.contexts, doc?.['current-context'])?.context;
  if (!context) return {};
  const cluster = named(doc.clusters, context.cluster)?.cluster ?? {};
  const user = named(doc.users, context.user)?.user ?? {};
  const relative = (file: string) => resolve(dirname(path), file);
  const ca = cluster['certificate-authority-data']
    ? Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8')
    : cluster['certificate-authority']
      ? readFileSync(relative(cluster['certificate-authority']), 'utf8')
      : undefined;
  const token = user.token ?? (user.tokenFile ? readFileSync(relative(user.tokenFile), 'utf8').trim() : undefined);
  return {
    server: typeof cluster.server === 'string' ? cluster.server : undefined,
    authorization: token ? `Bearer ${token}` : user.username !== undefined ? basic(user.username, user.password ?? '') : undefined,
    ca,
    insecure: cluster['insecure-skip-tls-verify'] === true,
  };
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

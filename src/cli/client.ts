/**
 * A tiny typed HTTP client for the v1beta1 API, as kubecfg uses it: JSON in, JSON out, and a non-2xx
 * answer thrown as a `ServerError`. The object shapes below carry only the fields kubecfg reads or
 * writes; everything else passes through untouched.
 */
import { Agent, fetch as undiciFetch } from 'undici';
import type { ClientCredentials } from './credentials.js';

/** The resources kubecfg knows, spelled as in their paths (`replicationControllers` is camelCase). */
export const RESOURCES = ['pods', 'replicationControllers', 'services', 'minions', 'events'] as const;

/** One of `RESOURCES`. */
export type Resource = (typeof RESOURCES)[number];

/** The API's root path; every resource path is below it. */
export const API_PREFIX = '/api/v1beta1/';

/** Labels and selectors: string to string. */
export type Labels = Record<string, string>;

/** The inline TypeMeta every v1beta1 object carries. */
export interface TypeMeta {
  kind?: string;
  id?: string;
  uid?: string;
  creationTimestamp?: string;
  selfLink?: string;
  resourceVersion?: number;
  apiVersion?: string;
  namespace?: string;
  annotations?: Labels;
}

/** A container port: `hostPort` on the minion forwards to `containerPort`. */
export interface Port {
  name?: string;
  hostPort?: number;
  containerPort?: number;
  protocol?: 'TCP' | 'UDP';
}

/** A container in a manifest. */
export interface Container {
  name?: string;
  image?: string;
  ports?: Port[];
}

/** The manifest a pod runs. */
export interface ContainerManifest {
  version?: string;
  id?: string;
  containers?: Container[];
}

/** A pod's desired or current state. */
export interface PodState {
  manifest?: ContainerManifest;
  status?: string;
  host?: string;
  hostIP?: string;
  podIP?: string;
}

/** A v1beta1 Pod. */
export interface Pod extends TypeMeta {
  labels?: Labels;
  desiredState?: PodState;
  currentState?: PodState;
}

/** A replication controller's desired state. */
export interface ReplicationControllerState {
  replicas?: number;
  replicaSelector?: Labels;
  podTemplate?: { desiredState?: PodState; labels?: Labels };
}

/** A v1beta1 ReplicationController. */
export interface ReplicationController extends TypeMeta {
  labels?: Labels;
  desiredState?: ReplicationControllerState;
  currentState?: { replicas?: number };
}

/** A v1beta1 Service. */
export interface Service extends TypeMeta {
  port?: number;
  containerPort?: number | string;
  protocol?: 'TCP' | 'UDP';
  labels?: Labels;
  selector?: Labels;
  portalIP?: string;
}

/** A v1beta1 Minion. */
export interface Minion extends TypeMeta {
  hostIP?: string;
  labels?: Labels;
}

/** A v1beta1 Event. */
export interface Event extends TypeMeta {
  involvedObject?: { kind?: string; name?: string; uid?: string; fieldPath?: string };
  status?: string;
  reason?: string;
  message?: string;
  source?: string;
  timestamp?: string;
}

/** A list: `{kind: "PodList", items: [...]}` and its siblings. */
export interface List<T> extends TypeMeta {
  items?: T[];
}

/** A v1beta1 Status: the body of every error, and of a successful DELETE. */
export interface Status extends TypeMeta {
  status?: 'Success' | 'Failure' | 'Working';
  message?: string;
  reason?: string;
  details?: { id?: string; kind?: string; causes?: { reason?: string; message?: string; field?: string }[] };
  code?: number;
}

/**
 * ServerError is a non-2xx answer. From a Status body: its `reason`, `code` and `message`; from any
 * other body: the HTTP status text, the HTTP code and the body, trimmed.
 */
export class ServerError extends Error {
  override readonly name = 'ServerError';
  constructor(
    readonly reason: string,
    readonly code: number,
    message: string,
    readonly status?: Status,
  ) {
    super(message);
  }
}

/** ConnectionError is a request that never got an answer (refused, unresolvable, reset). */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
  constructor(
    readonly server: string,
    readonly causeMessage: string,
  ) {
    super(`cannot reach the server at ${server}: ${causeMessage}`);
  }
}

/** Builds `/api/v1beta1/<resource>[/<id>]`, with `?labels=<selector>` when a selector is given. */
export function apiPath(resource: Resource, id?: string, labels?: string): string {
  let path = API_PREFIX + resource;
  if (id !== undefined) path += `/${encodeURIComponent(id)}`;
  // encodeURIComponent, not URLSearchParams: the 2014 server reads `%20`, not `+`, as a space.
  if (labels !== undefined) path += `?labels=${encodeURIComponent(labels)}`;
  return path;
}

/** Client talks to one API server; paths are absolute (see `apiPath`). */
export class Client {
  /** The server's base URL, without a trailing slash. */
  readonly server: string;
  /** undici's fetch with a dispatcher that trusts the credentials' CA; Node's own fetch otherwise. */
  private readonly send: (url: string, init: RequestInit) => Promise<Response>;

  constructor(
    server: string,
    private readonly credentials: ClientCredentials = {},
  ) {
    this.server = server.replace(/\/+$/, '');
    if (credentials.ca !== undefined || credentials.insecure) {
      const dispatcher = new Agent({ connect: { ca: credentials.ca, rejectUnauthorized: !credentials.insecure } });
      this.send = (url, init) => undiciFetch(url, { ...(init as object), dispatcher }) as unknown as Promise<Response>;
    } else this.send = (url, init) => fetch(url, init);
  }

  /** GETs one object or a list. */
  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  /** GETs plain text (a pod's log). */
  getText(path: string): Promise<string> {
    return this.request<string>('GET', path, undefined, 'text');
  }

  /** POSTs `body` (created objects come back with 201). */
  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  /** PUTs `body` in place of the object at `path`. */
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  /** DELETEs the object at `path`; resolves to the server's Status. */
  async delete(path: string): Promise<Status> {
    // An empty 2xx answer (a 204) still means the object is gone.
    return (await this.request<Status | undefined>('DELETE', path)) ?? { kind: 'Status', status: 'Success' };
  }

  private async request<T>(method: string, path: string, body?: unknown, as: 'json' | 'text' = 'json'): Promise<T> {
    let res: Response;
    try {
      const headers: Record<string, string> = body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' };
      if (this.credentials.authorization) headers.authorization = this.credentials.authorization;
      res = await this.send(this.server + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ConnectionError(this.server, causeMessage(err));
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw new ConnectionError(this.server, causeMessage(err));
    }
    if (!res.ok) throw serverError(res, text);
    if (as === 'text') return text as T;
    if (text.trim() === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new Error(`the server's answer to ${method} ${path} is not JSON: ${text.trim().slice(0, 200)}`);
    }
  }
}

/** Turns a non-2xx answer into a ServerError, from its Status when the body is one. */
function serverError(res: Response, text: string): ServerError {
  const statusText = res.statusText || String(res.status);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return new ServerError(statusText, res.status, text.trim());
  }
  if (isStatus(parsed)) return new ServerError(parsed.reason || statusText, parsed.code ?? res.status, parsed.message ?? '', parsed);
  return new ServerError(statusText, res.status, text.trim());
}

/** True for an object with `kind: "Status"`. */
export function isStatus(value: unknown): value is Status {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'Status';
}

/**
 * The useful part of a fetch failure. Node's fetch rejects with a bare `TypeError('fetch failed')`
 * whose `cause` holds the socket error; a host with several addresses gives an AggregateError with
 * an empty message, so fall back to its code or its first error.
 */
function causeMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause !== undefined) e = e.cause;
  if (e instanceof AggregateError && e.message === '') {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' ? code : causeMessage(e.errors[0]);
  }
  return e instanceof Error ? e.message : String(e);
}

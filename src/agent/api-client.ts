/**
 * ApiClient: how a remote minion speaks to its control plane — JSON requests over HTTPS (or
 * HTTP on loopback) with the node's bearer token and the cluster's CA, and watch streams read line
 * by line. Every answer ≥ 400 becomes the server's Status (`StatusInfo`); a server that cannot be
 * reached becomes a 503 ServiceUnavailable, so callers handle one kind of failure.
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import { Agent, type Dispatcher } from 'undici';
import { statusInfoOf, type StatusInfo } from '../api/status.js';
import type { ClientCredentials } from '../cli/credentials.js';

/** A request's outcome: the parsed body of a 2xx answer, or the Status of a failure. */
export type ApiResult<T = unknown> = { ok: true; code: number; body: T } | { ok: false; error: StatusInfo };

/** Where the control plane is and how to authenticate to it. */
export interface ApiEndpoint {
  /** `https://10.0.0.1:6443`. */
  server: string;
  credentials: ClientCredentials;
}

/** How long a request (not a watch) may take before it fails. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * TLS contexts by the credentials they hold. Making one parses the CA and the key pair; a context
 * shared by every connection of every client with the same credentials (a thousand hollow minions
 * in one process have one) spares each new connection that.
 */
const secureContexts = new Map<string, SecureContext>();

function secureContextOf(ca: string | undefined, cert: string | undefined, key: string | undefined): SecureContext {
  const id = `${ca ?? ''}\0${cert ?? ''}\0${key ?? ''}`;
  let context = secureContexts.get(id);
  if (!context) secureContexts.set(id, (context = createSecureContext({ ca, cert, key })));
  return context;
}

/** A JSON client of one control plane; `close()` ends its connections. */
export class ApiClient {
  private readonly dispatcher: Agent;
  private readonly base: string;

  /** `connections`: to the server at most (default 64); watches hold one each, requests beyond the rest wait their turn. */
  constructor(readonly endpoint: ApiEndpoint, connections = 64) {
    this.base = endpoint.server.replace(/\/+$/, '');
    const { ca, insecure, cert, key } = endpoint.credentials;
    const secure = this.base.startsWith('https:');
    // Connections kept between heartbeats (10 s apart) when the server says nothing of its own keep-alive.
    this.dispatcher = new Agent({
      connections,
      connect: secure ? { secureContext: secureContextOf(ca, cert, key), rejectUnauthorized: !insecure } : {},
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: 0,
      keepAliveTimeout: 60_000,
    });
  }

  /** One request; `body` is sent as JSON (a patch as `contentType`). */
  async request<T = unknown>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<ApiResult<T>> {
    // undici's own request API: its fetch (WHATWG streams, an AbortSignal per request) costs a
    // thousand minions in one process several times as much CPU for the same exchange.
    let text: string;
    let code: number;
    try {
      const res = await this.dispatcher.request({
        origin: this.base,
        path,
        method: method as Dispatcher.HttpMethod,
        headers: this.headers(body === undefined ? undefined : contentType),
        body: body === undefined ? undefined : JSON.stringify(body),
        bodyTimeout: REQUEST_TIMEOUT_MS,
      });
      code = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      return { ok: false, error: this.unreachable(err) };
    }
    if (code >= 400) return { ok: false, error: statusInfoOf(text, code) };
    try {
      return { ok: true, code, body: (text ? JSON.parse(text) : {}) as T };
    } catch {
      return { ok: false, error: { code: 500, reason: 'InternalError', message: `${method} ${path}: the answer is not JSON` } };
    }
  }

  /**
   * Streams a watch: `onLine` gets each event line as it arrives. Resolves when the server ends
   * the stream (its timeout) or `signal` aborts it; a failure to connect or an answer ≥ 400
   * rejects with a `WatchError` carrying the Status.
   */
  async stream(path: string, signal: AbortSignal, onLine: (line: string) => void): Promise<void> {
    let res: Dispatcher.ResponseData;
    try {
      res = await this.dispatcher.request({ origin: this.base, path, method: 'GET', headers: this.headers(undefined), signal });
    } catch (err) {
      if (signal.aborted) return;
      throw new WatchError(this.unreachable(err));
    }
    if (res.statusCode >= 400) throw new WatchError(statusInfoOf(await res.body.text().catch(() => ''), res.statusCode));
    res.body.setEncoding('utf8');
    let pending = '';
    try {
      for await (const chunk of res.body as AsyncIterable<string>) {
        pending += chunk;
        let newline: number;
        while ((newline = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          if (line.trim()) onLine(line);
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      throw new WatchError(this.unreachable(err));
    }
  }

  /** Ends the client's connections. */
  async close(): Promise<void> {
    await this.dispatcher.destroy();
  }

  private headers(contentType: string | undefined): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (contentType) headers['content-type'] = contentType;
    const { authorization } = this.endpoint.credentials;
    if (authorization) headers.authorization = authorization;
    return headers;
  }

  private unreachable(err: unknown): StatusInfo {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    return { code: 503, reason: 'ServiceUnavailable', message: `the control plane at ${this.base} cannot be reached: ${cause ?? (err as Error).message}` };
  }
}

/** A watch that could not be started or broke off, with the reason as a Status. */
export class WatchError extends Error {
  constructor(readonly status: StatusInfo) {
    super(status.message);
    this.name = 'WatchError';
  }
}

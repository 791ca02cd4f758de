/**
 * ApiClient: how a remote minion speaks to its control plane — JSON requests over HTTPS (or
 * HTTP on loopback) with the node's bearer token and the cluster's CA, and watch streams read line
 * by line. Every answer ≥ 400 becomes the server's Status (`StatusInfo`); a server that cannot be
 * reached becomes a 503 ServiceUnavailable, so callers handle one kind of failure.
 */
import { Agent, fetch, type Response } from 'undici';
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

/** A JSON client of one control plane; `close()` ends its connections. */
export class ApiClient {
  private readonly dispatcher: Agent;
  private readonly base: string;

  /** `connections`: to the server at most (default 64); watches hold one each, requests beyond the rest wait their turn. */
  constructor(readonly endpoint: ApiEndpoint, connections = 64) {
    this.base = endpoint.server.replace(/\/+$/, '');
    const { ca, insecure, cert, key } = endpoint.credentials;
    // Connections kept between heartbeats (10 s apart) when the server says nothing of its own keep-alive.
    this.dispatcher = new Agent({ connections, connect: { ca, cert, key, rejectUnauthorized: !insecure }, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: 0, keepAliveTimeout: 60_000 });
  }

  /** One request; `body` is sent as JSON (a patch as `contentType`). */
  async request<T = unknown>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<ApiResult<T>> {
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers: this.headers(body === undefined ? undefined : contentType),
        body: body === undefined ? undefined : JSON.stringify(body),
        dispatcher: this.dispatcher,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      return { ok: false, error: this.unreachable(err) };
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      return { ok: false, error: this.unreachable(err) };
    }
    if (res.status >= 400) return { ok: false, error: statusInfoOf(text, res.status) };
    try {
      return { ok: true, code: res.status, body: (text ? JSON.parse(text) : {}) as T };
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
    let res: Response;
    try {
      res = await fetch(this.base + path, { headers: this.headers(undefined), dispatcher: this.dispatcher, signal });
    } catch (err) {
      if (signal.aborted) return;
      throw new WatchError(this.unreachable(err));
    }
    if (res.status >= 400) throw new WatchError(statusInfoOf(await res.text().catch(() => ''), res.status));
    const decoder = new TextDecoder();
    let pending = '';
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        pending += decoder.decode(chunk, { stream: true });
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

/**
 * The dashboard's API client: requests with the user's token (kept for the browser tab only), the
 * server's Status on failure, and watches read from the chunked stream as kubectl reads them.
 */
import type { Status } from './types.js';

const TOKEN_KEY = 'helmsman.token';

/** The bearer token the user gave, if any. */
export function token(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

/** Keeps (or with undefined, forgets) the token for this tab. */
export function setToken(value: string | undefined): void {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** A request the server refused, with its Status. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly status: Status,
  ) {
    super(status.message ?? `HTTP ${code}`);
  }

  /** As kubectl prints it: `Error from server (Reason): message`. */
  describe(): string {
    return `Error from server (${this.status.reason ?? this.code}): ${this.status.message ?? ''}`;
  }
}

/** Called when the server says the token is missing or wrong (401): the app asks for one. */
let onUnauthorized: () => void = () => {};
export function whenUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const t = token();
  return t ? { ...extra, authorization: `Bearer ${t}` } : extra;
}

async function fail(res: Response): Promise<never> {
  const text = await res.text();
  let status: Status;
  try {
    status = JSON.parse(text) as Status;
  } catch {
    status = { kind: 'Status', status: 'Failure', code: res.status, reason: res.statusText, message: text.trim() };
  }
  if (res.status === 401) onUnauthorized();
  throw new ApiError(res.status, status);
}

/** A JSON request; `body` as a string is sent as it is, with `type` (YAML or JSON). */
export async function request<T>(method: string, path: string, body?: unknown, type = 'application/json'): Promise<T> {
  const init: RequestInit = { method, headers: headers(body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': type }) };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(path, init);
  if (!res.ok) return fail(res);
  return (await res.json()) as T;
}

/** A plain-text GET (a pod's log, /metrics). */
export async function text(path: string): Promise<string> {
  const res = await fetch(path, { headers: headers() });
  if (!res.ok) return fail(res);
  return res.text();
}

/**
 * Reads a streamed answer (a watch, a followed log) as text until it ends or `signal` aborts;
 * `onOpen` is called once the server has answered 200, `onChunk` with each piece as it arrives.
 */
export async function stream(path: string, signal: AbortSignal, onChunk: (text: string) => void, onOpen?: () => void): Promise<void> {
  const res = await fetch(path, { headers: headers(), signal });
  if (!res.ok) return fail(res);
  onOpen?.();
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      onChunk(value);
    }
  } finally {
    // A reader that stops early (an ERROR event, a throw in onChunk) closes the connection.
    reader.cancel().catch(() => {});
  }
}

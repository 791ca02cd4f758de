/**
 * `GET …/pods/{name}/log?follow=true` (kubectl logs -f, the dashboard's pod page): the output so
 * far (or its last `tailLines` lines), then whatever the container writes after, until the
 * container is no longer running (kubelet ends `kubectl logs -f` when the container exits), the pod
 * is gone, or the client leaves. Runtimes hand out a container's output as text (the LogReader
 * seam), so the stream reads it again every FOLLOW_POLL_MS and sends what was added; output that is
 * not a continuation of what was sent (another container's) is sent whole.
 */
import type { Context } from 'koa';
import type { LogQuery, LogReader } from './gateway.js';

/** How often a followed log is read again. */
export const FOLLOW_POLL_MS = 1_000;

/** The last `n` lines of `text` (each line with its newline). */
export function lastLines(text: string, n: number | undefined): string {
  if (n === undefined) return text;
  if (n === 0) return '';
  let at = text.length;
  // A final newline ends the last line; it does not start another.
  if (text.endsWith('\n')) at--;
  for (let i = 0; i < n; i++) {
    at = text.lastIndexOf('\n', at - 1);
    if (at < 0) return text;
  }
  return text.slice(at + 1);
}

/**
 * Streams the log of `query` until `running` says the container is not running (checked after
 * each read, so its last output is sent), the reader fails, or the client goes away.
 */
export async function followLogs(ctx: Context, read: LogReader, query: LogQuery, running: () => Promise<boolean>, pollMs = FOLLOW_POLL_MS): Promise<void> {
  const whole = { ...query, tailLines: undefined };
  let seen = await read(whole);
  const res = ctx.res;
  ctx.respond = false;
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' });
  res.write(lastLines(seen, query.tailLines));
  await new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let open = true;
    const finish = () => {
      if (!open) return;
      open = false;
      clearTimeout(timer);
      resolve();
    };
    const poll = async () => {
      let text: string;
      try {
        text = await read(whole);
      } catch {
        // The container stopped (or its pod is gone): so has its log.
        finish();
        res.end();
        return;
      }
      if (!open) return;
      if (text.length >= seen.length && text.startsWith(seen)) res.write(text.slice(seen.length));
      else res.write(text);
      seen = text;
      if (!(await running())) {
        finish();
        res.end();
        return;
      }
      timer = setTimeout(() => void poll(), pollMs);
    };
    void poll();
    ctx.req.on('close', finish);
    res.on('close', finish);
  });
}

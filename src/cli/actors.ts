/**
 * `helmsman actors`: the top of `/debug/actors` — each shard's actors, messages per second,
 * deepest mailbox and restarts — as a table, once or (`--watch`) refreshed in place until
 * interrupted, as `kubectl get --watch` or `top` would.
 */
import { setTimeout as wait } from 'node:timers/promises';
import type { Client } from './client.js';
import { renderShards, type ActorsDocument } from '../debug/actors.js';

/** What `helmsman actors` needs. */
export interface ActorsOptions {
  client: Client;
  watch: boolean;
  /** How often a watch refreshes (default 2,000 ms). */
  intervalMs?: number;
  /** Where the table goes; `tty` redraws it in place. */
  out: { write(text: string): unknown; isTTY?: boolean };
  /** Ends a watch. */
  signal?: AbortSignal;
}

/** Prints the shards' table; with `watch`, again every interval until `signal` aborts. */
export async function printActors(options: ActorsOptions): Promise<void> {
  const { client, out } = options;
  const intervalMs = options.intervalMs ?? 2_000;
  for (let first = true; ; first = false) {
    const doc = await client.get<ActorsDocument>('/debug/actors?depth=0');
    const total = doc.shards.reduce((n, s) => n + s.actors, 0);
    const text = `${renderShards(doc)}${total} actors; rates over ${(doc.intervalMs / 1000).toFixed(1)} s${options.watch ? ` — ${doc.time}` : ''}\n`;
    // In place on a terminal (home, clear); one table after another otherwise (a pipe, a log).
    out.write(options.watch && out.isTTY ? `\x1b[H\x1b[2J${text}` : first ? text : `\n${text}`);
    if (!options.watch) return;
    // Aborted (Ctrl-C, a closed pipe): the watch is over.
    if (!(await wait(intervalMs, undefined, { signal: options.signal }).then(() => true, () => false))) return;
  }
}

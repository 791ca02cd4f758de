/**
 * The actor view: each shard's load over time (messages per second, busy share of its thread),
 * the shards' table, and the supervision tree with mailbox depths, where an actor that restarted
 * since the last reading flashes. Read from `/debug/actors` every two seconds.
 */
import { useEffect, useReducer } from 'preact/hooks';
import { request } from './api.js';
import { LineChart, type Line } from './charts.js';
import { Series } from './cluster.js';
import { html } from './html.js';
import { describe } from './overview.js';
import type { ActorEntry, ActorsDocument } from './types.js';

const POLL_MS = 2_000;
/** Actors drawn at most (the server cuts the tree breadth first). */
const TREE_LIMIT = 500;
const COLORS = ['#3563c9', '#d0453b', '#2e9b5d', '#d99a1e', '#7b4fc9', '#1aa3a3', '#c94f9b', '#6b7384'];

const shardName = (slot: number) => (slot < 0 ? 'main' : `shard ${slot}`);
const actorKey = (a: ActorEntry) => `${a.shard}:${a.id}`;

/** Reads /debug/actors on a timer and keeps the shards' history and who restarted. */
export class ActorLoad {
  doc: ActorsDocument | undefined;
  error = '';
  readonly messages = new Map<number, Series>();
  readonly busy = new Map<number, Series>();
  /** Actors whose restarts went up in the last reading. */
  flashing = new Set<string>();
  private restarts = new Map<string, number>();
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  start(): this {
    void this.poll();
    return this;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private async poll(): Promise<void> {
    try {
      const doc = await request<ActorsDocument>('GET', `/debug/actors?limit=${TREE_LIMIT}`);
      const at = Date.parse(doc.time) || Date.now();
      for (const s of doc.shards) {
        if (!this.messages.has(s.slot)) (this.messages.set(s.slot, new Series()), this.busy.set(s.slot, new Series()));
        if (s.answered) this.messages.get(s.slot)!.set(at, s.messagesPerSecond);
        this.busy.get(s.slot)!.set(at, s.busyPercent);
      }
      const restarts = new Map<string, number>();
      const flashing = new Set<string>();
      const walk = (a: ActorEntry) => {
        const key = actorKey(a);
        restarts.set(key, a.restarts);
        if (a.restarts > (this.restarts.get(key) ?? a.restarts)) flashing.add(key);
        a.children.forEach(walk);
      };
      if (doc.tree) walk(doc.tree);
      this.restarts = restarts;
      this.flashing = flashing;
      this.doc = doc;
      this.error = '';
    } catch (err) {
      this.error = describe(err);
    }
    for (const fn of this.listeners) fn();
    if (!this.stopped) this.timer = setTimeout(() => void this.poll(), POLL_MS);
  }
}

export function ActorView({ load }: { load: ActorLoad }) {
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  useEffect(() => load.subscribe(() => redraw(undefined as never)), [load]);
  const doc = load.doc;
  const lines = (map: Map<number, Series>): Line[] => [...map].sort((a, b) => a[0] - b[0]).map(([slot, series], i) => ({ label: shardName(slot), series, color: COLORS[i % COLORS.length]! }));
  return html`
    ${load.error ? html`<div class="error">${load.error}</div>` : null}
    <div class="row">
      <section class="panel"><h2>Messages per second, by shard</h2><${LineChart} lines=${lines(load.messages)} unit="messages/s" /></section>
      <section class="panel"><h2>Busy, by shard <span class="muted">share of the thread's time</span></h2><${LineChart} lines=${lines(load.busy)} unit="%" max=${100} /></section>
    </div>
    <section class="panel" data-view="actors">
      <h2>Shards <span class="muted">${doc ? `${doc.actors} actors · rates over ${(doc.intervalMs / 1000).toFixed(1)} s` : 'loading…'}</span></h2>
      ${doc
        ? html`<table data-table="shards"><thead><tr><th>Shard</th><th>Actors</th><th>Msgs/s</th><th>Mailbox</th><th>Deepest</th><th>Restarts</th><th>Dead letters</th><th>Heap</th><th>Busy</th></tr></thead><tbody>
            ${doc.shards.map((s) => html`<tr><td>${shardName(s.slot)}</td>${s.answered
              ? html`<td>${s.actors}</td><td>${s.messagesPerSecond}</td><td>${s.mailboxDepth}</td><td>${s.deepestMailbox}</td><td>${s.restarts}</td><td>${s.deadLetters}</td><td>${Math.round(s.heapUsedBytes / 2 ** 20)} MiB</td>`
              : html`<td colspan="7" class="warn">did not answer in time (busy)</td>`}<td>${s.busyPercent}%</td></tr>`)}
          </tbody></table>`
        : null}
    </section>
    <section class="panel">
      <h2>Supervision tree <span class="muted">${doc?.tree ? `${doc.shown} of ${doc.actors - 1} actors${doc.truncated ? `, the first ${TREE_LIMIT} breadth first` : ''}` : ''}</span></h2>
      <div class="tree scroll" style="max-height:560px" data-tree>${doc?.tree ? html`<${TreeNode} actor=${doc.tree} depth=${0} flashing=${load.flashing} />` : null}</div>
    </section>`;
}

function TreeNode({ actor, depth, flashing }: { actor: ActorEntry; depth: number; flashing: Set<string> }) {
  const key = actorKey(actor);
  return html`<div>
    <div class=${flashing.has(key) ? 'flash' : ''} data-actor=${actor.name} data-kind=${actor.kind}>
      <span class="depth" style=${`width:${depth * 16}px`}></span><b>${actor.name}</b> <span class="muted">${actor.kind} · ${shardName(actor.shard)} #${actor.id}</span>
      · mailbox <span class=${actor.mailbox > 0 ? 'warn' : ''}>${actor.mailbox}</span> · ${actor.processed} msgs${actor.restarts > 0 ? html` · <span class="bad">${actor.restarts} restarts</span>` : null}${actor.state !== 'running' ? html` · <span class="warn">${actor.state}</span>` : null}
    </div>
    ${actor.children.map((c) => html`<${TreeNode} key=${actorKey(c)} actor=${c} depth=${depth + 1} flashing=${flashing} />`)}
    ${actor.omittedChildren ? html`<div class="muted"><span class="depth" style=${`width:${(depth + 1) * 16}px`}></span>… ${actor.omittedChildren} more</div>` : null}
  </div>`;
}

/**
 * `/debug/actors`: the actor system as a document — every shard's load (actors, messages handled
 * per second, mailboxes, dead letters, restarts, heap, how busy its thread is) and the supervision
 * tree, cut down by a query at scale (`?kind=`, `?shard=`, `?depth=`, `?limit=`), as JSON or as an
 * indented text tree (`?format=text`). `helmsman actors` and the dashboard read it.
 *
 * Rates need two readings: the monitor keeps the readings of the last minute and measures each
 * against the newest one at least a second older, so a client polling at any pace gets a rate over
 * a second or more; the first read of all takes a second reading a quarter-second later.
 */
import { performance } from 'node:perf_hooks';
import { RealClock, type ActorSystem, type ActorTreeNode, type Clock, type NodeReport } from '../kernel/index.js';
import { MAIN_SLOT } from '../kernel/ref.js';
import { badRequest } from '../api/status.js';
import { renderTable } from '../cli/table.js';
import type { ActorEntry, ActorsDocument, ShardLoad } from './document.js';

export type { ActorEntry, ActorsDocument, ShardLoad } from './document.js';

/** What a request asks to see of the tree. */
export interface ActorQuery {
  /** Only actors of this kind (`helmsman.pod`, or just `pod`), with their ancestors. */
  kind?: string;
  /** Only actors on this shard (-1: the main thread), with their ancestors. */
  shard?: number;
  /** Levels below the root shown (0: the shards only, no tree gathered). */
  depth?: number;
  /** Actors shown at most, breadth first. */
  limit?: number;
}

interface Reading {
  at: number;
  processed: Map<number, number>;
  /** Event-loop time per slot (ms busy, ms idle) since the thread started. */
  loop: Map<number, { active: number; idle: number }>;
}

/** How long readings are kept, and how much older than now the one a rate is measured against should be. */
const KEEP_MS = 60_000;
const MIN_INTERVAL_MS = 1_000;
const FIRST_INTERVAL_MS = 250;
/** How long a shard may take to answer before it is reported silent. */
const REPORT_TIMEOUT_MS = 2_000;

/** Reads the actor system for `/debug/actors`. */
export class ActorMonitor {
  private readings: Reading[] = [];

  constructor(
    private readonly system: ActorSystem,
    /** Real time by default even on a virtual-clock system: the load is the threads' real time. */
    private readonly clock: Clock = new RealClock(),
  ) {}

  /** The document for `query`. */
  async read(query: ActorQuery = {}): Promise<ActorsDocument> {
    const wantTree = (query.depth ?? Infinity) > 0;
    if (this.readings.length === 0) {
      this.remember(this.reading(await this.system.report()));
      await new Promise<void>((resolve) => this.clock.setTimer(resolve, FIRST_INTERVAL_MS));
    }
    const report = await this.system.report({ tree: wantTree, timeoutMs: REPORT_TIMEOUT_MS });
    const now = this.reading(report);
    const base = this.baseFor(now.at);
    this.remember(now);
    const seconds = Math.max(1e-3, (now.at - base.at) / 1000);
    const shards: ShardLoad[] = report.nodes.map((n) => this.load(n, now, base, seconds));
    for (const slot of report.silent) shards.push({ ...silentLoad(slot), busyPercent: busyPercent(now, base, slot) });
    shards.sort((a, b) => a.slot - b.slot);
    const doc: ActorsDocument = {
      kind: 'ActorSystemStatus',
      time: new Date(this.clock.now()).toISOString(),
      intervalMs: Math.round(now.at - base.at),
      shards,
      actors: report.nodes.reduce((n, s) => n + s.actors, 0),
      shown: 0,
      truncated: false,
    };
    if (report.tree) {
      const cut = cutTree(report.tree, query);
      doc.tree = cut.tree;
      doc.shown = cut.shown;
      doc.truncated = cut.truncated;
    }
    return doc;
  }

  private reading(report: { nodes: NodeReport[] }): Reading {
    const loop = new Map<number, { active: number; idle: number }>();
    const main = performance.eventLoopUtilization();
    loop.set(MAIN_SLOT, { active: main.active, idle: main.idle });
    for (const s of this.system.shardBusy()) loop.set(s.slot, { active: s.activeMs, idle: s.idleMs });
    return { at: this.clock.monotonic(), processed: new Map(report.nodes.map((n) => [n.slot, n.processed])), loop };
  }

  /** The newest reading at least MIN_INTERVAL_MS before `at`, else the oldest kept. */
  private baseFor(at: number): Reading {
    for (let i = this.readings.length - 1; i >= 0; i--) if (at - this.readings[i]!.at >= MIN_INTERVAL_MS) return this.readings[i]!;
    return this.readings[0]!;
  }

  private remember(r: Reading): void {
    this.readings.push(r);
    const keepFrom = r.at - KEEP_MS;
    // Keep the newest reading older than a minute too: it is what a slow poller's rate is measured against.
    while (this.readings.length > 2 && this.readings[1]!.at < keepFrom) this.readings.shift();
  }

  private load(n: NodeReport, now: Reading, base: Reading, seconds: number): ShardLoad {
    const before = base.processed.get(n.slot);
    return {
      slot: n.slot,
      answered: true,
      actors: n.actors,
      processed: n.processed,
      // A shard restarted in between counts from zero again.
      messagesPerSecond: before === undefined || before > n.processed ? 0 : Math.round((n.processed - before) / seconds),
      mailboxDepth: n.mailboxDepth,
      deepestMailbox: n.maxMailboxDepth,
      deadLetters: n.deadLetters,
      restarts: n.restarts,
      heapUsedBytes: n.heapUsedBytes,
      busyPercent: busyPercent(now, base, n.slot),
    };
  }
}

function silentLoad(slot: number): Omit<ShardLoad, 'busyPercent'> {
  return { slot, answered: false, actors: 0, processed: 0, messagesPerSecond: 0, mailboxDepth: 0, deepestMailbox: 0, deadLetters: 0, restarts: 0, heapUsedBytes: 0 };
}

function busyPercent(now: Reading, base: Reading, slot: number): number {
  const a = now.loop.get(slot);
  const b = base.loop.get(slot);
  if (!a) return 0;
  const active = a.active - (b && b.active <= a.active ? b.active : 0);
  const idle = a.idle - (b && b.idle <= a.idle ? b.idle : 0);
  return active + idle > 0 ? Math.round((1000 * active) / (active + idle)) / 10 : 0;
}

/** The tree as the query cuts it: matching actors and their ancestors, `depth` levels, `limit` actors breadth first. */
export function cutTree(root: ActorTreeNode, query: ActorQuery): { tree: ActorEntry; shown: number; truncated: boolean } {
  const matches = (n: ActorTreeNode): boolean =>
    (query.kind === undefined || n.kind === query.kind || n.kind.endsWith(`.${query.kind}`)) && (query.shard === undefined || n.ref.slot === query.shard);
  const filtered = query.kind !== undefined || query.shard !== undefined;
  // Which nodes stay: those that match, and every ancestor of one.
  const keep = new Set<ActorTreeNode>();
  const mark = (n: ActorTreeNode): boolean => {
    let any = !filtered || matches(n);
    for (const c of n.children) if (mark(c)) any = true;
    if (any) keep.add(n);
    return any;
  };
  if (filtered) mark(root);
  const maxDepth = query.depth ?? Infinity;
  const limit = query.limit ?? Infinity;
  const entry = (n: ActorTreeNode): ActorEntry => ({ name: n.name, kind: n.kind, shard: n.ref.slot, id: n.ref.id, state: n.state, mailbox: n.mailbox, processed: n.processed, restarts: n.restarts, children: [] });
  const tree = entry(root);
  let shown = 0;
  let truncated = false;
  // Breadth first, so a limit keeps the top of the tree.
  let level: [ActorTreeNode, ActorEntry][] = [[root, tree]];
  for (let depth = 1; level.length > 0; depth++) {
    const next: [ActorTreeNode, ActorEntry][] = [];
    for (const [node, out] of level) {
      let omitted = 0;
      for (const child of node.children) {
        if ((filtered && !keep.has(child)) || depth > maxDepth) omitted++;
        else if (shown >= limit) {
          omitted++;
          truncated = true;
        } else {
          const e = entry(child);
          out.children.push(e);
          shown++;
          next.push([child, e]);
        }
      }
      if (omitted > 0) out.omittedChildren = omitted;
    }
    level = next;
  }
  return { tree, shown, truncated };
}

/** Reads `?kind=&shard=&depth=&limit=` (a bad value is 400 BadRequest naming the parameter). */
export function parseActorQuery(query: Record<string, unknown>): ActorQuery {
  const one = (name: string): string | undefined => {
    const v = query[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw badRequest(`${name}: given more than once`);
    return v;
  };
  const count = (name: string, min: number): number | undefined => {
    const v = one(name);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v) || Number(v) < min) throw badRequest(`${name}: Invalid value: "${v}": must be an integer >= ${min}`);
    return Number(v);
  };
  const shard = one('shard');
  if (shard !== undefined && shard !== 'main' && !/^\d+$/.test(shard)) throw badRequest(`shard: Invalid value: "${shard}": must be a shard's number or "main"`);
  const kind = one('kind');
  if (kind !== undefined && !/^[A-Za-z0-9$._-]{1,253}$/.test(kind)) throw badRequest(`kind: Invalid value: "${kind}": must be an actor kind such as helmsman.pod`);
  const q: ActorQuery = {};
  if (kind !== undefined) q.kind = kind;
  if (shard !== undefined) q.shard = shard === 'main' ? MAIN_SLOT : Number(shard);
  const depth = count('depth', 0);
  if (depth !== undefined) q.depth = depth;
  const limit = count('limit', 1);
  if (limit !== undefined) q.limit = limit;
  return q;
}

const MiB = 1024 * 1024;

/** A shard's name in text: `main`, or its slot. */
export const shardName = (slot: number): string => (slot === MAIN_SLOT ? 'main' : String(slot));

/** The shards as a table (what `helmsman actors` prints). */
export function renderShards(doc: Pick<ActorsDocument, 'shards'>): string {
  return renderTable(
    ['SHARD', 'ACTORS', 'MSGS/S', 'MAILBOX', 'DEEPEST', 'RESTARTS', 'DEAD LETTERS', 'HEAP', 'BUSY'],
    doc.shards.map((s) =>
      s.answered
        ? [shardName(s.slot), String(s.actors), String(s.messagesPerSecond), String(s.mailboxDepth), String(s.deepestMailbox), String(s.restarts), String(s.deadLetters), `${Math.round(s.heapUsedBytes / MiB)} MiB`, `${s.busyPercent}%`]
        : [shardName(s.slot), '(no answer)', '', '', '', '', '', '', `${s.busyPercent}%`],
    ),
  );
}

/** The whole document as text: the shards' table, then the tree indented two spaces a level. */
export function renderActorsText(doc: ActorsDocument): string {
  const lines: string[] = [];
  const walk = (e: ActorEntry, depth: number): void => {
    const restarts = e.restarts > 0 ? `  restarts ${e.restarts}` : '';
    const state = e.state === 'running' ? '' : `  ${e.state}`;
    lines.push(`${'  '.repeat(depth)}${e.name} (${e.kind}) shard ${shardName(e.shard)} #${e.id}  mailbox ${e.mailbox}  processed ${e.processed}${restarts}${state}`);
    for (const c of e.children) walk(c, depth + 1);
    if (e.omittedChildren) lines.push(`${'  '.repeat(depth + 1)}… ${e.omittedChildren} more`);
  };
  if (doc.tree) walk(doc.tree, 0);
  const head = `${doc.actors} actors${doc.tree ? `, ${doc.shown} shown${doc.truncated ? ' (limit reached)' : ''}` : ''}; rates over ${(doc.intervalMs / 1000).toFixed(1)} s\n`;
  return `${renderShards(doc)}\n${head}${lines.length ? `\n${lines.join('\n')}\n` : ''}`;
}

/**
 * The gateway's side of the registry: asks with a deadline (a timeout or a dead shard become a
 * Status), answers a request with what the registry encoded, and streams watches. Shared by the
 * v1beta1 and v1 routes.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import { AskTimeoutError, ShardCrashedError, type ActorSystem } from '../kernel/index.js';
import type { Filter, RegistryReply, RegistryRequest } from '../registry/protocol.js';
import { registryFor, type Registries } from '../registry/routing.js';
import { watchGoneLine, type WireVersion } from './codecs.js';
import type { Resource } from './resources.js';
import { StatusError } from './status.js';

/** kube-apiserver's `--min-request-timeout`: a watch lasts this long at least (times 1 to 2). */
const MIN_REQUEST_TIMEOUT_MS = 1_800_000;

/** What a watch stream asks for. */
export interface WatchRequest {
  resource: Resource;
  filter: Filter;
  fromRevision: number;
  version: WireVersion;
  /** Rewrites each event line before it is sent (v1's Table rows); `undefined` drops it. */
  transform?: (line: string) => string | undefined;
  /** Ends the stream after this long (the `timeoutSeconds` of a watch; default 30 to 60 minutes). */
  timeoutMs?: number;
}

/** The registries, as the gateway's routes use them: each request goes to the one of its resource. */
export class RegistryClient {
  /** Ends the watch streams that rely on a registry's shard, when it dies, by the registry's slot. */
  private readonly watchEnders = new Set<{ slot: number; end: () => void }>();

  constructor(
    readonly system: ActorSystem,
    private readonly registries: Registries,
    private readonly timeoutMs: number,
  ) {
    system.on('shardExit', ({ slot }: { slot: number }) => {
      for (const w of [...this.watchEnders]) if (w.slot === slot) w.end();
    });
  }

  /** Watch streams open now. */
  get openWatches(): number {
    return this.watchEnders.size;
  }

  /** Asks the registry; a timeout is a 504 and a dead shard a 503. */
  async ask(msg: RegistryRequest): Promise<RegistryReply> {
    try {
      return await this.system.ask<RegistryReply>('resource' in msg ? registryFor(this.registries, msg.resource) : this.registries.main, msg, this.timeoutMs);
    } catch (err) {
      if (err instanceof AskTimeoutError) throw new StatusError({ code: 504, reason: 'Timeout', message: `the registry did not answer within ${this.timeoutMs} ms` });
      if (err instanceof ShardCrashedError) throw new StatusError({ code: 503, reason: 'ServiceUnavailable', message: `the registry is restarting: ${err.message}` });
      throw err;
    }
  }

  /** Asks and returns the body as text (a failure is thrown as its Status). */
  async askText(msg: RegistryRequest): Promise<string> {
    const reply = await this.ask(msg);
    if (!reply.ok) throw new StatusError(reply.error);
    return typeof reply.body === 'string' ? reply.body : Buffer.from(reply.body).toString('utf8');
  }

  /** Answers a request with a registry reply (`?pretty` indents it). */
  answer(ctx: Context, reply: RegistryReply): void {
    if (!reply.ok) throw new StatusError(reply.error);
    ctx.status = reply.code;
    ctx.type = 'application/json';
    // A list arrives as bytes in shared memory: view them as a Buffer, no copy.
    const body = typeof reply.body === 'string' ? reply.body : Buffer.from(reply.body);
    ctx.body = 'pretty' in ctx.query && ctx.query.pretty !== 'false' ? JSON.stringify(JSON.parse(body.toString()), null, 2) : body;
  }

  /**
   * Opens a registry watch: `onLine` gets each event's JSON line, and `onEnd` is called once when
   * the watch is over on the registry's side (its shard died: the last line is then the 410 Gone
   * ERROR event). Resolves once the registry has taken the watch (its refusal is thrown as its
   * Status); events are held until `start` (the caller has sent its headers), and `close` ends the
   * watch from this side.
   */
  async subscribe(req: Omit<WatchRequest, 'timeoutMs'>, onLine: (line: string) => void, onEnd: () => void): Promise<{ start(): void; close(): void }> {
    const id = randomUUID();
    const registry = registryFor(this.registries, req.resource);
    const goneLine = watchGoneLine(req.version);
    const transform = req.transform ?? ((line: string) => line);
    let open = true;
    const close = (): void => {
      if (!open) return;
      open = false;
      inbox.close();
      // A watch that ends because the server is stopping has nobody left to tell.
      if (!this.system.stopped) this.system.send(registry, { op: 'unwatch', id });
      this.watchEnders.delete(lost);
    };
    const deliver = (line: string): void => {
      if (!open) return;
      if (line === goneLine) {
        onLine(line);
        close();
        onEnd();
        return;
      }
      const out = transform(line);
      if (out !== undefined) onLine(out);
    };
    // Events can arrive with the registry's answer, before the caller is ready: held until `start`.
    let early: string[] | undefined = [];
    const arrive = (line: string) => (early ? early.push(line) : deliver(line));
    // The registry's shard died: its watchers died with it. Say so (410, as for an expired watch) and end.
    const lost = { slot: registry.slot, end: () => arrive(goneLine) };
    const inbox = this.system.inbox<string>(arrive);
    const reply = await this.ask({ op: 'watch', id, resource: req.resource, filter: req.filter, fromRevision: req.fromRevision, version: req.version, inbox: inbox.ref }).catch((err) => {
      inbox.close();
      throw err;
    });
    if (!reply.ok) {
      inbox.close();
      throw new StatusError(reply.error);
    }
    this.watchEnders.add(lost);
    const start = (): void => {
      const held = early ?? [];
      early = undefined;
      held.forEach(deliver);
    };
    return { start, close };
  }

  /** Streams newline-delimited watch events until the client goes away. */
  async watch(ctx: Context, req: WatchRequest): Promise<void> {
    const res = ctx.res;
    let end: () => void = () => {};
    const watch = await this.subscribe(req, (line) => res.write(`${line}\n`), () => end());
    const done = streamUntilDone(ctx, req.timeoutMs, watch.close, (fn) => (end = fn));
    watch.start();
    await done;
  }
}

/**
 * Sends a watch stream's headers at once, then keeps it open until the client goes away, the
 * registry ends it (`onEnd` is handed the function that ends it) or its time is up — without a
 * timeoutSeconds, kube-apiserver ends a watch after --min-request-timeout (30 min) times a random
 * factor from 1 to 2, so that clients do not all come back at once.
 */
export function streamUntilDone(ctx: Context, timeoutMs: number | undefined, close: () => void, onEnd: (end: () => void) => void): Promise<void> {
  ctx.respond = false;
  ctx.res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' });
  ctx.res.flushHeaders();
  return new Promise<void>((resolve) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      close();
      resolve();
    };
    const end = (): void => {
      finish();
      ctx.res.end();
    };
    const timer = setTimeout(end, timeoutMs ?? MIN_REQUEST_TIMEOUT_MS * (1 + Math.random()));
    onEnd(end);
    ctx.req.on('close', finish);
    ctx.res.on('close', finish);
  });
}

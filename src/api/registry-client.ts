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

  /** Streams newline-delimited watch events until the client goes away. */
  async watch(ctx: Context, req: WatchRequest): Promise<void> {
    const id = randomUUID();
    const registry = registryFor(this.registries, req.resource);
    const res = ctx.res;
    const goneLine = watchGoneLine(req.version);
    const transform = req.transform ?? ((line: string) => line);
    let open = true;
    // Events can arrive with the registry's answer, before the headers are out: hold them until then.
    let early: string[] | undefined = [];
    let end: () => void = () => {};
    const send = (line: string): void => {
      if (line === goneLine) {
        res.write(`${line}\n`);
        end();
        return;
      }
      const out = transform(line);
      if (out !== undefined) res.write(`${out}\n`);
    };
    const inbox = this.system.inbox<string>((line) => {
      if (early) early.push(line);
      else if (open) send(line);
    });
    const reply = await this.ask({ op: 'watch', id, resource: req.resource, filter: req.filter, fromRevision: req.fromRevision, version: req.version, inbox: inbox.ref }).catch((err) => {
      inbox.close();
      throw err;
    });
    if (!reply.ok) {
      inbox.close();
      throw new StatusError(reply.error);
    }
    ctx.respond = false;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' });
    res.flushHeaders();
    await new Promise<void>((resolve) => {
      // Without a timeoutSeconds, kube-apiserver ends a watch after --min-request-timeout (30 min)
      // times a random factor from 1 to 2, so that clients do not all come back at once.
      const timer = setTimeout(() => end(), req.timeoutMs ?? MIN_REQUEST_TIMEOUT_MS * (1 + Math.random()));
      const finish = (): void => {
        if (!open) return;
        open = false;
        clearTimeout(timer);
        inbox.close();
        // A stream that ends because the server is stopping has nobody left to tell.
        if (!this.system.stopped) this.system.send(registry, { op: 'unwatch', id });
        this.watchEnders.delete(lost);
        resolve();
      };
      end = () => {
        finish();
        res.end();
      };
      // The registry's shard died: its watchers died with it. Say so (410, as for an expired watch) and end.
      const lost = {
        slot: registry.slot,
        end: (): void => {
          if (open) send(goneLine);
        },
      };
      ctx.req.on('close', finish);
      res.on('close', finish);
      this.watchEnders.add(lost);
      for (const line of early!) {
        if (!open) break;
        send(line);
      }
      early = undefined;
    });
  }
}

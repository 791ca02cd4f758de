/**
 * Several watches in one stream, for the dashboard: `GET /ui/api/watch?pods=12&nodes=5&events=0`
 * watches each named core resource from its resourceVersion, every event a line of its own tagged
 * with its resource (`{"resource":"pods","type":"ADDED","object":{…}}`). A browser holds at most
 * six connections to one server over HTTP/1.1; six watches would leave the page none for anything
 * else (Headlamp multiplexes its watches for the same reason). Each resource is authorized as a
 * watch of its own; one that cannot be watched (too old a resourceVersion: 410 Gone) gets its
 * ERROR line, and the others go on.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { UserInfo } from '../auth/user.js';
import type { Authorize } from '../auth/authorizer.js';
import { revisionOf } from './query.js';
import type { RegistryClient } from './registry-client.js';
import { streamUntilDone } from './registry-client.js';
import { RESOURCES, type Resource } from './resources.js';
import { badRequest, renderStatus, StatusError } from './status.js';

/** The path of the stream. */
export const MULTIPLEX_PATH = '/ui/api/watch';

/** The resources of the core group, which the stream serves. */
const CORE = new Set(Object.values(RESOURCES).filter((r) => r.group === '').map((r) => r.resource));

/** The route; `authorize` (when access control is on) checks each resource as its own watch. */
export function multiplexRoutes(registry: RegistryClient, authorize: Authorize | undefined): Router {
  const router = new Router();
  router.get(MULTIPLEX_PATH, async (ctx) => {
    const wanted = wantedOf(ctx);
    const user = ctx.state.user as UserInfo | undefined;
    if (authorize && user) {
      for (const [resource] of wanted) {
        const denied = authorize(user, { resourceRequest: true, verb: 'watch', apiGroup: '', resource, subresource: '', namespace: '', name: '' });
        if (denied) throw denied;
      }
    }
    const res = ctx.res;
    const watches: { start(): void; close(): void }[] = [];
    const refused: string[] = [];
    let end: () => void = () => {};
    const closeAll = () => watches.forEach((w) => w.close());
    try {
      for (const [resource, fromRevision] of wanted) {
        const tag = `{"resource":${JSON.stringify(resource)},`;
        const write = (line: string) => res.write(`${tag}${line.slice(1)}\n`);
        try {
          // A watch whose registry went away ends this stream: the page lists again and comes back.
          watches.push(await registry.subscribe({ resource, filter: {}, fromRevision, version: 'v1' }, write, () => end()));
        } catch (err) {
          if (!(err instanceof StatusError)) throw err;
          refused.push(`${tag}"type":"ERROR","object":${JSON.stringify(renderStatus(err.info, 'v1'))}}\n`);
        }
      }
    } catch (err) {
      closeAll();
      throw err;
    }
    const done = streamUntilDone(ctx, undefined, closeAll, (fn) => (end = fn));
    for (const line of refused) res.write(line);
    watches.forEach((w) => w.start());
    await done;
  });
  return router;
}

/** The resources asked for, with the revision each is watched from. */
function wantedOf(ctx: Context): [Resource, number][] {
  const wanted: [Resource, number][] = [];
  for (const [name, value] of Object.entries(ctx.query)) {
    if (!CORE.has(name as Resource)) throw badRequest(`${name}: not a resource this stream serves (core resources: ${[...CORE].join(', ')})`);
    if (typeof value !== 'string') throw badRequest(`${name}: given more than once`);
    wanted.push([name as Resource, revisionOf(value)]);
  }
  if (wanted.length === 0) throw badRequest('name at least one resource to watch, with the resourceVersion to watch it from: ?pods=12&nodes=5');
  return wanted;
}

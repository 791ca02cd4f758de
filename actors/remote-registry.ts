/**
 * The remote registry: the registry protocol (src/registry/protocol.ts) spoken over a control
 * plane's HTTP API, so that the minion, pod and service-proxy actors run unchanged in an agent on
 * another host (`helmsman minion`). Watches are list-and-watch reflectors from a resourceVersion
 * (src/agent/reflector.ts): a dropped connection is resumed, a 410 Gone is the watcher's `GONE` (its
 * informer lists again). Writes are the kubelet's: creates and updates of its Node, Lease and
 * events, and statuses through the `status` subresource of pods and nodes — put over the newest
 * object this actor has seen, so a status write needs no read first.
 *
 * Writes that meet a busy or unreachable control plane (429 TooManyRequests, 503, 504) are tried
 * again with backoff (after `Retry-After` when given), as client-go does; statuses as the kubelet's
 * status manager writes them: one at a time, only the newest of each object, again until it is written. While the
 * control plane cannot be reached, watchers keep what they have (the minion keeps its pods
 * running); the watches resume when it returns. Each minion's client holds a few connections
 * (`CONNECTIONS`): its watches and a handful of requests at once, as a kubelet's QPS limit keeps it.
 */
import { Actor } from '../src/kernel/index.js';
import type { ApiObject } from '../src/api/model.js';
import { apiPathOf, RESOURCES, type Resource } from '../src/api/resources.js';
import { formatFieldSelector, formatLabelSelector } from '../src/api/selector.js';
import { decodeV1, toV1 } from '../src/api/v1.js';
import type { StatusInfo } from '../src/api/status.js';
import type { ClientCredentials } from '../src/cli/credentials.js';
import type { Filter, RegistryReply, RegistryRequest, WatchEvent } from '../src/registry/protocol.js';
import { ApiClient, type ApiResult } from '../src/agent/api-client.js';
import { Reflector } from '../src/agent/reflector.js';

/** Props of a remote registry. */
export interface RemoteRegistryProps {
  /** The control plane (`https://10.0.0.1:6443`). */
  server: string;
  credentials: ClientCredentials;
}

/** One watcher's reflector, and what it has been sent (for `statusChanges: false`). */
interface RemoteWatch {
  reflector: Reflector;
  /** Per object key, what a spec-only watcher last got: its metadata and spec, as JSON. */
  sent: Map<string, string> | undefined;
}

/** The resources whose status this actor writes, whose newest objects it keeps. */
const STATUS_WRITTEN = new Set<Resource>(['pods', 'nodes']);

/** Connections of one minion's client: its three watches (pods, services, endpoints) and seven requests at once. */
const CONNECTIONS = 10;

/** Tries of a write other than a status (an event, a lease: the next one follows anyway). */
const WRITE_ATTEMPTS = 5;

/** The longest pause between tries. */
const MAX_BACKOFF_MS = 10_000;

type SetStatus = Extract<RegistryRequest, { op: 'setStatus' }>;

/** The newest status waiting to be written for one object, and who waits for an answer. */
interface StatusWrite {
  msg: SetStatus;
  replies: ((reply: RegistryReply) => void)[];
}

/** Whether a failure is the control plane's state of the moment (busy, unreachable, slow), worth trying again. */
function transient(error: StatusInfo): boolean {
  return error.code === 429 || error.code === 503 || error.code === 504;
}

/** The pause before try `failures + 1`: the server's Retry-After, else doubling from 250 ms, with jitter. */
function backoffMs(failures: number, error: StatusInfo): number {
  const base = error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : Math.min(MAX_BACKOFF_MS, 250 * 2 ** failures);
  return base * (0.75 + Math.random() / 2);
}

/** The remote registry actor. */
export class RemoteRegistry extends Actor<RegistryRequest, RemoteRegistryProps> {
  static override readonly kind = 'helmsman.remote-registry';

  private api!: ApiClient;
  private readonly watches = new Map<string, RemoteWatch>();
  /** The newest object seen of each key (`resource/namespace/name`) whose status is written here. */
  private readonly latest = new Map<string, ApiObject>();
  /** Status writes waiting or under way, by key. */
  private readonly statusWrites = new Map<string, StatusWrite>();
  private writingStatus = false;
  private stopped = false;

  override preStart(): void {
    this.api = new ApiClient({ server: this.props.server, credentials: this.props.credentials }, CONNECTIONS);
  }

  override async postStop(): Promise<void> {
    this.stopped = true;
    for (const w of this.watches.values()) w.reflector.stop();
    this.watches.clear();
    await this.api.close();
  }

  receive(msg: RegistryRequest): void {
    const to = this.ctx.sender;
    const answer = (reply: RegistryReply, mode: boolean | 'errors' = true): void => {
      if (to && (mode === true || (mode === 'errors' && !reply.ok))) this.ctx.send(to, reply);
    };
    switch (msg.op) {
      case 'get':
        void this.read(msg.resource, objectPath(msg.resource, msg.namespace, msg.name)).then(answer);
        return;
      case 'list':
        void this.list(msg.resource, msg.filter).then(answer);
        return;
      case 'create':
        void this.retrying(() => this.write('POST', msg.resource, collectionPath(msg.resource, msg.object.metadata.namespace), msg.object)).then((r) => answer(r, msg.reply ?? true));
        return;
      case 'update':
        void this.retrying(() => this.update(msg.resource, msg.object, msg.orCreate ?? false)).then((r) => answer(r, msg.reply ?? true));
        return;
      case 'setStatus':
        return this.queueStatus(msg, (r) => answer(r, msg.reply ?? true));
      case 'delete':
        void this.retrying(async (): Promise<RegistryReply> => {
          const r = await this.api.request('DELETE', objectPath(msg.resource, msg.namespace, msg.name));
          return r.ok ? { ok: true, code: 200, body: '{}' } : { ok: false, error: r.error };
        }).then((r) => answer(r, msg.reply ?? true));
        return;
      case 'bind':
        answer({ ok: false, error: { code: 405, reason: 'MethodNotAllowed', message: 'a remote minion does not bind pods' } });
        return;
      case 'watch':
        return this.watch(msg);
      case 'unwatch': {
        this.watches.get(msg.id)?.reflector.stop();
        this.watches.delete(msg.id);
        return;
      }
    }
  }

  private watch(msg: Extract<RegistryRequest, { op: 'watch' }>): void {
    this.watches.get(msg.id)?.reflector.stop();
    const { id, resource, inbox } = msg;
    const sent = msg.statusChanges === false ? new Map<string, string>() : undefined;
    const send = (event: WatchEvent): void => this.ctx.send(inbox, event);
    const deliver = (type: 'ADDED' | 'MODIFIED' | 'DELETED', wire: Record<string, unknown>): void => {
      const object = this.decode(resource, wire);
      if (!object) return;
      const key = keyOf(resource, object);
      if (STATUS_WRITTEN.has(resource)) {
        if (type === 'DELETED') this.latest.delete(key);
        else this.latest.set(key, object);
      }
      if (sent) {
        // A watcher of spec only: a change of status alone is no news to it.
        const shape = JSON.stringify([object.metadata.labels, object.metadata.annotations, object.metadata.uid, 'spec' in object ? object.spec : undefined]);
        if (type === 'DELETED') sent.delete(key);
        else if (sent.get(key) === shape && type === 'MODIFIED') return;
        else sent.set(key, shape);
      }
      send({ watch: id, type, object: JSON.stringify(object), revision: object.metadata.resourceVersion });
    };
    const reflector = new Reflector(this.api, collectionPath(resource, msg.filter.namespace), selectorQuery(msg.filter), {
      onList: (items, rv) => {
        for (const item of items) deliver('ADDED', item);
        send({ watch: id, type: 'SYNCED', revision: Number(rv) || 0 });
      },
      onEvent: deliver,
      onGone: () => {
        this.watches.delete(id);
        send({ watch: id, type: 'GONE', revision: 0 });
      },
    });
    this.watches.set(id, { reflector, sent });
    reflector.start();
  }

  /** Runs a write, again after a transient failure (up to WRITE_ATTEMPTS tries). */
  private async retrying(write: () => Promise<RegistryReply>): Promise<RegistryReply> {
    for (let failures = 0; ; failures++) {
      const reply = await write();
      if (reply.ok || !transient(reply.error) || failures + 1 >= WRITE_ATTEMPTS || this.stopped) return reply;
      await sleep(backoffMs(failures, reply.error));
    }
  }

  /**
   * Queues an object's status. As the kubelet's status manager, one status is written at a time,
   * in the order they came, only the newest of each object; a write the control plane turns away
   * for now (busy, unreachable) is tried again after a pause that holds the whole queue back, so
   * a thousand minions slow down together instead of retrying over each other.
   */
  private queueStatus(msg: SetStatus, reply: (r: RegistryReply) => void): void {
    const key = `${msg.resource}/${RESOURCES[msg.resource].namespaced ? msg.namespace : ''}/${msg.name}`;
    const queued = this.statusWrites.get(key);
    if (queued) {
      queued.msg = msg;
      queued.replies.push(reply);
      return;
    }
    this.statusWrites.set(key, { msg, replies: [reply] });
    if (!this.writingStatus) void this.drainStatus();
  }

  private async drainStatus(): Promise<void> {
    this.writingStatus = true;
    let failures = 0;
    while (!this.stopped) {
      // The oldest waiting object (a Map keeps insertion order); a newer status of it replaces its message in place.
      const next = this.statusWrites.entries().next();
      if (next.done) break;
      const [key, entry] = next.value;
      const { msg } = entry;
      const reply = await this.setStatus(msg);
      if (!reply.ok && transient(reply.error) && !this.stopped) {
        await sleep(backoffMs(failures++, reply.error));
        continue;
      }
      failures = 0;
      // A newer status came meanwhile: it is written next, in the same place, and answers everyone who asked.
      if (entry.msg !== msg) continue;
      this.statusWrites.delete(key);
      for (const r of entry.replies) r(reply);
    }
    this.writingStatus = false;
  }

  private async read(resource: Resource, path: string): Promise<RegistryReply> {
    return this.internal(resource, await this.api.request('GET', path));
  }

  private async list(resource: Resource, filter: Filter): Promise<RegistryReply> {
    const query = new URLSearchParams(selectorQuery(filter));
    const result = await this.api.request<{ items?: Record<string, unknown>[] }>('GET', `${collectionPath(resource, filter.namespace)}?${query}`);
    if (!result.ok) return result;
    const items: ApiObject[] = [];
    for (const item of result.body.items ?? []) {
      const object = this.decode(resource, item);
      if (object) items.push(object);
    }
    return { ok: true, code: 200, body: JSON.stringify({ items }) };
  }

  private async update(resource: Resource, object: ApiObject, orCreate: boolean): Promise<RegistryReply> {
    const { namespace, name } = object.metadata;
    const reply = await this.write('PUT', resource, objectPath(resource, namespace, name), object);
    if (!reply.ok && reply.error.code === 404 && orCreate) return this.write('POST', resource, collectionPath(resource, namespace), object);
    return reply;
  }

  /** The status subresource's PUT, over the newest object seen (read first when there is none); the uid must match. */
  private async setStatus(msg: Extract<RegistryRequest, { op: 'setStatus' }>): Promise<RegistryReply> {
    const { resource, namespace, name } = msg;
    const path = objectPath(resource, namespace, name);
    const key = `${resource}/${RESOURCES[resource].namespaced ? namespace : ''}/${name}`;
    let base = this.latest.get(key);
    if (!base || (msg.uid !== undefined && base.metadata.uid !== msg.uid)) {
      const read = await this.read(resource, path);
      if (!read.ok) return read;
      base = JSON.parse(read.body as string) as ApiObject;
    }
    if (msg.uid !== undefined && base.metadata.uid !== msg.uid) return { ok: false, error: { code: 404, reason: 'NotFound', message: `${resource} "${name}" not found`, kind: resource, name } };
    const object = { ...base, metadata: { ...base.metadata, resourceVersion: msg.resourceVersion ?? 0 }, status: msg.status } as ApiObject;
    return this.write('PUT', resource, `${path}/status`, object);
  }

  /** Sends `object` as v1 JSON; answers the written object in the internal encoding, and keeps it when its status is written here. */
  private async write(method: 'POST' | 'PUT', resource: Resource, path: string, object: ApiObject): Promise<RegistryReply> {
    const wire = toV1(object) as { metadata: Record<string, unknown> };
    // A resourceVersion of 0 is none: an unconditional write.
    if (!object.metadata.resourceVersion) delete wire.metadata.resourceVersion;
    for (const field of ['uid', 'creationTimestamp'] as const) if (!object.metadata[field]) delete wire.metadata[field];
    return this.internal(resource, await this.api.request(method, path, wire));
  }

  /** An API answer as the registry's internal reply. */
  private internal(resource: Resource, result: ApiResult): RegistryReply {
    if (!result.ok) return { ok: false, error: result.error };
    const object = this.decode(resource, result.body as Record<string, unknown>);
    if (!object) return { ok: false, error: undecodable(resource) };
    if (STATUS_WRITTEN.has(resource)) {
      const key = keyOf(resource, object);
      const known = this.latest.get(key);
      if (!known || known.metadata.resourceVersion <= object.metadata.resourceVersion) this.latest.set(key, object);
    }
    return { ok: true, code: result.code, body: JSON.stringify(object) };
  }

  /** A v1 object in the internal model, or undefined (with a word on stderr) when it cannot be read. */
  private decode(resource: Resource, wire: Record<string, unknown>): ApiObject | undefined {
    try {
      return decodeV1(resource, wire, { namespace: (wire.metadata as { namespace?: string } | undefined)?.namespace ?? '' }).object;
    } catch (err) {
      process.stderr.write(`helmsman: ${undecodable(resource).message}: ${(err as Error).message}\n`);
      return undefined;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function undecodable(resource: Resource): StatusInfo {
  return { code: 500, reason: 'InternalError', message: `the control plane sent ${resource} this minion cannot read` };
}

function keyOf(resource: Resource, object: ApiObject): string {
  return `${resource}/${object.metadata.namespace}/${object.metadata.name}`;
}

/** A collection's v1 path: in one namespace, or across all (and cluster-scoped ones). */
function collectionPath(resource: Resource, namespace: string | undefined): string {
  const base = apiPathOf(RESOURCES[resource]);
  return RESOURCES[resource].namespaced && namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${resource}` : `${base}/${resource}`;
}

function objectPath(resource: Resource, namespace: string, name: string): string {
  return `${collectionPath(resource, RESOURCES[resource].namespaced ? namespace : undefined)}/${encodeURIComponent(name)}`;
}

/** A filter's selectors as v1 query parameters (`labelSelector`, `fieldSelector`). */
function selectorQuery(filter: Filter): Record<string, string> {
  const query: Record<string, string> = {};
  if (filter.labels?.requirements.length) query.labelSelector = formatLabelSelector(filter.labels);
  if (filter.fields?.requirements.length) query.fieldSelector = formatFieldSelector(v1Fields(filter.fields));
  return query;
}

/** Field selectors in v1's names (a pod's `spec.host` is `spec.nodeName` there). */
function v1Fields(fields: NonNullable<Filter['fields']>): NonNullable<Filter['fields']> {
  return { ...fields, requirements: fields.requirements.map((r) => (r.field === 'spec.host' ? { ...r, field: 'spec.nodeName' } : r)) };
}

#!/usr/bin/env node
/**
 * The `kubecfg` command: the seed's CLI for the v1beta1 API. `get`, `list`, `create`, `update` and
 * `delete` work on `<resource>[/<id>]`; `resize`, `stop`, `rm` and `run` work on replication
 * controllers. Flags are Go-style, single-dash (`-h` is the server, not help), before or after the verb.
 */
import { readFile } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { readAuthFile, readKubeconfig, type ClientCredentials } from './credentials.js';
import {
  apiPath,
  Client,
  RESOURCES,
  ServerError,
  type Port,
  type ReplicationController,
  type Resource,
  type Service,
  type TypeMeta,
} from './client.js';
import { formatTable, statusTable } from './table.js';

/** The usage text, printed by `-help` (to stdout) and after a usage error (to stderr). */
export const USAGE = `usage: kubecfg [OPTIONS] get|list|create|update|delete <resource>[/<id>]
       kubecfg [OPTIONS] resize <controller> <replicas>
       kubecfg [OPTIONS] stop|rm <controller>
       kubecfg [OPTIONS] [-u <period>] [-image <image>] rollingupdate <controller>
       kubecfg [OPTIONS] [-tail <lines>] log <pod> [<container>]
       kubecfg [OPTIONS] [-p <hostPort>:<containerPort>] [-s <port>] run <image> <replicas> <name>

Resources: ${RESOURCES.join(', ')} (a leading slash is optional).

Options (before or after the verb):
  -h <url>        the API server (default: $KUBERNETES_MASTER, else the server of
                  $KUBECONFIG's current context, else http://localhost:8080)
  -auth <file>    credentials, as 2014's kubecfg: JSON with "User" and "Password",
                  or "BearerToken"; "CAFile" to verify an https server (default:
                  the token or user and CA of $KUBECONFIG's current context)
  -insecure_skip_tls_verify  do not verify the server's certificate
  -c <file|->     the object for create or update, JSON or YAML ("-" reads stdin)
  -l <selector>   list only the objects whose labels match, e.g. name=redis,role=master
  -json           print the raw object as JSON instead of a table
  -yaml           print the raw object as YAML instead of a table
  -p <spec>       run: container ports, <hostPort>:<containerPort>[,...]
  -s <port>       run: also create a service on this port
  -u <period>     rollingupdate: wait between pods (Go duration, default 1m0s)
  -image <image>  rollingupdate: the new image of the template's first container
  -tail <lines>   log: only the last lines
  -help           print this help
`;

/** The server kubecfg talks to when neither `-h` nor `$KUBERNETES_MASTER` names one. */
export const DEFAULT_SERVER = 'http://localhost:8080';

/** What `main` reads and writes: the process's streams and environment, or a test's fakes. */
export interface Io {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  stdin: AsyncIterable<string | Uint8Array>;
  env: Record<string, string | undefined>;
}

/** The exact texts of kubecfg's own errors. */
const MESSAGES = {
  noVerb: () => 'no verb given',
  unknownVerb: (verb: string) => `unknown verb "${verb}"`,
  unknownFlag: (flag: string) => `unknown flag "${flag}"`,
  flagNeedsValue: (flag: string) => `flag -${flag} needs a value`,
  flagIsBoolean: (flag: string, value: string) => `flag -${flag} takes no value, got "${value}"`,
  exclusiveOutputs: () => '-json and -yaml cannot be used together',
  missingArgument: (verb: string, what: string) => `${verb} needs ${what}`,
  tooManyArguments: (verb: string, extra: string[]) => `too many arguments for ${verb}: ${extra.join(' ')}`,
  unknownResource: (resource: string) => `unknown resource "${resource}" (one of: ${RESOURCES.join(', ')})`,
  needsId: (verb: string, target: string) => `${verb} needs <resource>/<id>, got "${target}"`,
  takesNoId: (verb: string, target: string) => `${verb} takes a resource without an id, got "${target}"`,
  needsFile: (verb: string) => `${verb} needs -c <file|->`,
  unreadable: (file: string, why: string) => `cannot read "${file}": ${why}`,
  notJsonOrYaml: (source: string, why: string) => `${source} is not valid JSON or YAML: ${why}`,
  notAnObject: (source: string) => `${source} does not hold a JSON or YAML object`,
  badCount: (what: string, value: string) => `${what} must be a non-negative integer, got "${value}"`,
  badPort: (flag: string, value: string) => `-${flag} must be a port number (1-65535), got "${value}"`,
  badPortSpec: (spec: string) => `invalid port spec "${spec}" (expected <hostPort>:<containerPort>[,...])`,
  badServer: (server: string) => `invalid server URL "${server}"`,
  badDuration: (flag: string, value: string) => `-${flag} must be a duration such as 60s, 1m30s or 500ms, got "${value}"`,
  rollingUpdateTimeout: (id: string, expected: number) => `timed out waiting for replication controller "${id}" to have ${expected} pods`,
  stopFirst: (id: string, replicas: number) => `replication controller "${id}" has ${replicas} replicas; stop it first (kubecfg stop ${id})`,
} as const;

/** A mistake on the command line: printed with the usage, exit code 2. */
class UsageError extends Error {}

/** The flags kubecfg takes, and whether each takes a value. */
const FLAGS = { h: 'value', auth: 'value', insecure_skip_tls_verify: 'boolean', c: 'value', l: 'value', p: 'value', s: 'value', u: 'value', image: 'value', tail: 'value', json: 'boolean', yaml: 'boolean', help: 'boolean' } as const;

type Flags = { -readonly [F in keyof typeof FLAGS]?: (typeof FLAGS)[F] extends 'value' ? string : boolean };

/** Everything a verb needs: the parsed flags, the client and the streams. */
interface Command {
  flags: Flags;
  client: Client;
  io: Io;
}

/**
 * Runs kubecfg with `argv` (without node and the script) and resolves to the exit code: 0, 1 when the
 * server refused or could not be reached, 2 on a usage error. Never rejects.
 */
export async function main(argv: string[], io: Io): Promise<number> {
  try {
    if (argv.includes('-help') || argv.includes('--help')) {
      io.stdout.write(USAGE);
      return 0;
    }
    const { flags, args } = parseCommandLine(argv);
    const [verb, ...rest] = args;
    if (verb === undefined) throw new UsageError(MESSAGES.noVerb());
    const run = VERBS[verb];
    if (run === undefined) throw new UsageError(MESSAGES.unknownVerb(verb));
    await run({ flags, client: connect(flags, io.env), io }, verb, rest);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`error: ${err.message}\n${USAGE}`);
      return 2;
    }
    if (err instanceof ServerError) {
      io.stderr.write(`Error from server (${err.reason}): ${err.message}\n`);
      return 1;
    }
    io.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/** Splits argv into flags and positional arguments; flags may sit anywhere, `--` ends them. */
function parseCommandLine(argv: string[]): { flags: Flags; args: string[] } {
  const flags: Record<string, string | boolean> = {};
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    // A lone `-` is an argument (stdin), as in Go's flag package.
    if (!arg.startsWith('-') || arg === '-') {
      args.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const inline = eq === -1 ? undefined : body.slice(eq + 1);
    if (!Object.hasOwn(FLAGS, name)) throw new UsageError(MESSAGES.unknownFlag(arg));
    if (FLAGS[name as keyof typeof FLAGS] === 'boolean') {
      if (inline !== undefined && inline !== 'true' && inline !== 'false') throw new UsageError(MESSAGES.flagIsBoolean(name, inline));
      flags[name] = inline !== 'false';
    } else if (inline !== undefined) {
      flags[name] = inline;
    } else if (i + 1 < argv.length) {
      flags[name] = argv[++i]!;
    } else {
      throw new UsageError(MESSAGES.flagNeedsValue(name));
    }
  }
  if (flags.json && flags.yaml) throw new UsageError(MESSAGES.exclusiveOutputs());
  return { flags: flags as Flags, args };
}

/** The client of the server and credentials that the flags, the environment and the kubeconfig name. */
function connect(flags: Flags, env: Io['env']): Client {
  const kubeconfig = env.KUBECONFIG ? readKubeconfig(env.KUBECONFIG.split(':')[0]!) : {};
  const credentials: ClientCredentials = flags.auth !== undefined ? readAuthFile(flags.auth) : kubeconfig;
  if (flags.insecure_skip_tls_verify) credentials.insecure = true;
  return new Client(resolveServer(flags.h ?? (env.KUBERNETES_MASTER || kubeconfig.server || DEFAULT_SERVER)), credentials);
}

/** The server's URL, `http://` when no scheme is given. */
function resolveServer(given: string): string {
  const server = /^[a-z][a-z0-9+.-]*:\/\//i.test(given) ? given : `http://${given}`;
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(MESSAGES.badServer(given));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(MESSAGES.badServer(given));
  return server;
}

type Verb = (cmd: Command, verb: string, args: string[]) => Promise<void>;

/** The verbs, by name. */
const VERBS: Record<string, Verb | undefined> = {
  async get(cmd, verb, args) {
    const [target] = expectArgs(verb, args, ['<resource>/<id>']);
    const { resource, id } = parseTarget(verb, target, true);
    const object = await cmd.client.get<TypeMeta>(apiPath(resource, id));
    print(cmd, object, () => formatTable(resource, object));
  },

  async list(cmd, verb, args) {
    const [target] = expectArgs(verb, args, ['<resource>']);
    const { resource } = parseTarget(verb, target, false);
    const list = await cmd.client.get<TypeMeta>(apiPath(resource, undefined, cmd.flags.l));
    print(cmd, list, () => formatTable(resource, list));
  },

  async create(cmd, verb, args) {
    const [target] = expectArgs(verb, args, ['<resource>']);
    const { resource } = parseTarget(verb, target, false);
    const body = await readObject(cmd, verb);
    const created = await cmd.client.post<TypeMeta>(apiPath(resource), body);
    print(cmd, created, () => formatTable(resource, created));
  },

  async update(cmd, verb, args) {
    const [target] = expectArgs(verb, args, ['<resource>/<id>']);
    const { resource, id } = parseTarget(verb, target, true);
    const body = await readObject(cmd, verb);
    // The server refuses a PUT whose resourceVersion is not the current one (optimistic concurrency).
    const current = await cmd.client.get<TypeMeta>(apiPath(resource, id));
    body.resourceVersion = current.resourceVersion;
    const updated = await cmd.client.put<TypeMeta>(apiPath(resource, id), body);
    print(cmd, updated, () => formatTable(resource, updated));
  },

  async delete(cmd, verb, args) {
    const [target] = expectArgs(verb, args, ['<resource>/<id>']);
    const { resource, id } = parseTarget(verb, target, true);
    const status = await cmd.client.delete(apiPath(resource, id));
    print(cmd, status, () => statusTable(status));
  },

  async resize(cmd, verb, args) {
    const [id, count] = expectArgs(verb, args, ['<controller>', '<replicas>']);
    printObject(cmd, await resize(cmd.client, id, parseCount('replicas', count)));
  },

  async stop(cmd, verb, args) {
    const [id] = expectArgs(verb, args, ['<controller>']);
    printObject(cmd, await resize(cmd.client, id, 0));
  },

  async rm(cmd, verb, args) {
    const [id] = expectArgs(verb, args, ['<controller>']);
    const rc = await cmd.client.get<ReplicationController>(apiPath('replicationControllers', id));
    const replicas = rc.desiredState?.replicas ?? 0;
    // Deleting a controller leaves its pods running, unowned; kubecfg made you scale to 0 first.
    if (replicas !== 0) throw new Error(MESSAGES.stopFirst(id, replicas));
    const status = await cmd.client.delete(apiPath('replicationControllers', id));
    print(cmd, status, () => statusTable(status));
  },

  /**
   * 2014's rolling update: set the template's image (with -image), then delete the controller's
   * pods one at a time, `-u` apart, so it replaces each from the new template; done once the
   * controller has as many pods as before.
   */
  async rollingupdate(cmd, verb, args) {
    const [id] = expectArgs(verb, args, ['<controller>']);
    const periodMs = parseDuration('u', cmd.flags.u ?? '1m0s');
    const path = apiPath('replicationControllers', id);
    let rc = await cmd.client.get<ReplicationController>(path);
    const image = cmd.flags.image;
    if (image) {
      const container = rc.desiredState?.podTemplate?.desiredState?.manifest?.containers?.[0];
      if (container) container.image = image;
      rc = await cmd.client.put<ReplicationController>(path, rc);
    }
    const selector = formatSelector(rc.desiredState?.replicaSelector ?? {});
    const pods = (await cmd.client.get<{ items?: { id: string }[] }>(apiPath('pods', undefined, selector))).items ?? [];
    const expected = pods.length;
    for (const [i, pod] of pods.entries()) {
      await cmd.client.delete(apiPath('pods', pod.id));
      cmd.io.stderr.write(`Deleted pod ${pod.id} (${i + 1}/${expected})\n`);
      await sleep(periodMs);
    }
    const deadline = Date.now() + 300_000;
    for (;;) {
      const now = (await cmd.client.get<{ items?: unknown[] }>(apiPath('pods', undefined, selector))).items ?? [];
      if (now.length === expected) break;
      if (Date.now() > deadline) throw new Error(MESSAGES.rollingUpdateTimeout(id, expected));
      await sleep(Math.min(periodMs, 1000) || 100);
    }
    printObject(cmd, rc);
  },

  /** A container's output (the pod's only container unless one is named). */
  async log(cmd, verb, args) {
    if (args.length === 0) throw new UsageError(MESSAGES.missingArgument(verb, '<pod>'));
    if (args.length > 2) throw new UsageError(MESSAGES.tooManyArguments(verb, args.slice(2)));
    const [pod, container] = args as [string, string | undefined];
    const query = new URLSearchParams();
    if (container !== undefined) query.set('container', container);
    if (cmd.flags.tail !== undefined) query.set('tailLines', String(parseCount('tail', cmd.flags.tail)));
    const q = query.size > 0 ? `?${query}` : '';
    cmd.io.stdout.write(await cmd.client.getText(`${apiPath('pods', pod.replace(/^\/?pods\//, ''))}/log${q}`));
  },

  async run(cmd, verb, args) {
    const [image, count, name] = expectArgs(verb, args, ['<image>', '<replicas>', '<name>']);
    const replicas = parseCount('replicas', count);
    const ports = cmd.flags.p === undefined ? undefined : parsePortSpec(cmd.flags.p);
    const servicePort = cmd.flags.s === undefined ? undefined : parsePort('s', cmd.flags.s);
    const controller: ReplicationController = {
      id: name,
      kind: 'ReplicationController',
      apiVersion: 'v1beta1',
      desiredState: {
        replicas,
        replicaSelector: { name },
        podTemplate: {
          desiredState: { manifest: { version: 'v1beta1', id: name, containers: [{ name, image, ...(ports && { ports }) }] } },
          labels: { name },
        },
      },
      labels: { name },
    };
    printObject(cmd, await cmd.client.post<ReplicationController>(apiPath('replicationControllers'), controller));
    if (servicePort === undefined) return;
    const service: Service = { id: name, kind: 'Service', apiVersion: 'v1beta1', port: servicePort, labels: { name }, selector: { name } };
    if (ports?.[0]?.containerPort !== undefined) service.containerPort = ports[0].containerPort;
    await cmd.client.post<Service>(apiPath('services'), service);
  },
};

/** Sets a controller's desired replicas: GET it, change `desiredState.replicas`, PUT it back. */
async function resize(client: Client, id: string, replicas: number): Promise<ReplicationController> {
  const path = apiPath('replicationControllers', id);
  const rc = await client.get<ReplicationController>(path);
  rc.desiredState = { ...rc.desiredState, replicas };
  return client.put<ReplicationController>(path, rc);
}

/** A Go duration (`1m30s`, `500ms`, `2h`) in milliseconds. */
function parseDuration(flag: string, value: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  if (value === '0') return 0;
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value) throw new UsageError(MESSAGES.badDuration(flag, value));
  return parts.reduce((ms, p) => ms + Number(p[1]) * units[p[2]!]!, 0);
}

/** A label set as a selector (`a=b,c=d`). */
function formatSelector(set: Record<string, string>): string {
  return Object.entries(set)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Checks a verb's argument count; returns exactly `names.length` arguments. */
function expectArgs(verb: string, args: string[], names: string[]): string[] {
  if (args.length < names.length) throw new UsageError(MESSAGES.missingArgument(verb, names[args.length]!));
  if (args.length > names.length) throw new UsageError(MESSAGES.tooManyArguments(verb, args.slice(names.length)));
  return args;
}

/** Parses `[/]<resource>[/<id>]`, requiring or refusing the id. */
function parseTarget(verb: string, target: string, needsId: boolean): { resource: Resource; id?: string } {
  const trimmed = target.replace(/^\/+/, '');
  const slash = trimmed.indexOf('/');
  const resource = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const id = slash === -1 ? '' : trimmed.slice(slash + 1);
  if (!(RESOURCES as readonly string[]).includes(resource)) throw new UsageError(MESSAGES.unknownResource(resource));
  if (needsId && id === '') throw new UsageError(MESSAGES.needsId(verb, target));
  if (!needsId && id !== '') throw new UsageError(MESSAGES.takesNoId(verb, target));
  return { resource: resource as Resource, id: needsId ? id : undefined };
}

/** Reads `-c`'s file (or stdin for `-`) and parses it as JSON, else YAML, into an object. */
async function readObject(cmd: Command, verb: string): Promise<Record<string, unknown>> {
  const file = cmd.flags.c;
  if (file === undefined) throw new UsageError(MESSAGES.needsFile(verb));
  const source = file === '-' ? 'stdin' : `"${file}"`;
  let text: string;
  try {
    text = file === '-' ? await readAll(cmd.io.stdin) : await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(MESSAGES.unreadable(file, (err as Error).message));
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (jsonError) {
    try {
      value = YAML.parse(text);
    } catch (yamlError) {
      // Report the parser the file was meant for: JSON when it opens like JSON.
      const cause = /^\s*[[{]/.test(text) ? jsonError : yamlError;
      throw new UsageError(MESSAGES.notJsonOrYaml(source, firstLine((cause as Error).message)));
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(MESSAGES.notAnObject(source));
  return value as Record<string, unknown>;
}

/** Reads a stream to its end as UTF-8 text. */
async function readAll(stream: AsyncIterable<string | Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a replica count. */
function parseCount(what: string, value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new UsageError(MESSAGES.badCount(what, value));
  return Number(value);
}

/** Parses a TCP port number given to flag `-<flag>`. */
function parsePort(flag: string, value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw new UsageError(MESSAGES.badPort(flag, value));
  return port;
}

/** Parses `-p`: `<hostPort>:<containerPort>`, comma-separated for several, as kubecfg's port spec. */
function parsePortSpec(spec: string): Port[] {
  return spec.split(',').map((part) => {
    const match = /^(\d+):(\d+)$/.exec(part.trim());
    const hostPort = Number(match?.[1]);
    const containerPort = Number(match?.[2]);
    if (!match || [hostPort, containerPort].some((p) => p < 1 || p > 65535)) throw new UsageError(MESSAGES.badPortSpec(spec));
    return { containerPort, hostPort };
  });
}

/** Prints an answer: raw with `-json`/`-yaml`, else as the table `table` renders. */
function print(cmd: Command, body: unknown, table: () => string): void {
  cmd.io.stdout.write(cmd.flags.json ? toJson(body) : cmd.flags.yaml ? YAML.stringify(body) : table());
}

/** Prints an object as YAML (the default of resize, stop and run), or JSON with `-json`. */
function printObject(cmd: Command, body: unknown): void {
  cmd.io.stdout.write(cmd.flags.json ? toJson(body) : YAML.stringify(body));
}

function toJson(body: unknown): string {
  return `${JSON.stringify(body, null, 2)}\n`;
}

/** The first line of a parser's message; yaml's goes on with a code frame after a colon. */
function firstLine(text: string): string {
  return text.split('\n', 1)[0]!.trim().replace(/:$/, '');
}

/** True when this module is the program node was started with (through a symlinked bin, too). */
function isMain(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  // `kubecfg list pods | head` closes the pipe early: end quietly rather than with a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') process.stderr.write(`error: ${err.message}\n`);
    process.exit(err.code === 'EPIPE' ? 0 : 1);
  });
  void main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env }).then((code) => {
    process.exitCode = code;
  });
}

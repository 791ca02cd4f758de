import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { badRequest, StatusError } from './status.js';

/** The largest request body accepted, as the Kubernetes API server: 3 MiB. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

const JSON_TYPES = new Set(['application/json', '']);
const YAML_TYPES = new Set(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml']);

/** The patch formats PATCH accepts, by media type. */
export const PATCH_TYPES = {
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/json-patch+json': 'json',
} as const;

/** A patch format. */
export type PatchType = (typeof PATCH_TYPES)[keyof typeof PATCH_TYPES];

/**
 * Reads and parses a request body: JSON or YAML by Content-Type (none means JSON). Over 3 MiB is a
 * 413, another media type a 415, and text that does not parse a 400 saying where.
 */
export async function readBody(req: IncomingMessage): Promise<unknown> {
  const type = mediaType(req);
  const yaml = YAML_TYPES.has(type);
  if (!yaml && !JSON_TYPES.has(type)) throw unsupported('application/json, application/yaml');
  return parse(await readText(req), yaml);
}

/** Reads a PATCH body: which kind of patch (by Content-Type) and the patch document. */
export async function readPatch(req: IncomingMessage): Promise<{ type: PatchType; patch: unknown }> {
  const type = PATCH_TYPES[mediaType(req) as keyof typeof PATCH_TYPES];
  if (!type) throw unsupported(Object.keys(PATCH_TYPES).join(', '));
  return { type, patch: parse(await readText(req), false) };
}

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

function unsupported(accepted: string): StatusError {
  return new StatusError({
    code: 415,
    reason: 'UnsupportedMediaType',
    message: `the body of the request was in an unknown format - accepted media types include: ${accepted}`,
  });
}

async function readText(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume(); // drain what is left without keeping it
        reject(tooLarge());
      } else chunks.push(chunk);
    });
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
  return text;
}

function parse(text: string, yaml: boolean): unknown {
  if (!text.trim()) throw badRequest('the request body is empty');
  try {
    // logLevel 'error': errors still throw, but a warning about a client's body (an unknown
    // directive) is not written to the server's log. ('silent' would swallow the errors too.)
    return yaml ? parseYaml(text, { logLevel: 'error' }) : JSON.parse(text);
  } catch (err) {
    throw badRequest(`the request body is not valid ${yaml ? 'YAML' : 'JSON'}: ${(err as Error).message}`);
  }
}

function tooLarge(): StatusError {
  return new StatusError({ code: 413, reason: 'RequestEntityTooLarge', message: 'the request body is larger than 3 MiB' });
}

import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { badRequest, StatusError } from './status.js';

/** The largest request body accepted, as the Kubernetes API server: 3 MiB. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

const JSON_TYPES = new Set(['application/json', '']);
const YAML_TYPES = new Set(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml']);

/**
 * Reads and parses a request body: JSON or YAML by Content-Type (none means JSON). Over 3 MiB is a
 * 413, another media type a 415, and text that does not parse a 400 saying where.
 */
export async function readBody(req: IncomingMessage): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const yaml = YAML_TYPES.has(type);
  if (!yaml && !JSON_TYPES.has(type)) {
    throw new StatusError({
      code: 415,
      reason: 'UnsupportedMediaType',
      message: `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`,
    });
  }
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
  if (!text.trim()) throw badRequest('the request body is empty');
  try {
    return yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw badRequest(`the request body is not valid ${yaml ? 'YAML' : 'JSON'}: ${(err as Error).message}`);
  }
}

function tooLarge(): StatusError {
  return new StatusError({ code: 413, reason: 'RequestEntityTooLarge', message: 'the request body is larger than 3 MiB' });
}

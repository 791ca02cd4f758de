/** Reading a request's query: selectors, resourceVersion, namespace, log options — shared by every API version. */
import type { Context } from 'koa';
import type { Filter } from './filter.js';
import type { LogQuery } from './gateway.js';
import { RESOURCES, type Resource } from './resources.js';
import { parseFieldSelector, parseLabelSelector } from './selector.js';
import { badRequest } from './status.js';

/** The filter of a list or watch: `namespace` (when the resource has one), label and field selectors. */
export function filterOf(ctx: Context, resource: Resource, namespace: string | undefined): Filter {
  const filter: Filter = {};
  if (namespace && RESOURCES[resource].namespaced) filter.namespace = namespace;
  const labels = ctx.query.labelSelector ?? ctx.query.labels;
  if (typeof labels === 'string' && labels.trim()) filter.labels = parseLabelSelector(labels);
  const fields = ctx.query.fieldSelector ?? ctx.query.fields;
  if (typeof fields === 'string' && fields.trim()) {
    filter.fields = parseFieldSelector(fields);
    const known = RESOURCES[resource].fields;
    for (const r of filter.fields.requirements) {
      if (!known[r.field]) throw badRequest(`field label not supported: ${r.field}`);
    }
  }
  return filter;
}

/** A `resourceVersion` to watch from (0: none, start with the current state). */
export function revisionOf(value: unknown): number {
  if (value === undefined || value === '') return 0;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw badRequest(`invalid resourceVersion: ${String(value)}`);
  return n;
}

/** A non-negative integer query parameter, or undefined when absent. */
export function countOf(ctx: Context, name: string): number | undefined {
  const value = ctx.query[name];
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw badRequest(`invalid ${name}: ${String(value)}`);
  return n;
}

/** What `GET .../pods/{name}/log` asks for. */
export function logQueryOf(ctx: Context, namespace: string, name: string): LogQuery {
  const container = typeof ctx.query.container === 'string' && ctx.query.container ? ctx.query.container : undefined;
  return { namespace, name, container, tailLines: countOf(ctx, 'tailLines') };
}

/** A query's filters (namespace, label and field selectors) and the test of an object against them. */
import type { ApiObject } from './model.js';
import { RESOURCES, type Resource } from './resources.js';
import { matchesFields, matchesLabels, type FieldSelector, type LabelSelector } from './selector.js';

/** What a list or watch selects. */
export interface Filter {
  namespace?: string;
  labels?: LabelSelector;
  fields?: FieldSelector;
}

/** Whether `obj`, of `resource`, passes `filter`. */
export function matches(resource: Resource, filter: Filter, obj: ApiObject): boolean {
  if (filter.namespace && obj.metadata.namespace !== filter.namespace) return false;
  if (filter.labels && !matchesLabels(filter.labels, obj.metadata.labels)) return false;
  if (filter.fields) {
    const fields = RESOURCES[resource].fields;
    return matchesFields(filter.fields, (f) => fields[f]?.(obj));
  }
  return true;
}

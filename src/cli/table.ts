/**
 * kubecfg's tables, with the seed-era columns: a header row, a `----------` rule under each column,
 * one row per object, every column padded to its widest cell plus three spaces.
 */
import {
  isStatus,
  type Container,
  type Event,
  type Labels,
  type List,
  type Minion,
  type Pod,
  type ReplicationController,
  type Resource,
  type Service,
  type Status,
} from './client.js';

/** The rule printed under every header: ten dashes, whatever the column's width (as kubecfg did). */
export const RULE = '----------';

/** Spaces between a column's widest cell and the next column. */
const GAP = 3;

/** The columns of one kind of object: their headers, and how an object becomes a row of cells. */
export interface Columns<T> {
  readonly headers: readonly string[];
  row(object: T): string[];
}

/** COLUMNS holds the columns for each resource. */
export const COLUMNS: { readonly [R in Resource]: Columns<ObjectOf<R>> } = {
  pods: {
    headers: ['Name', 'Image(s)', 'Host', 'Labels', 'Status'],
    row: (pod) => [
      pod.id ?? '',
      formatImages(pod.desiredState?.manifest?.containers),
      formatHost(pod),
      formatLabels(pod.labels),
      pod.currentState?.status ?? '',
    ],
  },
  replicationControllers: {
    headers: ['Name', 'Image(s)', 'Selector', 'Replicas'],
    row: (rc) => [
      rc.id ?? '',
      formatImages(rc.desiredState?.podTemplate?.desiredState?.manifest?.containers),
      formatLabels(rc.desiredState?.replicaSelector),
      String(rc.desiredState?.replicas ?? 0),
    ],
  },
  services: {
    headers: ['Name', 'Labels', 'Selector', 'IP', 'Port'],
    row: (svc) => [svc.id ?? '', formatLabels(svc.labels), formatLabels(svc.selector), svc.portalIP ?? '', svc.port === undefined ? '' : String(svc.port)],
  },
  minions: {
    headers: ['Minion identifier'],
    row: (minion) => [minion.id ?? ''],
  },
  events: {
    headers: ['Name', 'Kind', 'Reason', 'Message'],
    row: (event) => [event.involvedObject?.name ?? '', event.involvedObject?.kind ?? '', event.reason ?? '', event.message ?? ''],
  },
};

/** The object type each resource's path serves. */
export type ObjectOf<R extends Resource> = {
  pods: Pod;
  replicationControllers: ReplicationController;
  services: Service;
  minions: Minion;
  events: Event;
}[R];

/** Renders headers and rows as aligned text, one line per row, each ending in a newline. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [headers, headers.map(() => RULE), ...rows.map((row) => row.map(oneLine))];
  const widths = headers.map((_, i) => Math.max(...lines.map((line) => (line[i] ?? '').length)));
  // Padding the last column too and trimming after keeps an empty last cell from leaving spaces.
  return lines.map((line) => headers.map((_, i) => (line[i] ?? '').padEnd(widths[i]! + GAP)).join('').trimEnd() + '\n').join('');
}

/**
 * Renders what the server answered for `resource` as its table: one row for an object, one per item
 * for a list, and the one-column Status table for a Status (a DELETE's answer).
 */
export function formatTable<R extends Resource>(resource: R, body: ObjectOf<R> | List<ObjectOf<R>> | Status): string {
  if (isStatus(body)) return statusTable(body);
  const columns = COLUMNS[resource] as Columns<ObjectOf<R>>;
  const items = 'items' in body && Array.isArray(body.items) ? body.items : [body as ObjectOf<R>];
  return renderTable(columns.headers, items.map((item) => columns.row(item)));
}

/** Renders a Status as kubecfg did: `Status`, the rule, then `Success` (or `Failure`, ...). */
export function statusTable(status: Status): string {
  return renderTable(['Status'], [[status.status ?? '']]);
}

/** Formats labels or a selector as `k=v,k2=v2`, sorted by key. */
export function formatLabels(labels: Labels | undefined): string {
  return Object.keys(labels ?? {})
    .sort()
    .map((key) => `${key}=${labels![key]}`)
    .join(',');
}

/** Formats the containers' images, comma-joined. */
export function formatImages(containers: readonly Container[] | undefined): string {
  return (containers ?? []).map((c) => c.image ?? '').join(',');
}

/**
 * Formats where a pod runs: `host/hostIP` from its current state (the desired state's host when it
 * is not running yet), just `host` when no IP is known, else `<unassigned>`.
 */
export function formatHost(pod: Pod): string {
  const host = pod.currentState?.host || pod.desiredState?.host;
  if (!host) return '<unassigned>';
  const ip = pod.currentState?.hostIP || pod.desiredState?.hostIP;
  return ip ? `${host}/${ip}` : host;
}

/** A cell on one line: a newline or tab inside an event's message would break the alignment. */
function oneLine(cell: string): string {
  return cell.replace(/[\r\n\t]+/g, ' ');
}

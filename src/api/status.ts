/**
 * StatusError is the API's one error: it carries what a Kubernetes `Status` says (HTTP code, reason,
 * message, details with field causes) and renders itself for an API version. Anything else thrown
 * in the gateway becomes a 500 InternalError Status.
 */

/** A Status `reason`. */
export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'Gone'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'NotAcceptable'
  | 'Timeout'
  | 'TooManyRequests'
  | 'ServiceUnavailable'
  | 'InternalError';

/** One invalid field. */
export interface StatusCause {
  /** Kubernetes cause types: FieldValueRequired, FieldValueInvalid, FieldValueDuplicate, FieldValueNotSupported, FieldValueTooLong. */
  reason: string;
  message: string;
  field: string;
}

/** What a Status says, as plain data (it crosses threads inside replies). */
export interface StatusInfo {
  code: number;
  reason: StatusReason;
  message: string;
  /** The object's kind as the client named it (`pods` in v1, `pod` in v1beta1) and its name. */
  kind?: string;
  name?: string;
  /** The API group of `kind`, when not core (`coordination.k8s.io`). */
  group?: string;
  causes?: StatusCause[];
  /** How long the client should wait before trying again (a 429's `Retry-After`). */
  retryAfterSeconds?: number;
}

/** The API error. */
export class StatusError extends Error {
  override readonly name = 'StatusError';
  constructor(readonly info: StatusInfo) {
    super(info.message);
  }

  /** The `Status` object for `apiVersion` ('v1beta1' or 'v1'). */
  toStatus(apiVersion: string): Record<string, unknown> {
    return renderStatus(this.info, apiVersion);
  }
}

/** Renders a Status for an API version: v1beta1 keys details by `id`, v1 by `name` and adds metadata. */
export function renderStatus(info: StatusInfo, apiVersion: string): Record<string, unknown> {
  const details: Record<string, unknown> = {};
  if (info.name !== undefined) details[apiVersion === 'v1beta1' ? 'id' : 'name'] = info.name;
  if (info.group !== undefined) details.group = info.group;
  if (info.kind !== undefined) details.kind = info.kind;
  if (info.causes?.length) details.causes = info.causes;
  if (info.retryAfterSeconds !== undefined) details.retryAfterSeconds = info.retryAfterSeconds;
  return {
    kind: 'Status',
    apiVersion,
    ...(apiVersion === 'v1beta1' ? {} : { metadata: {} }),
    status: 'Failure',
    message: info.message,
    reason: info.reason,
    ...(Object.keys(details).length ? { details } : {}),
    code: info.code,
  };
}

/** A successful Status (DELETE's answer). */
export function successStatus(apiVersion: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion, ...(apiVersion === 'v1beta1' ? {} : { metadata: {} }), status: 'Success', code: 200 };
}

/**
 * What a Status is about. `kind` is as messages name it: `pods`, `pod`, or for a resource of an API
 * group `leases.coordination.k8s.io` (Kubernetes' GroupResource; `Lease.coordination.k8s.io`, its
 * GroupKind): the details carry the group apart, as Kubernetes' do. Kinds and resources have no dot.
 */
function about(kind: string, name: string): Pick<StatusInfo, 'kind' | 'name' | 'group'> {
  const dot = kind.indexOf('.');
  return dot < 0 ? { kind, name } : { kind: kind.slice(0, dot), name, group: kind.slice(dot + 1) };
}

/** `pod "x" not found`. */
export function notFound(kind: string, name: string): StatusError {
  return new StatusError({ code: 404, reason: 'NotFound', message: `${kind} "${name}" not found`, ...about(kind, name) });
}

/** `pod "x" already exists`. */
export function alreadyExists(kind: string, name: string): StatusError {
  return new StatusError({ code: 409, reason: 'AlreadyExists', message: `${kind} "${name}" already exists`, ...about(kind, name) });
}

/** `pods "x" is forbidden: why` (403): the request is understood but not allowed. */
export function forbidden(kind: string, name: string, why: string): StatusError {
  return new StatusError({ code: 403, reason: 'Forbidden', message: `${kind} "${name}" is forbidden: ${why}`, ...about(kind, name) });
}

/** A stale resourceVersion. */
export function conflict(kind: string, name: string, detail: string): StatusError {
  return new StatusError({
    code: 409,
    reason: 'Conflict',
    message: `Operation cannot be fulfilled on ${kind} "${name}": ${detail}`,
    ...about(kind, name),
  });
}

/** `Pod "x" is invalid: field: message; field2: message2`, one cause per field. */
export function invalid(kind: string, name: string, causes: StatusCause[]): StatusError {
  const list = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  return new StatusError({ code: 422, reason: 'Invalid', message: `${kind} "${name}" is invalid: ${list}`, ...about(kind, name), causes });
}

/** A request the server cannot make sense of. */
export function badRequest(message: string): StatusError {
  return new StatusError({ code: 400, reason: 'BadRequest', message });
}

/** A request without valid credentials (401). */
export function unauthorized(): StatusError {
  return new StatusError({ code: 401, reason: 'Unauthorized', message: 'Unauthorized' });
}

/** A watch from a resourceVersion older than the history kept. */
export function gone(message: string): StatusError {
  return new StatusError({ code: 410, reason: 'Gone', message });
}

/** Anything else: the message is kept, the code is 500. */
export function internalError(message: string): StatusError {
  return new StatusError({ code: 500, reason: 'InternalError', message });
}

/** The StatusInfo of an error answer's body (a Kubernetes Status), or one made from its HTTP code. */
export function statusInfoOf(text: string, code: number): StatusInfo {
  try {
    const status = JSON.parse(text) as { kind?: string; code?: number; reason?: StatusReason; message?: string; details?: { name?: string; kind?: string; group?: string; causes?: StatusInfo['causes']; retryAfterSeconds?: number } };
    if (status?.kind === 'Status') {
      const d = status.details ?? {};
      return {
        code: status.code ?? code,
        reason: status.reason ?? 'InternalError',
        message: status.message ?? '',
        ...(d.name !== undefined ? { name: d.name } : {}),
        ...(d.kind !== undefined ? { kind: d.kind } : {}),
        ...(d.group !== undefined ? { group: d.group } : {}),
        ...(d.causes ? { causes: d.causes } : {}),
        ...(d.retryAfterSeconds !== undefined ? { retryAfterSeconds: d.retryAfterSeconds } : {}),
      };
    }
  } catch {
    // not a Status: described by its code below
  }
  return { code, reason: code === 404 ? 'NotFound' : code === 401 ? 'Unauthorized' : code === 403 ? 'Forbidden' : 'InternalError', message: `the server answered ${code}: ${text.slice(0, 200)}` };
}

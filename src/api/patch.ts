/**
 * The three PATCH flavours of the core/v1 API, as pure functions on plain JSON values:
 *
 * - `applyMergePatch`: RFC 7386 JSON merge patch (`application/merge-patch+json`).
 * - `applyJsonPatch`: RFC 6902 JSON patch (`application/json-patch+json`), applied by fast-json-patch.
 * - `applyStrategicMergePatch`: Kubernetes' strategic merge patch
 *   (`application/strategic-merge-patch+json`), the apply half of apimachinery's
 *   `pkg/util/strategicpatch/patch.go` (`StrategicMergeMapPatch`), driven by the `patchStrategy` /
 *   `patchMergeKey` tags of `k8s.io/api/core/v1` written out below as a table.
 *
 * None of them mutates its inputs, and none returns a value that shares structure with them.
 * Errors are `StatusError`s with the code, reason and message the real API server gives
 * (`apiserver/pkg/endpoints/handlers/patch.go`), except where noted.
 */
import jsonpatch, { type Operation } from 'fast-json-patch';
import { badRequest, internalError, StatusError } from './status.js';

type JsonObject = Record<string, unknown>;

// ---- shared helpers ----

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own property only: a patch key named `__proto__` or `constructor` is data, not the prototype. */
function own(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** Sets an own data property, even for the key `__proto__` (JSON.parse makes those too). */
function put(object: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}

/** A deep copy of a JSON value (JSON.parse keeps `__proto__` keys as own properties). */
function cloneJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** How Go's encoding/json names a JSON value's kind in "cannot unmarshal X into ..." errors. */
function goJsonType(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}

/** A value printed the way Go's `%v` prints decoded JSON, so messages read like the real server's. */
function goFormat(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goFormat).join(' ')}]`;
  if (isObject(value)) {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${key}:${goFormat(value[key])}`);
    return `map[${entries.join(' ')}]`;
  }
  return String(value);
}

// ---- RFC 7386 JSON merge patch ----

/**
 * applyMergePatch applies an RFC 7386 JSON merge patch: objects merge key by key, `null` deletes a
 * key, anything else (arrays included) replaces. A patch that is not an object replaces the whole
 * target, as the RFC says; the real API server instead answers 400 "Invalid JSON Patch" for a
 * `null`, string or number patch, and the decoder rejects an array result, so the gateway should
 * check that the result is still an object.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  return mergePatchInto(cloneJson(target), patch);
}

/** The merge patch on a target that is already a private copy, so it may be changed in place. */
function mergePatchInto(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return cloneJson(patch);
  const result = isObject(target) ? target : {};
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === null) delete result[key];
    else put(result, key, mergePatchInto(own(result, key), value));
  }
  return result;
}

// ---- RFC 6902 JSON patch ----

/** The API server's limit on the operations in one JSON patch (patch.go `maxJSONPatchOperations`). */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

/** What the API server says, with a bare 422, when a well-formed patch does not apply. */
export const PATCH_REJECTED = 'the server rejected our request due to an error in our request';

/**
 * applyJsonPatch applies an RFC 6902 JSON patch to a copy of `target`. Like the API server: a patch
 * that is not a list of objects is 400 BadRequest with Go's decoding message; more than
 * MAX_JSON_PATCH_OPERATIONS operations is 413; an operation that does not apply (unknown op, a
 * path that is not there, a failing `test`) is 422 Invalid with the server's generic message,
 * the library's own explanation kept as the error's `cause`. A `null` patch changes nothing.
 */
export function applyJsonPatch(target: unknown, operations: unknown): unknown {
  if (operations === null) return cloneJson(target);
  if (!Array.isArray(operations)) {
    throw badRequest(`json: cannot unmarshal ${goJsonType(operations)} into Go value of type jsonpatch.Patch`);
  }
  for (const operation of operations) {
    // Go decodes each operation into a map; `null` decodes (and then fails to apply), scalars do not.
    if (operation !== null && !isObject(operation)) {
      throw badRequest(`json: cannot unmarshal ${goJsonType(operation)} into Go value of type jsonpatch.Operation`);
    }
  }
  if (operations.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new StatusError({
      code: 413,
      reason: 'RequestEntityTooLarge',
      message:
        'Request entity too large: The allowed maximum operations in a JSON patch is ' +
        `${MAX_JSON_PATCH_OPERATIONS}, got ${operations.length}`,
    });
  }
  try {
    // Both are copied: the library inserts `value`s by reference and later operations may edit them.
    return jsonpatch.applyPatch(cloneJson(target), cloneJson(operations) as Operation[], true, true, true).newDocument;
  } catch (err) {
    const error = new StatusError({ code: 422, reason: 'Invalid', message: PATCH_REJECTED });
    error.cause = err;
    throw error;
  }
}

// ---- strategic merge patch: the merge-key table ----

/**
 * A list field merged by the strategic merge patch, as a path pattern: field names from the
 * object's root joined by `.`, with `[]` after a list whose elements the path goes into. The value
 * is the `patchMergeKey` of the list's elements; SET marks a `patchStrategy:"merge"` list of
 * scalars, merged as a set. A list that is not in the table has no strategy and is replaced whole.
 */
type ListStrategies = Readonly<Record<string, string>>;

/** A list of scalars that merges as a set (`patchStrategy:"merge"` without a merge key). */
const SET = '';

/** ObjectMeta (meta/v1 types.go). */
const OBJECT_META: ListStrategies = { finalizers: SET, ownerReferences: 'uid' };

/** Container and EphemeralContainerCommon. */
const CONTAINER: ListStrategies = {
  ports: 'containerPort',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
};

/** Prefixes each path of a table. */
function under(prefix: string, lists: ListStrategies): ListStrategies {
  return Object.fromEntries(Object.entries(lists).map(([path, key]) => [`${prefix}.${path}`, key]));
}

/** PodSpec. `tolerations`, `readinessGates` and `resizePolicy` have no strategy: they are replaced. */
const POD_SPEC: ListStrategies = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  ...under('containers[]', CONTAINER),
  ...under('initContainers[]', CONTAINER),
  ...under('ephemeralContainers[]', CONTAINER),
  volumes: 'name', // merge,retainKeys: kubectl sends `$retainKeys`, which applies wherever it appears
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  schedulingGates: 'name',
  resourceClaims: 'name',
};

/** PodStatus. */
const POD_STATUS: ListStrategies = { conditions: 'type', podIPs: 'ip', hostIPs: 'ip', resourceClaimStatuses: 'name' };

/** The list strategies of each core/v1 kind, beyond its `metadata` (which every kind has). */
const LISTS_BY_KIND: Readonly<Record<string, ListStrategies>> = {
  Pod: { ...under('spec', POD_SPEC), ...under('status', POD_STATUS) },
  ReplicationController: {
    ...under('spec.template.metadata', OBJECT_META),
    ...under('spec.template.spec', POD_SPEC),
    'status.conditions': 'type',
  },
  Service: { 'spec.ports': 'port', 'status.conditions': 'type' },
  Node: { 'spec.podCIDRs': SET, 'status.conditions': 'type', 'status.addresses': 'type' }, // taints: replaced
  Namespace: { 'status.conditions': 'type' },
  Endpoints: {}, // subsets and their addresses are replaced whole
  Event: {},
};

/** The list strategies of a kind; a kind not in the table gets those of its metadata only. */
function listStrategiesFor(kind: string): ReadonlyMap<string, string> {
  const lists = Object.hasOwn(LISTS_BY_KIND, kind) ? LISTS_BY_KIND[kind] : {};
  return new Map(Object.entries({ ...under('metadata', OBJECT_META), ...lists }));
}

// ---- strategic merge patch: directives and their errors ----

const DIRECTIVE_MARKER = '$patch';
const RETAIN_KEYS_DIRECTIVE = '$retainKeys';
const SET_ELEMENT_ORDER_PREFIX = '$setElementOrder';
const DELETE_FROM_PRIMITIVE_LIST_PREFIX = '$deleteFromPrimitiveList';

/** `mergepatch.ErrBadPatchFormatForPrimitiveList`, a 400: a malformed `$deleteFromPrimitiveList`. */
export const ERR_BAD_PATCH_FORMAT_FOR_PRIMITIVE_LIST = 'invalid patch format of primitive list';
/** `mergepatch.ErrBadPatchFormatForRetainKeys`, a 400: `$retainKeys` not a list, or not listing a field the patch sets. */
export const ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS = 'invalid patch format of retainKeys';
/** `mergepatch.ErrBadPatchFormatForSetElementOrderList`, a 400: a malformed `$setElementOrder`. */
export const ERR_BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER = 'invalid patch format of setElementOrder list';

/** `mergepatch.ErrNoMergeKey`. */
function noMergeKey(element: JsonObject, mergeKey: string): string {
  return `map: ${goFormat(element)} does not contain declared merge key: ${mergeKey}`;
}

/** `mergepatch.ErrBadPatchType`. */
function badPatchType(directive: unknown, map: JsonObject): string {
  return `unknown patch type: ${goFormat(directive)} in map: ${goFormat(map)}`;
}

/** The server's answer to `mergepatch.ErrNoListOfLists`: a bare 422 that drops the reason. */
function listOfLists(): StatusError {
  const error = new StatusError({ code: 422, reason: 'Invalid', message: PATCH_REJECTED });
  error.cause = new Error('lists of lists are not supported');
  return error;
}

/** The field a `$setElementOrder/x` or `$deleteFromPrimitiveList/x` key names, or a 400. */
function directiveField(key: string, prefix: string, formatError: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) throw badRequest(formatError);
  return key.slice(slash + 1);
}

/** A value that a patch removes altogether (a `$patch: delete` map where there was nothing). */
const ABSENT = Symbol('absent');

// ---- strategic merge patch: the merge ----

/**
 * applyStrategicMergePatch applies a Kubernetes strategic merge patch to `original`, a core/v1
 * object of `kind` as JSON (Pod, ReplicationController, Service, Node, Endpoints, Event, Namespace;
 * another kind merges only the lists of its metadata). Maps merge recursively and `null` deletes;
 * lists with a merge key merge element by element, lists of scalars with the merge strategy merge
 * as sets, other lists are replaced. The directives `$patch` (replace, delete, merge),
 * `$setElementOrder/<list>`, `$retainKeys` and `$deleteFromPrimitiveList/<list>` are applied and
 * never appear in the result.
 *
 * Where the real server answers a malformed patch with a plain 500 (a list element without its
 * merge key, an unknown `$patch`, an element order that contradicts the patch), this answers 400
 * BadRequest with the same message. Also unlike the server: `$patch: merge` is accepted as the
 * default it names rather than refused; a new value taken from the patch is merged into nothing,
 * so its own directives are applied rather than dropped; `$deleteFromPrimitiveList` always deletes.
 */
export function applyStrategicMergePatch(original: unknown, patch: unknown, kind: string): unknown {
  if (!isObject(original)) throw new TypeError('applyStrategicMergePatch: original must be a JSON object');
  if (patch === null) return cloneJson(original); // Go decodes `null` into an empty patch
  if (!isObject(patch)) {
    throw badRequest(`json: cannot unmarshal ${goJsonType(patch)} into Go value of type map[string]interface {}`);
  }
  const merged = new StrategicMerge(listStrategiesFor(kind)).mergeMap(cloneJson(original), patch, '');
  return merged === ABSENT ? {} : merged;
}

/**
 * One strategic merge. Original values are private copies and are changed in place; patch values
 * are only read, and whatever of them goes into the result is rebuilt.
 */
class StrategicMerge {
  constructor(private readonly lists: ReadonlyMap<string, string>) {}

  /**
   * Merges a patch map into an original map (`mergeMap`), or into nothing when `original` is
   * undefined; ABSENT only then, for `$patch: delete`.
   */
  mergeMap(original: JsonObject | undefined, patch: JsonObject, path: string): JsonObject | typeof ABSENT {
    if (Object.hasOwn(patch, DIRECTIVE_MARKER)) {
      const directive = patch[DIRECTIVE_MARKER];
      const rest = withoutKey(patch, DIRECTIVE_MARKER);
      if (directive === 'replace') return this.mergeMap(undefined, rest, path);
      if (directive === 'delete') return original === undefined ? ABSENT : {};
      if (directive !== 'merge') throw badRequest(badPatchType(directive, patch));
      patch = rest;
    }
    const target = original ?? {};
    this.retainKeys(target, patch);
    const ordered = this.setElementOrders(target, patch, path);

    const deletions: string[] = [];
    for (const key of Object.keys(patch)) {
      if (key === RETAIN_KEYS_DIRECTIVE || key.startsWith(SET_ELEMENT_ORDER_PREFIX) || ordered.has(key)) continue;
      if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)) deletions.push(key);
      else this.mergeField(target, key, patch[key], path);
    }
    // After the additions, so that a list both added to and deleted from ends without the deleted.
    for (const key of deletions) this.deleteFromPrimitiveList(target, key, patch[key]);
    return target;
  }

  /** Merges one field of a patch map into the target map. */
  private mergeField(target: JsonObject, key: string, patchValue: unknown, path: string): void {
    if (patchValue === null) {
      delete target[key];
      return;
    }
    const fieldPath = join(path, key);
    const originalValue = own(target, key);
    let merged: unknown;
    if (isObject(originalValue) && isObject(patchValue)) {
      merged = this.mergeMap(originalValue, patchValue, fieldPath);
    } else if (Array.isArray(originalValue) && Array.isArray(patchValue)) {
      const mergeKey = this.lists.get(fieldPath);
      merged =
        mergeKey === undefined
          ? this.materializeList(patchValue, fieldPath)
          : this.mergeList(originalValue, patchValue, mergeKey, fieldPath);
    } else {
      // Absent, or of another type: the patch value replaces it, merged into nothing.
      merged = this.materialize(patchValue, fieldPath);
    }
    if (merged === ABSENT) delete target[key];
    else put(target, key, merged);
  }

  /** A patch value as it stands on its own: nulls in maps dropped, its directives applied to nothing. */
  private materialize(value: unknown, path: string): unknown {
    if (isObject(value)) return this.mergeMap(undefined, value, path);
    if (Array.isArray(value)) return this.materializeList(value, path);
    return value;
  }

  /** A patch list on its own: an element carrying `$patch` is a directive about the list, not an element. */
  private materializeList(list: unknown[], path: string): unknown[] {
    const result: unknown[] = [];
    for (const element of list) {
      if (isObject(element) && Object.hasOwn(element, DIRECTIVE_MARKER)) {
        checkListDirective(element);
        continue;
      }
      result.push(this.materialize(element, `${path}[]`));
    }
    return result;
  }

  /** Merges a patch list into an original list of a field with the merge strategy (`mergeSlice`). */
  private mergeList(original: unknown[], patch: unknown[], mergeKey: string, path: string): unknown[] {
    if (original.length === 0 && patch.length === 0) return original;
    if (elementKind(original, patch) === 'map') return this.mergeListOfMaps(original, patch, mergeKey, path);
    const merged = [...new Set([...original, ...patch])];
    const identity = (value: unknown) => value;
    return orderMerged(merged, patch, original, identity);
  }

  /** Merges lists of maps by their merge key, honouring `$patch` elements. */
  private mergeListOfMaps(original: unknown[], patch: unknown[], mergeKey: string, path: string): unknown[] {
    if (mergeKey === SET) throw badRequest('cannot merge lists without merge key for type map');
    const elements: JsonObject[] = [];
    let replace = false;
    for (const element of patch as JsonObject[]) {
      if (!Object.hasOwn(element, DIRECTIVE_MARKER)) {
        if (!Object.hasOwn(element, mergeKey)) throw badRequest(noMergeKey(element, mergeKey));
        elements.push(element);
        continue;
      }
      const directive = checkListDirective(element);
      if (directive === 'replace') replace = true;
      else if (directive === 'delete') {
        if (!Object.hasOwn(element, mergeKey)) throw badRequest(noMergeKey(element, mergeKey));
        original = original.filter((item) => !sameKey(item, element[mergeKey], mergeKey));
      }
    }
    // `$patch: replace`: the list is the patch's other elements, in the patch's order.
    if (replace) return elements.map((element) => this.mergeMap(undefined, element, `${path}[]`) as JsonObject);

    const merged = [...original];
    for (const element of elements) {
      const index = merged.findIndex((item) => sameKey(item, element[mergeKey], mergeKey));
      if (index >= 0) merged[index] = this.mergeMap(merged[index] as JsonObject, element, `${path}[]`);
      else merged.push(this.mergeMap(undefined, element, `${path}[]`));
    }
    for (const item of merged) {
      // Only the stored object can lack it here, and the server answers that with a 500 too.
      if (!Object.hasOwn(item as JsonObject, mergeKey)) throw internalError(noMergeKey(item as JsonObject, mergeKey));
    }
    const keyOf = (item: unknown) => (item as JsonObject)[mergeKey];
    return orderMerged(merged, elements.map(keyOf), original.map(keyOf), keyOf);
  }

  /** `$retainKeys`: the original keeps only the keys listed, and the patch may set no other. */
  private retainKeys(target: JsonObject, patch: JsonObject): void {
    if (!Object.hasOwn(patch, RETAIN_KEYS_DIRECTIVE)) return;
    const retained = patch[RETAIN_KEYS_DIRECTIVE];
    if (!Array.isArray(retained)) throw badRequest(ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS);
    for (const key of Object.keys(patch)) {
      if (key === RETAIN_KEYS_DIRECTIVE || patch[key] === null) continue;
      if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX) || key.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
      if (!retained.includes(key)) throw badRequest(ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS);
    }
    for (const key of Object.keys(target)) if (!retained.includes(key)) delete target[key];
  }

  /**
   * `$setElementOrder/<list>` (`mergePatchIntoOriginal`): merges the list and orders the result,
   * the order given first, then the patch's, then the original's for elements only the server has.
   * Returns the fields it merged. A directive about a list without a merge strategy is ignored.
   */
  private setElementOrders(target: JsonObject, patch: JsonObject, path: string): Set<string> {
    const done = new Set<string>();
    for (const key of Object.keys(patch)) {
      if (!key.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
      const order = patch[key];
      const field = directiveField(key, SET_ELEMENT_ORDER_PREFIX, ERR_BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER);
      if (!Array.isArray(order)) throw badRequest(ERR_BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER);
      const fieldPath = join(path, field);
      const mergeKey = this.lists.get(fieldPath);
      if (mergeKey === undefined) continue;
      const originalList = own(target, field);
      const patchList = own(patch, field);
      const hasOriginal = Array.isArray(originalList);
      const hasPatch = Array.isArray(patchList);
      if (patchList !== undefined && !hasPatch) continue; // a null or a scalar: an ordinary field
      if (!hasOriginal && !hasPatch) continue;

      const keyOf = mergeKey === SET ? (value: unknown) => value : orderKey(order, mergeKey);
      if (hasPatch) checkPatchAgainstOrder(patchList, order, mergeKey, keyOf);
      let merged: unknown[];
      if (hasOriginal && hasPatch) merged = this.mergeList(originalList, patchList, mergeKey, fieldPath);
      else if (hasOriginal) merged = originalList;
      else merged = this.materializeList(patchList as unknown[], fieldPath);

      put(target, field, orderMerged(merged, order.map(keyOf), hasOriginal ? originalList.map(keyOf) : [], keyOf));
      done.add(field);
    }
    return done;
  }

  /** `$deleteFromPrimitiveList/<list>`: removes those scalars from the list. */
  private deleteFromPrimitiveList(target: JsonObject, key: string, values: unknown): void {
    const field = directiveField(key, DELETE_FROM_PRIMITIVE_LIST_PREFIX, ERR_BAD_PATCH_FORMAT_FOR_PRIMITIVE_LIST);
    if (values === null) {
      delete target[field]; // as Go does: the null reaches the list itself
      return;
    }
    if (!Array.isArray(values)) throw badRequest(ERR_BAD_PATCH_FORMAT_FOR_PRIMITIVE_LIST);
    const list = own(target, field);
    if (Array.isArray(list)) put(target, field, list.filter((value) => !values.includes(value)));
  }
}

/** The value of a list-level `$patch` element, or a 400 for one the server does not know. */
function checkListDirective(element: JsonObject): unknown {
  const directive = element[DIRECTIVE_MARKER];
  if (directive !== 'replace' && directive !== 'delete' && directive !== 'merge') throw badRequest(badPatchType(directive, element));
  return directive;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function withoutKey(object: JsonObject, key: string): JsonObject {
  const copy: JsonObject = {};
  for (const k of Object.keys(object)) if (k !== key) put(copy, k, object[k]);
  return copy;
}

/** Whether a list element has this merge key value (Go compares with `==`: scalars only). */
function sameKey(item: unknown, value: unknown, mergeKey: string): boolean {
  return isObject(item) && Object.hasOwn(item, mergeKey) && item[mergeKey] === value;
}

/** Whether the elements of merged lists are maps or scalars; all must be alike (`sliceElementType`). */
function elementKind(...lists: unknown[][]): 'map' | 'scalar' {
  let kind: string | undefined;
  for (const list of lists) {
    for (const element of list) {
      if (Array.isArray(element)) throw listOfLists();
      const elementType = element === null ? 'null' : typeof element;
      if (kind === undefined) kind = elementType;
      else if (kind !== elementType) throw badRequest(`list element types are not identical: ${goFormat(lists)}`);
    }
  }
  return kind === 'object' ? 'map' : 'scalar';
}

/** The key function of a `$setElementOrder` list of maps, after checking each names its element. */
function orderKey(order: unknown[], mergeKey: string): (item: unknown) => unknown {
  for (const entry of order) {
    if (!isObject(entry)) throw badRequest(ERR_BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER);
    if (!Object.hasOwn(entry, mergeKey)) throw badRequest(noMergeKey(entry, mergeKey));
  }
  return (item) => (isObject(item) ? item[mergeKey] : item);
}

/**
 * `validatePatchWithSetOrderList`: the patch's elements (bar `$patch` ones) must come in the
 * order `$setElementOrder` gives them.
 */
function checkPatchAgainstOrder(patchList: unknown[], order: unknown[], mergeKey: string, keyOf: (item: unknown) => unknown): void {
  const elements = patchList.filter((element) => !(isObject(element) && Object.hasOwn(element, DIRECTIVE_MARKER)));
  let next = 0;
  for (const entry of order) {
    if (next === elements.length) return;
    const element = elements[next];
    if (mergeKey !== SET && isObject(element) && !Object.hasOwn(element, mergeKey)) throw badRequest(noMergeKey(element, mergeKey));
    if (keyOf(element) === keyOf(entry)) next++;
  }
  if (next < elements.length) {
    throw badRequest(
      `the order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ELEMENT_ORDER_PREFIX} list:\n${goFormat(order)}`,
    );
  }
}

/**
 * `normalizeElementOrder` for a merged list: the elements whose keys `orderKeys` names come in
 * that order, and those only the server has keep their places (`serverKeys`) relative to them.
 */
function orderMerged(merged: unknown[], orderKeys: unknown[], serverKeys: unknown[], keyOf: (item: unknown) => unknown): unknown[] {
  const given = merged.filter((item) => orderKeys.includes(keyOf(item)));
  const serverOnly = merged.filter((item) => !orderKeys.includes(keyOf(item)));
  return mergeSorted(sortBy(serverOnly, serverKeys, keyOf), sortBy(given, orderKeys, keyOf), serverKeys, keyOf);
}

/** A stable sort by position in `order`; what `order` lacks goes last. */
function sortBy(items: unknown[], order: unknown[], keyOf: (item: unknown) => unknown): unknown[] {
  const rank = (item: unknown) => {
    const index = order.indexOf(keyOf(item));
    return index < 0 ? order.length : index;
  };
  return items
    .map((item, index) => ({ item, index, rank: rank(item) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map(({ item }) => item);
}

/**
 * `mergeSortedSlice`: interleaves the server-only elements into the patch's, an element of the
 * server going first when both were in the original and it came earlier there.
 */
function mergeSorted(serverOnly: unknown[], given: unknown[], serverKeys: unknown[], keyOf: (item: unknown) => unknown): unknown[] {
  const result: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < given.length) {
    if (j >= given.length) result.push(serverOnly[i++]);
    else if (i >= serverOnly.length) result.push(given[j++]);
    else {
      const left = serverKeys.indexOf(keyOf(serverOnly[i]));
      const right = serverKeys.indexOf(keyOf(given[j]));
      if (left >= 0 && right >= 0 && left < right) result.push(serverOnly[i++]);
      else result.push(given[j++]);
    }
  }
  return result;
}

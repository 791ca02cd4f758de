/**
 * Label selectors and field selectors, parsed, printed and matched the way Kubernetes does it
 * (apimachinery `pkg/labels/selector.go`, `pkg/fields/selector.go`). Written by hand: the grammar
 * is small and the error texts must be Kubernetes' texts. Keys and values are checked by names.ts.
 *
 * Unlike Kubernetes, parsing keeps the requirements in the order written (Kubernetes sorts them by
 * key), so that `parseLabelSelector(formatLabelSelector(s))` gives back `s` itself.
 */

/** Operator is how a label requirement relates its key to its values. */
export type Operator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!exists';

/**
 * Requirement is one clause of a label selector. `values` are sorted and without duplicates: one
 * value for `=`, `==` and `!=`, at least one for `in` and `notin`, none for `exists` and `!exists`.
 */
export interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}

/** LabelSelector is the AND of its requirements; with none it matches everything. */
export interface LabelSelector {
  requirements: Requirement[];
}

import { validateLabelKey, validateLabelValue } from './names.js';

/** SelectorError is thrown by the parsers; its message says what was wrong and where. */
export class SelectorError extends Error {
  override name = 'SelectorError';
}

// ---- label selector: lexer ----

/** A lexer token: the identifier, the end of the text, or an operator written as itself. */
type Token = 'identifier' | 'end' | 'in' | 'notin' | '(' | ')' | ',' | '!' | '=' | '==' | '!=' | '>' | '<';

interface Item {
  token: Token;
  literal: string;
}

// A Map, not an object literal: an identifier such as `constructor` must not find Object's members.
const KEYWORDS = new Map<string, Token>([
  ['in', 'in'],
  ['notin', 'notin'],
]);
// '>' and '<' are Kubernetes' gt/lt operators, which this API does not offer; they are still
// symbols, so `a>1` is reported as a wrong operator rather than as an odd key.
const SYMBOLS = new Set(['=', '!', '(', ')', ',', '>', '<']);
const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

/** Splits selector text into tokens, ending with an `end` item whose literal is ''. */
function scan(text: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < text.length && WHITESPACE.has(text[pos])) pos++;
    if (pos >= text.length) {
      items.push({ token: 'end', literal: '' });
      return items;
    }
    if (SYMBOLS.has(text[pos])) {
      // The longest symbol wins; '==' and '!=' are the only two-character ones.
      const pair = text.slice(pos, pos + 2);
      const literal = pair === '==' || pair === '!=' ? pair : text[pos];
      items.push({ token: literal as Token, literal });
      pos += literal.length;
      continue;
    }
    const start = pos;
    while (pos < text.length && !SYMBOLS.has(text[pos]) && !WHITESPACE.has(text[pos])) pos++;
    const literal = text.slice(start, pos);
    items.push({ token: KEYWORDS.get(literal) ?? 'identifier', literal });
  }
}

// ---- label selector: parser ----

const BINARY_OPERATORS = ['in', 'notin', '=', '==', '!='] as const;

/** Throws a SelectorError for a problem inside one requirement, with Kubernetes' prefix. */
function requirementError(detail: string): never {
  throw new SelectorError(`unable to parse requirement: ${detail}`);
}

/** A cursor over the tokens. Where a key or value is expected, `in` and `notin` are plain identifiers. */
class Parser {
  private position = 0;

  constructor(private readonly items: Item[]) {}

  /** The next token without consuming it, keywords read as identifiers. */
  peek(): Item {
    return asIdentifier(this.items[this.position]);
  }

  /** Consumes the next token, keywords read as identifiers. */
  next(): Item {
    return asIdentifier(this.nextRaw());
  }

  /** Consumes the next token as it was scanned (where an operator is expected). */
  nextRaw(): Item {
    const item = this.items[this.position];
    if (item.token !== 'end') this.position++;
    return item;
  }
}

function asIdentifier(item: Item): Item {
  return item.token === 'in' || item.token === 'notin' ? { token: 'identifier', literal: item.literal } : item;
}

/**
 * parseLabelSelector parses Kubernetes label selector text, e.g.
 * `app=web,tier!=db,env in (prod,staging),!canary`. The empty (or blank) text is the empty selector,
 * which matches everything. Throws SelectorError with Kubernetes' messages on bad syntax and on
 * invalid keys or values.
 */
export function parseLabelSelector(text: string): LabelSelector {
  const parser = new Parser(scan(text));
  const requirements: Requirement[] = [];
  for (;;) {
    const { token, literal } = parser.peek();
    if (token === 'end') return { requirements };
    if (token !== 'identifier' && token !== '!') {
      throw new SelectorError(`found '${literal}', expected: !, identifier, or 'end of string'`);
    }
    requirements.push(parseRequirement(parser));
    const after = parser.next();
    if (after.token === 'end') return { requirements };
    if (after.token !== ',') throw new SelectorError(`found '${after.literal}', expected: ',' or 'end of string'`);
    const following = parser.peek();
    if (following.token !== 'identifier' && following.token !== '!') {
      throw new SelectorError(`found '${following.literal}', expected: identifier after ','`);
    }
  }
}

function parseRequirement(parser: Parser): Requirement {
  let item = parser.next();
  const negated = item.token === '!';
  if (negated) item = parser.next();
  if (item.token !== 'identifier') requirementError(`found '${item.literal}', expected: identifier`);
  const key = item.literal;
  const keyError = validateLabelKey(key);
  if (keyError !== undefined) requirementError(`invalid label key ${JSON.stringify(key)}: ${keyError}`);
  // `!key` ends the requirement whatever follows; what follows is then the caller's to reject.
  if (negated) return { key, operator: '!exists', values: [] };
  const ahead = parser.peek().token;
  if (ahead === 'end' || ahead === ',') return { key, operator: 'exists', values: [] };

  const operatorItem = parser.nextRaw();
  const operator = BINARY_OPERATORS.find((op) => op === operatorItem.token);
  if (operator === undefined) {
    requirementError(`found '${operatorItem.literal}', expected: ${BINARY_OPERATORS.join(', ')}`);
  }
  const values = operator === 'in' || operator === 'notin' ? parseValueSet(parser) : [parseExactValue(parser)];
  const sorted = sortedUnique(values);
  for (const value of sorted) {
    const valueError = validateLabelValue(value);
    if (valueError !== undefined) {
      requirementError(`invalid label value: ${JSON.stringify(value)}: at key: ${JSON.stringify(key)}: ${valueError}`);
    }
  }
  return { key, operator, values: sorted };
}

/** `(a,b)`; empty entries are the empty value: `()` is [''], `(a,)` and `(,a)` are ['', 'a']. */
function parseValueSet(parser: Parser): string[] {
  const open = parser.next();
  // No comma after the literal: that is Kubernetes' text, kept for clients that match on it.
  if (open.token !== '(') requirementError(`found '${open.literal}' expected: '('`);
  const first = parser.peek();
  if (first.token === ')') {
    parser.next();
    return [''];
  }
  if (first.token !== 'identifier' && first.token !== ',') {
    requirementError(`found '${first.literal}', expected: ',', ')' or identifier`);
  }
  const values: string[] = [];
  // A comma not preceded by a value stands for the empty value: `(,a`, `a,,b`; so does one before ')'.
  let afterValue = false;
  for (;;) {
    const item = parser.next();
    if (item.token === 'identifier') {
      values.push(item.literal);
      const ahead = parser.peek();
      if (ahead.token === ')') break;
      if (ahead.token !== ',') requirementError(`found '${ahead.literal}', expected: ',' or ')'`);
      afterValue = true;
    } else if (item.token === ',') {
      if (!afterValue) values.push('');
      afterValue = false;
      if (parser.peek().token === ')') {
        values.push('');
        break;
      }
    } else {
      requirementError(`found '${item.literal}', expected: ',', or identifier`);
    }
  }
  parser.next(); // the ')' seen above
  return values;
}

/** The value after `=`, `==` or `!=`; nothing before ',' or the end is the empty value. */
function parseExactValue(parser: Parser): string {
  const ahead = parser.peek().token;
  if (ahead === 'end' || ahead === ',') return '';
  const item = parser.next();
  if (item.token !== 'identifier') requirementError(`found '${item.literal}', expected: identifier`);
  return item.literal;
}

function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

// ---- label selector: printing and matching ----

/** Throws a TypeError when a hand-built requirement has the wrong number of values for its operator. */
function checkShape(r: Requirement): void {
  switch (r.operator) {
    case 'in':
    case 'notin':
      if (r.values.length === 0) throw new TypeError(`${r.key}: for 'in', 'notin' operators, values set can't be empty`);
      return;
    case '=':
    case '==':
    case '!=':
      if (r.values.length !== 1) throw new TypeError(`${r.key}: exact-match compatibility requires one single value`);
      return;
    case 'exists':
    case '!exists':
      if (r.values.length !== 0) {
        throw new TypeError(`${r.key}: values set must be empty for exists and does not exist`);
      }
      return;
    default:
      throw new TypeError(`${(r as Requirement).key}: unsupported operator ${JSON.stringify(r.operator)}`);
  }
}

function formatRequirement(r: Requirement): string {
  checkShape(r);
  switch (r.operator) {
    case 'exists':
      return r.key;
    case '!exists':
      return `!${r.key}`;
    case 'in':
    case 'notin':
      return `${r.key} ${r.operator} (${sortedUnique(r.values).join(',')})`;
    default:
      return `${r.key}${r.operator}${r.values[0]}`;
  }
}

/**
 * formatLabelSelector prints a selector as canonical text: requirements in their order, joined by
 * ',', each as `key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key` or
 * `!key` (set values sorted). `parseLabelSelector` reads it back to the same selector. Throws a
 * TypeError for a requirement with the wrong number of values for its operator.
 */
export function formatLabelSelector(sel: LabelSelector): string {
  return sel.requirements.map(formatRequirement).join(',');
}

function requirementMatches(r: Requirement, labels: Record<string, string>): boolean {
  // hasOwn: a key such as `constructor` must not find Object.prototype's member.
  const has = Object.hasOwn(labels, r.key);
  switch (r.operator) {
    case '=':
    case '==':
    case 'in':
      return has && r.values.includes(labels[r.key]);
    case '!=':
    case 'notin':
      return !has || !r.values.includes(labels[r.key]);
    case 'exists':
      return has;
    case '!exists':
      return !has;
  }
}

/**
 * matchesLabels tells whether labels satisfy every requirement of the selector. As in Kubernetes,
 * `!=` and `notin` match when the key is absent; missing labels are no labels.
 */
export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const set = labels ?? {};
  return sel.requirements.every((r) => requirementMatches(r, set));
}

/**
 * selectorFromSet builds the selector that matches exactly the labels of a set: one `key=value`
 * requirement per label, sorted by key. An empty or missing set gives the empty selector. Like
 * Kubernetes' SelectorFromSet, it does not validate.
 */
export function selectorFromSet(set: Record<string, string> | undefined): LabelSelector {
  const labels = set ?? {};
  return { requirements: Object.keys(labels).sort().map((key) => ({ key, operator: '=', values: [labels[key]] })) };
}

/** formatLabels prints labels as `a=1,b=2`, sorted by key; '' when there are none. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const set = labels ?? {};
  return Object.keys(set)
    .sort()
    .map((key) => `${key}=${set[key]}`)
    .join(',');
}

// ---- field selectors (apimachinery pkg/fields) ----

/** FieldRequirement is one clause of a field selector: a field path compared with a value. */
export interface FieldRequirement {
  field: string;
  operator: '=' | '==' | '!=';
  value: string;
}

/** FieldSelector is the AND of its requirements; with none it matches everything. */
export interface FieldSelector {
  requirements: FieldRequirement[];
}

const FIELD_NAME = /^[A-Za-z0-9._-]+$/;
// '!=' and '==' before '=', so that `a==b` is not read as `a` = `=b`.
const FIELD_OPERATORS = ['!=', '==', '='] as const;

/** Splits on the commas that are not escaped; escapes stay in the terms for unescapeValue. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    if (escaped) escaped = false;
    else if (text[i] === '\\') escaped = true;
    else if (text[i] === ',') {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

/** The first operator in the term splits it: fields cannot contain '!' or '=', values escape '='. */
function splitTerm(term: string): { field: string; operator: FieldRequirement['operator']; rest: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const operator of FIELD_OPERATORS) {
      if (term.startsWith(operator, i)) return { field: term.slice(0, i), operator, rest: term.slice(i + operator.length) };
    }
  }
  return undefined;
}

function unescapeValue(raw: string, term: string): string {
  let value = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '\\') {
      const next = raw[i + 1];
      if (next !== '\\' && next !== ',' && next !== '=') {
        throw new SelectorError(`invalid field selector: invalid escape sequence: \\${next ?? ''} (in '${term}')`);
      }
      value += next;
      i++;
    } else if (c === '=' || c === ',') {
      throw new SelectorError(`invalid field selector: unescaped character in value: ${c} (in '${term}')`);
    } else {
      value += c;
    }
  }
  return value;
}

/** escapeFieldValue escapes what would otherwise end or split a value, as Kubernetes' EscapeValue does. */
function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, '\\$&');
}

/**
 * parseFieldSelector parses Kubernetes field selector text, e.g. `metadata.name=web,spec.host!=`.
 * Values may be empty and may hold any character; ',', '=' and '\' in a value are escaped with '\'.
 * Empty terms are skipped, so '' is the empty selector. Throws SelectorError on a term without an
 * operator, a bad field name, a bad escape or an unescaped '=' in a value.
 */
export function parseFieldSelector(text: string): FieldSelector {
  const requirements: FieldRequirement[] = [];
  for (const term of splitTerms(text)) {
    if (term === '') continue;
    const split = splitTerm(term);
    if (split === undefined) throw new SelectorError(`invalid selector: '${text}'; can't understand '${term}'`);
    const { field, operator, rest } = split;
    if (field === '') throw new SelectorError(`invalid field selector: field name must be non-empty (in '${term}')`);
    if (!FIELD_NAME.test(field)) {
      throw new SelectorError(
        `invalid field selector: field name '${field}' must consist of alphanumeric characters, '-', '_' or '.' (in '${term}')`,
      );
    }
    requirements.push({ field, operator, value: unescapeValue(rest, term) });
  }
  return { requirements };
}

/**
 * formatFieldSelector prints a field selector as `field=value`, `field==value` or `field!=value`
 * terms joined by ',', escaping ',', '=' and '\' in values; `parseFieldSelector` reads it back.
 */
export function formatFieldSelector(sel: FieldSelector): string {
  return sel.requirements.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(',');
}

/**
 * matchesFields tells whether an object's fields, read through `get`, satisfy every requirement.
 * A missing field compares as '' (so `spec.host=` selects objects without a host).
 */
export function matchesFields(sel: FieldSelector, get: (field: string) => string | undefined): boolean {
  return sel.requirements.every((r) => {
    const equal = (get(r.field) ?? '') === r.value;
    return r.operator === '!=' ? !equal : equal;
  });
}

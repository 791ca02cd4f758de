import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { validateLabelKey, validateLabelValue } from '../../src/api/names.js';
import {
  formatFieldSelector,
  formatLabels,
  formatLabelSelector,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  selectorFromSet,
  SelectorError,
  type FieldRequirement,
  type FieldSelector,
  type LabelSelector,
  type Requirement,
} from '../../src/api/selector.js';

// ---- Kubernetes' validation texts, spelled out once ----

const NAME_REGEX = "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'";
const NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is " +
  NAME_REGEX +
  ')';
const VALUE_FORMAT =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const PREFIX_FORMAT =
  "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

// ---- generators of valid keys, values and selectors ----

const labelName = fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/);
const dnsLabel = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,8}[a-z0-9])?$/);
const dnsSubdomain = fc.array(dnsLabel, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.'));
// The keywords and Object's member names are valid keys and values that a careless parser trips on.
const tricky = fc.constantFrom('in', 'notin', 'constructor', 'toString', 'hasOwnProperty');
const labelKey = fc.oneof(labelName, fc.tuple(dnsSubdomain, labelName).map(([prefix, name]) => `${prefix}/${name}`), tricky);
const labelValue = fc.oneof(fc.constant(''), labelName, tricky);
const labelMap = fc.dictionary(labelKey, labelValue, { maxKeys: 8 });

const exactRequirement = fc
  .record({ key: labelKey, operator: fc.constantFrom('=' as const, '==' as const, '!=' as const), value: labelValue })
  .map(({ key, operator, value }): Requirement => ({ key, operator, values: [value] }));
const setRequirement = fc
  .record({
    key: labelKey,
    operator: fc.constantFrom('in' as const, 'notin' as const),
    values: fc.uniqueArray(labelValue, { minLength: 1, maxLength: 5 }),
  })
  .map(({ key, operator, values }): Requirement => ({ key, operator, values: [...values].sort() }));
const existenceRequirement = fc
  .record({ key: labelKey, operator: fc.constantFrom('exists' as const, '!exists' as const) })
  .map(({ key, operator }): Requirement => ({ key, operator, values: [] }));
const requirement = fc.oneof(exactRequirement, setRequirement, existenceRequirement);
const labelSelector = fc.array(requirement, { maxLength: 6 }).map((requirements): LabelSelector => ({ requirements }));

/** Selector-ish noise: the symbols, keywords and spaces the lexer cares about, plus anything at all. */
const selectorNoise = fc.oneof(
  fc.string(),
  fc.string({ unit: fc.constantFrom('a', 'b', '1', '=', '!', '(', ')', ',', ' ', '\t', '/', '.', '-', 'in', 'notin', '>') }),
);

const fieldName = fc.stringMatching(/^[A-Za-z0-9._-]{1,24}$/);
// Values are free text: weight the characters that need escaping.
const fieldValue = fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom('a', ',', '=', '\\', '!', ' ', '(', 'é') }));
// Plain objects, as the parser builds them: deep equality compares prototypes too.
const fieldRequirement = fc.record(
  { field: fieldName, operator: fc.constantFrom('=' as const, '==' as const, '!=' as const), value: fieldValue },
  { noNullPrototype: true },
);
const fieldSelector = fc.array(fieldRequirement, { maxLength: 6 }).map((requirements): FieldSelector => ({ requirements }));

/** Runs a fast-check property as one ava assertion; a failure shows the shrunk counterexample. */
function holds<Ts extends [unknown, ...unknown[]]>(t: ExecutionContext, property: fc.IProperty<Ts>, numRuns = 300): void {
  t.notThrows(() => fc.assert(property, { numRuns }));
}

// ---- label selectors: parsing every operator ----

test('each operator parses to its requirement, values sorted and deduplicated', (t) => {
  t.deepEqual(parseLabelSelector('app=web').requirements, [{ key: 'app', operator: '=', values: ['web'] }]);
  t.deepEqual(parseLabelSelector('app==web').requirements, [{ key: 'app', operator: '==', values: ['web'] }]);
  t.deepEqual(parseLabelSelector('app!=web').requirements, [{ key: 'app', operator: '!=', values: ['web'] }]);
  t.deepEqual(parseLabelSelector('env in (prod,dev,prod)').requirements, [{ key: 'env', operator: 'in', values: ['dev', 'prod'] }]);
  t.deepEqual(parseLabelSelector('env notin (b,a)').requirements, [{ key: 'env', operator: 'notin', values: ['a', 'b'] }]);
  t.deepEqual(parseLabelSelector('canary').requirements, [{ key: 'canary', operator: 'exists', values: [] }]);
  t.deepEqual(parseLabelSelector('!canary').requirements, [{ key: 'canary', operator: '!exists', values: [] }]);
});

test('the empty or blank text is the empty selector, which matches everything', (t) => {
  t.deepEqual(parseLabelSelector(''), { requirements: [] });
  t.deepEqual(parseLabelSelector(' \t '), { requirements: [] });
  t.true(matchesLabels(parseLabelSelector(''), undefined));
  t.true(matchesLabels({ requirements: [] }, { a: '1' }));
  t.is(formatLabelSelector({ requirements: [] }), '');
});

test('requirements keep the order they were written in, and white space around tokens is allowed', (t) => {
  const sel = parseLabelSelector('  tier != db ,\tapp = web , env  in ( prod , dev ) , ! canary , beta ');
  t.deepEqual(sel.requirements, [
    { key: 'tier', operator: '!=', values: ['db'] },
    { key: 'app', operator: '=', values: ['web'] },
    { key: 'env', operator: 'in', values: ['dev', 'prod'] },
    { key: 'canary', operator: '!exists', values: [] },
    { key: 'beta', operator: 'exists', values: [] },
  ]);
  t.is(formatLabelSelector(sel), 'tier!=db,app=web,env in (dev,prod),!canary,beta');
});

test("Kubernetes' own example parses, empty entries in a value set being the empty value", (t) => {
  const sel = parseLabelSelector('x in (foo,,baz),y,z notin ()');
  t.deepEqual(sel.requirements, [
    { key: 'x', operator: 'in', values: ['', 'baz', 'foo'] },
    { key: 'y', operator: 'exists', values: [] },
    { key: 'z', operator: 'notin', values: [''] },
  ]);
  t.deepEqual(parseLabelSelector('x in (,a)').requirements[0].values, ['', 'a']);
  t.deepEqual(parseLabelSelector('x in (a,)').requirements[0].values, ['', 'a']);
  t.deepEqual(parseLabelSelector('x in (,)').requirements[0].values, ['']);
});

test('an exact match with nothing after the operator is the empty value', (t) => {
  t.deepEqual(parseLabelSelector('a=,b!=').requirements, [
    { key: 'a', operator: '=', values: [''] },
    { key: 'b', operator: '!=', values: [''] },
  ]);
  t.true(matchesLabels(parseLabelSelector('a='), { a: '' }));
  t.false(matchesLabels(parseLabelSelector('a='), {}));
});

test("'in' and 'notin' are ordinary keys and values where a key or value is expected", (t) => {
  t.deepEqual(parseLabelSelector('in in (in,notin),notin=in,!in').requirements, [
    { key: 'in', operator: 'in', values: ['in', 'notin'] },
    { key: 'notin', operator: '=', values: ['in'] },
    { key: 'in', operator: '!exists', values: [] },
  ]);
});

test('prefixed keys parse', (t) => {
  t.deepEqual(parseLabelSelector('example.com/app=web').requirements, [{ key: 'example.com/app', operator: '=', values: ['web'] }]);
});

// ---- label selectors: matching ----

test('= and == match only an equal value of a present key', (t) => {
  for (const text of ['app=web', 'app==web']) {
    const sel = parseLabelSelector(text);
    t.true(matchesLabels(sel, { app: 'web', other: 'x' }));
    t.false(matchesLabels(sel, { app: 'db' }));
    t.false(matchesLabels(sel, {}));
    t.false(matchesLabels(sel, undefined));
  }
});

test('!= matches a different value and an absent key', (t) => {
  const sel = parseLabelSelector('app!=web');
  t.false(matchesLabels(sel, { app: 'web' }));
  t.true(matchesLabels(sel, { app: 'db' }));
  t.true(matchesLabels(sel, {}));
  t.true(matchesLabels(sel, undefined));
});

test('in needs the key with one of the values; notin matches the other values and an absent key', (t) => {
  const inSel = parseLabelSelector('env in (prod,staging)');
  const notinSel = parseLabelSelector('env notin (prod,staging)');
  t.true(matchesLabels(inSel, { env: 'staging' }));
  t.false(matchesLabels(inSel, { env: 'dev' }));
  t.false(matchesLabels(inSel, {}));
  t.false(matchesLabels(notinSel, { env: 'prod' }));
  t.true(matchesLabels(notinSel, { env: 'dev' }));
  t.true(matchesLabels(notinSel, {}));
  t.true(matchesLabels(parseLabelSelector('env in (,prod)'), { env: '' }));
});

test('exists and !exists look only at the presence of the key', (t) => {
  t.true(matchesLabels(parseLabelSelector('canary'), { canary: '' }));
  t.false(matchesLabels(parseLabelSelector('canary'), { app: 'web' }));
  t.true(matchesLabels(parseLabelSelector('!canary'), { app: 'web' }));
  t.false(matchesLabels(parseLabelSelector('!canary'), { canary: 'true' }));
});

test('every requirement must hold', (t) => {
  const sel = parseLabelSelector('app=web,tier!=db,!canary');
  t.true(matchesLabels(sel, { app: 'web', tier: 'front' }));
  t.false(matchesLabels(sel, { app: 'web', tier: 'db' }));
  t.false(matchesLabels(sel, { app: 'web', canary: 'yes' }));
});

test("a key named like an Object member does not find Object.prototype's member", (t) => {
  t.false(matchesLabels(parseLabelSelector('constructor'), {}));
  t.true(matchesLabels(parseLabelSelector('!toString'), {}));
  t.true(matchesLabels(parseLabelSelector('hasOwnProperty notin (x)'), {}));
  t.true(matchesLabels(parseLabelSelector('constructor=x'), Object.assign(Object.create(null), { constructor: 'x' })));
});

// ---- label selectors: formatting, sets ----

test("formatting prints each operator canonically, keeping '==' and sorting set values", (t) => {
  const sel: LabelSelector = {
    requirements: [
      { key: 'a', operator: '=', values: ['1'] },
      { key: 'b', operator: '==', values: ['2'] },
      { key: 'c', operator: '!=', values: [''] },
      { key: 'd', operator: 'in', values: ['y', 'x', 'y'] },
      { key: 'e', operator: 'notin', values: [''] },
      { key: 'f', operator: 'exists', values: [] },
      { key: 'g', operator: '!exists', values: [] },
    ],
  };
  t.is(formatLabelSelector(sel), 'a=1,b==2,c!=,d in (x,y),e notin (),f,!g');
});

test('formatting a requirement with the wrong number of values for its operator is a TypeError', (t) => {
  const format = (r: Requirement) => () => formatLabelSelector({ requirements: [r] });
  t.throws(format({ key: 'a', operator: 'in', values: [] }), {
    instanceOf: TypeError,
    message: "a: for 'in', 'notin' operators, values set can't be empty",
  });
  t.throws(format({ key: 'a', operator: '=', values: ['1', '2'] }), {
    instanceOf: TypeError,
    message: 'a: exact-match compatibility requires one single value',
  });
  t.throws(format({ key: 'a', operator: 'exists', values: ['1'] }), {
    instanceOf: TypeError,
    message: 'a: values set must be empty for exists and does not exist',
  });
});

test('selectorFromSet gives one = requirement per label, sorted by key', (t) => {
  t.deepEqual(selectorFromSet({ b: '2', a: '1' }), {
    requirements: [
      { key: 'a', operator: '=', values: ['1'] },
      { key: 'b', operator: '=', values: ['2'] },
    ],
  });
  t.deepEqual(selectorFromSet({}), { requirements: [] });
  t.deepEqual(selectorFromSet(undefined), { requirements: [] });
});

test("formatLabels prints 'a=1,b=2' sorted by key, and '' when there are none", (t) => {
  t.is(formatLabels({ b: '2', a: '1' }), 'a=1,b=2');
  t.is(formatLabels({ name: '' }), 'name=');
  t.is(formatLabels({}), '');
  t.is(formatLabels(undefined), '');
});

// ---- label selectors: errors ----

test("syntax errors are SelectorErrors with Kubernetes' messages", (t) => {
  const cases: [string, string][] = [
    ['a in (x', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['(', "found '(', expected: !, identifier, or 'end of string'"],
    [',a', "found ',', expected: !, identifier, or 'end of string'"],
    ['a,', "found '', expected: identifier after ','"],
    ['a,,b', "found ',', expected: identifier after ','"],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !="],
    ['a>1', "unable to parse requirement: found '>', expected: in, notin, =, ==, !="],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['!(', "unable to parse requirement: found '(', expected: identifier"],
    ['a in', "unable to parse requirement: found '' expected: '('"],
    ['a in x', "unable to parse requirement: found 'x' expected: '('"],
    ['a in (=', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ['a in (x y)', "unable to parse requirement: found 'y', expected: ',' or ')'"],
    ['a in (x,=)', "unable to parse requirement: found '=', expected: ',', or identifier"],
    ['a=!', "unable to parse requirement: found '!', expected: identifier"],
    ['a=(b)', "unable to parse requirement: found '(', expected: identifier"],
  ];
  for (const [text, message] of cases) {
    const error = t.throws(() => parseLabelSelector(text), { instanceOf: SelectorError, message }, text);
    t.is(error?.name, 'SelectorError');
  }
});

test('an invalid key in a selector is named in the error', (t) => {
  t.throws(() => parseLabelSelector('app_=web'), {
    instanceOf: SelectorError,
    message: `unable to parse requirement: invalid label key "app_": ${NAME_PART}`,
  });
  t.throws(() => parseLabelSelector('!Example.com/app'), {
    instanceOf: SelectorError,
    message: `unable to parse requirement: invalid label key "Example.com/app": ${PREFIX_FORMAT}`,
  });
});

test('an invalid value in a selector is named in the error, with its key', (t) => {
  t.throws(() => parseLabelSelector('app=web_'), {
    instanceOf: SelectorError,
    message: `unable to parse requirement: invalid label value: "web_": at key: "app": ${VALUE_FORMAT}`,
  });
  t.throws(() => parseLabelSelector(`env notin (ok,${'x'.repeat(64)})`), {
    instanceOf: SelectorError,
    message: `unable to parse requirement: invalid label value: "${'x'.repeat(64)}": at key: "env": must be no more than 63 characters`,
  });
});

// ---- validators ----

test('validateLabelKey accepts names of 1 to 63 characters with an optional subdomain prefix of up to 253', (t) => {
  const prefix253 = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
  for (const key of ['a', 'app', 'App.kubernetes_io-1', 'x'.repeat(63), 'example.com/app', `${prefix253}/a`]) {
    t.is(validateLabelKey(key), undefined, key);
  }
});

test("validateLabelKey reports Kubernetes' messages", (t) => {
  t.is(validateLabelKey(''), `name part must be non-empty; ${NAME_PART}`);
  t.is(validateLabelKey('x'.repeat(64)), 'name part must be no more than 63 characters');
  t.is(validateLabelKey('-app'), NAME_PART);
  t.is(validateLabelKey('/app'), 'prefix part must be non-empty');
  t.is(validateLabelKey('example.com/'), `name part must be non-empty; ${NAME_PART}`);
  t.is(validateLabelKey('Example.com/app'), PREFIX_FORMAT);
  t.is(validateLabelKey(`${'a.'.repeat(126)}ab/app`), `prefix part must be no more than 253 characters`);
  t.is(
    validateLabelKey('a/b/c'),
    `a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is ${NAME_REGEX}) with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
  );
});

test("validateLabelValue accepts '' and up to 63 characters, and reports Kubernetes' messages", (t) => {
  for (const value of ['', 'a', 'MyValue', 'my_value', '12345', 'v'.repeat(63)]) t.is(validateLabelValue(value), undefined, value);
  t.is(validateLabelValue('v'.repeat(64)), 'must be no more than 63 characters');
  t.is(validateLabelValue('my value'), VALUE_FORMAT);
  t.is(validateLabelValue('.a'), VALUE_FORMAT);
  t.is(validateLabelValue(`_${'v'.repeat(63)}`), `must be no more than 63 characters; ${VALUE_FORMAT}`);
});

// ---- label selectors: properties ----

test('property: the generated keys and values are valid (the generators below are sound)', (t) => {
  holds(t, fc.property(labelKey, labelValue, (key, value) => validateLabelKey(key) === undefined && validateLabelValue(value) === undefined));
});

test('property: parsing the formatted text of a valid selector gives the same selector', (t) => {
  holds(t, fc.property(labelSelector, (sel) => isDeepStrictEqual(parseLabelSelector(formatLabelSelector(sel)), sel)));
});

test('property: formatting is stable: format(parse(format(s))) is format(s)', (t) => {
  holds(
    t,
    fc.property(labelSelector, (sel) => {
      const text = formatLabelSelector(sel);
      return formatLabelSelector(parseLabelSelector(text)) === text;
    }),
  );
});

test('property: spaces and tabs around tokens do not change the parsed selector', (t) => {
  const blank = fc.constantFrom('', ' ', '\t', '  ');
  holds(
    t,
    fc.property(labelSelector, fc.array(blank, { minLength: 1, maxLength: 16 }), (sel, blanks) => {
      let i = 0;
      const b = () => blanks[i++ % blanks.length];
      const text = sel.requirements
        .map((r) => {
          switch (r.operator) {
            case 'exists':
              return `${b()}${r.key}${b()}`;
            case '!exists':
              return `${b()}!${b()}${r.key}${b()}`;
            case 'in':
            case 'notin':
              // A key and its keyword need at least one blank between them.
              return `${b()}${r.key} ${b()}${r.operator}${b()}(${r.values.map((v) => `${b()}${v}${b()}`).join(',')})${b()}`;
            default:
              return `${b()}${r.key}${b()}${r.operator}${b()}${r.values[0]}${b()}`;
          }
        })
        .join(',');
      return isDeepStrictEqual(parseLabelSelector(text), sel);
    }),
  );
});

test('property: a selector from a valid label set matches that set', (t) => {
  holds(t, fc.property(labelMap, (labels) => matchesLabels(selectorFromSet(labels), labels)));
});

test('property: a selector from a label set prints as formatLabels and parses back', (t) => {
  holds(
    t,
    fc.property(labelMap, (labels) => {
      const text = formatLabels(labels);
      return formatLabelSelector(selectorFromSet(labels)) === text && isDeepStrictEqual(parseLabelSelector(text), selectorFromSet(labels));
    }),
  );
});

test('property: != and notin match any labels without their key', (t) => {
  holds(
    t,
    fc.property(labelKey, fc.uniqueArray(labelValue, { minLength: 1, maxLength: 4 }), labelMap, (key, values, labels) => {
      const without = { ...labels };
      delete without[key];
      const notEqual: Requirement = { key, operator: '!=', values: [values[0]] };
      const notIn: Requirement = { key, operator: 'notin', values: [...values].sort() };
      return matchesLabels({ requirements: [notEqual] }, without) && matchesLabels({ requirements: [notIn] }, without);
    }),
  );
});

test('property: in and notin, = and !=, exists and !exists are complements when the key is present', (t) => {
  holds(
    t,
    fc.property(labelKey, fc.uniqueArray(labelValue, { minLength: 1, maxLength: 4 }), labelValue, labelMap, (key, values, value, rest) => {
      const labels = { ...rest, [key]: value };
      const one = (r: Requirement) => matchesLabels({ requirements: [r] }, labels);
      const sorted = [...values].sort();
      return (
        one({ key, operator: 'in', values: sorted }) === !one({ key, operator: 'notin', values: sorted }) &&
        one({ key, operator: 'in', values: sorted }) === sorted.includes(value) &&
        one({ key, operator: '=', values: [values[0]] }) === !one({ key, operator: '!=', values: [values[0]] }) &&
        one({ key, operator: 'exists', values: [] }) &&
        !one({ key, operator: '!exists', values: [] })
      );
    }),
  );
});

test('property: any text either parses to a selector that round-trips or throws a SelectorError', (t) => {
  holds(
    t,
    fc.property(selectorNoise, (text) => {
      let sel: LabelSelector;
      try {
        sel = parseLabelSelector(text);
      } catch (err) {
        return err instanceof SelectorError;
      }
      return isDeepStrictEqual(parseLabelSelector(formatLabelSelector(sel)), sel);
    }),
    1000,
  );
});

// ---- field selectors ----

test('field selectors parse each operator, in order, with empty values', (t) => {
  t.deepEqual(parseFieldSelector('metadata.name=web,spec.host!=,DesiredState.Host==m1,involvedObject.name='), {
    requirements: [
      { field: 'metadata.name', operator: '=', value: 'web' },
      { field: 'spec.host', operator: '!=', value: '' },
      { field: 'DesiredState.Host', operator: '==', value: 'm1' },
      { field: 'involvedObject.name', operator: '=', value: '' },
    ],
  });
  t.deepEqual(parseFieldSelector(''), { requirements: [] });
  t.deepEqual(parseFieldSelector('a=b,,c=d').requirements.length, 2);
});

test('field selector values unescape \\, \\= and \\\\, and format escapes them back', (t) => {
  const sel = parseFieldSelector('spec.host=a\\,b\\=c\\\\d,x!=!(y) z');
  t.deepEqual(sel.requirements, [
    { field: 'spec.host', operator: '=', value: 'a,b=c\\d' },
    { field: 'x', operator: '!=', value: '!(y) z' },
  ]);
  t.is(formatFieldSelector(sel), 'spec.host=a\\,b\\=c\\\\d,x!=!(y) z');
});

test("field selector errors are SelectorErrors with Kubernetes' messages and the term at fault", (t) => {
  const cases: [string, string][] = [
    ['a=b,spec', "invalid selector: 'a=b,spec'; can't understand 'spec'"],
    ['a===b', "invalid field selector: unescaped character in value: = (in 'a===b')"],
    ['a=x\\y', "invalid field selector: invalid escape sequence: \\y (in 'a=x\\y')"],
    ['a=x\\', "invalid field selector: invalid escape sequence: \\ (in 'a=x\\')"],
    ['=x', "invalid field selector: field name must be non-empty (in '=x')"],
    [
      'spec host=x',
      "invalid field selector: field name 'spec host' must consist of alphanumeric characters, '-', '_' or '.' (in 'spec host=x')",
    ],
  ];
  for (const [text, message] of cases) t.throws(() => parseFieldSelector(text), { instanceOf: SelectorError, message }, text);
});

test('field matching compares a missing field as the empty string', (t) => {
  const fields: Record<string, string> = { 'metadata.name': 'web', 'spec.host': 'm1' };
  const get = (field: string) => fields[field];
  t.true(matchesFields(parseFieldSelector('metadata.name=web,spec.host==m1'), get));
  t.false(matchesFields(parseFieldSelector('metadata.name!=web'), get));
  t.true(matchesFields(parseFieldSelector('status.phase='), get));
  t.false(matchesFields(parseFieldSelector('status.phase!='), get));
  t.true(matchesFields(parseFieldSelector(''), () => undefined));
});

test('property: parsing the formatted text of a field selector gives it back, whatever its values hold', (t) => {
  holds(t, fc.property(fieldSelector, (sel) => isDeepStrictEqual(parseFieldSelector(formatFieldSelector(sel)), sel)));
});

test('property: field selector formatting is stable', (t) => {
  holds(
    t,
    fc.property(fieldSelector, (sel) => {
      const text = formatFieldSelector(sel);
      return formatFieldSelector(parseFieldSelector(text)) === text;
    }),
  );
});

test('property: a field requirement matches exactly when its value is (or is not, for !=) the field', (t) => {
  holds(
    t,
    fc.property(fieldRequirement, fc.option(fieldValue, { nil: undefined }), (r: FieldRequirement, actual) => {
      const equal = (actual ?? '') === r.value;
      return matchesFields({ requirements: [r] }, () => actual) === (r.operator === '!=' ? !equal : equal);
    }),
  );
});

test('property: any text either parses to a field selector that round-trips or throws a SelectorError', (t) => {
  holds(
    t,
    fc.property(fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom('a', '.', '=', '!', ',', '\\', ' ') })), (text) => {
      let sel: FieldSelector;
      try {
        sel = parseFieldSelector(text);
      } catch (err) {
        return err instanceof SelectorError;
      }
      return isDeepStrictEqual(parseFieldSelector(formatFieldSelector(sel)), sel);
    }),
    1000,
  );
});

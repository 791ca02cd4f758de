/**
 * Kubernetes' name and label rules (apimachinery `pkg/util/validation`), with Kubernetes' own
 * messages: DNS-1123 labels and subdomains, DNS-1035 labels, label keys and values.
 */


const LABEL_NAME_FORMAT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_NAME_MESSAGE =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_NAME_MAX_LENGTH = 63;
const LABEL_VALUE_FORMAT = `(${LABEL_NAME_FORMAT})?`;
const LABEL_VALUE_MESSAGE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_MAX_LENGTH = 63;
const DNS1123_LABEL_FORMAT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FORMAT = `${DNS1123_LABEL_FORMAT}(\\.${DNS1123_LABEL_FORMAT})*`;
const DNS1123_SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
const EMPTY_MESSAGE = 'must be non-empty';

const LABEL_NAME = new RegExp(`^${LABEL_NAME_FORMAT}$`);
const LABEL_VALUE = new RegExp(`^${LABEL_VALUE_FORMAT}$`);
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_SUBDOMAIN_FORMAT}$`);

/** Kubernetes' RegexError, spacing included: "msg (e.g. 'a',  or 'b', regex used for validation is '…')". */
export function regexError(message: string, format: string, ...examples: string[]): string {
  const shown = examples.map((e, i) => `${i > 0 ? ' or ' : ''}'${e}', `).join('');
  return `${message} (e.g. ${shown}regex used for validation is '${format}')`;
}

/** Kubernetes' MaxLenError. */
export function maxLengthError(length: number): string {
  return `must be no more than ${length} characters`;
}

function dns1123SubdomainErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length > DNS1123_SUBDOMAIN_MAX_LENGTH) errors.push(maxLengthError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!DNS1123_SUBDOMAIN.test(value)) errors.push(regexError(DNS1123_SUBDOMAIN_MESSAGE, DNS1123_SUBDOMAIN_FORMAT, 'example.com'));
  return errors;
}

/**
 * validateLabelKey checks a label key (Kubernetes' IsQualifiedName): an optional DNS-1123 subdomain
 * prefix of at most 253 characters and a '/', then a name of 1 to 63 characters. Returns undefined
 * when the key is valid, else Kubernetes' messages joined by '; '.
 */
export function validateLabelKey(key: string): string | undefined {
  const errors: string[] = [];
  const parts = key.split('/');
  let name: string;
  if (parts.length === 1) {
    name = key;
  } else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix === '') errors.push(`prefix part ${EMPTY_MESSAGE}`);
    else errors.push(...dns1123SubdomainErrors(prefix).map((m) => `prefix part ${m}`));
  } else {
    return (
      'a qualified name ' +
      regexError(LABEL_NAME_MESSAGE, LABEL_NAME_FORMAT, 'MyName', 'my.name', '123-abc') +
      " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
    );
  }
  if (name === '') errors.push(`name part ${EMPTY_MESSAGE}`);
  else if (name.length > LABEL_NAME_MAX_LENGTH) errors.push(`name part ${maxLengthError(LABEL_NAME_MAX_LENGTH)}`);
  if (!LABEL_NAME.test(name)) {
    errors.push(`name part ${regexError(LABEL_NAME_MESSAGE, LABEL_NAME_FORMAT, 'MyName', 'my.name', '123-abc')}`);
  }
  return errors.length > 0 ? errors.join('; ') : undefined;
}

/**
 * validateLabelValue checks a label value (Kubernetes' IsValidLabelValue): empty, or at most 63
 * characters of [A-Za-z0-9._-] starting and ending with an alphanumeric one. Returns undefined when
 * the value is valid, else Kubernetes' messages joined by '; '.
 */
export function validateLabelValue(value: string): string | undefined {
  const errors: string[] = [];
  if (value.length > LABEL_VALUE_MAX_LENGTH) errors.push(maxLengthError(LABEL_VALUE_MAX_LENGTH));
  if (!LABEL_VALUE.test(value)) errors.push(regexError(LABEL_VALUE_MESSAGE, LABEL_VALUE_FORMAT, 'MyValue', 'my_value', '12345'));
  return errors.length > 0 ? errors.join('; ') : undefined;
}


/** A rule for names: at most `max` characters matching `format`; undefined when valid, else the messages joined by '; '. */
function nameRule(max: number, format: string, message: string, ...examples: string[]): (value: string) => string | undefined {
  const pattern = new RegExp(`^${format}$`);
  return (value) => {
    const errors: string[] = [];
    if (value.length > max) errors.push(maxLengthError(max));
    if (!pattern.test(value)) errors.push(regexError(message, format, ...examples));
    return errors.length > 0 ? errors.join('; ') : undefined;
  };
}

/** A DNS-1123 label (container, volume, port names): at most 63 characters. */
export const dns1123LabelError = nameRule(
  63,
  DNS1123_LABEL_FORMAT,
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
  'my-name',
  '123-abc',
);

/** A DNS-1123 subdomain (pod and minion names): at most 253 characters. */
export const dns1123SubdomainError = nameRule(DNS1123_SUBDOMAIN_MAX_LENGTH, DNS1123_SUBDOMAIN_FORMAT, DNS1123_SUBDOMAIN_MESSAGE, 'example.com');

/** A DNS-1035 label (service names: they become environment variable names): starts with a letter. */
export const dns1035LabelError = nameRule(
  63,
  '[a-z]([-a-z0-9]*[a-z0-9])?',
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
  'my-name',
  'abc-123',
);

/** apiserver's SimpleNameGenerator: a generated name keeps at most this much of its base. */
const MAX_GENERATED_BASE = 58;

/**
 * The base of a name generated from another object's (a controller's pods, `<name>-xxxxx`; an
 * object's events, `<name>.<hex>`), valid as the start of a DNS-1123 subdomain. A 2014 controller
 * may be called `redisSlaveController`, which no pod may: its pods are `redisslavecontroller-xxxxx`.
 */
export function generatedNameBase(name: string): string {
  const base = name.toLowerCase().replace(/[^a-z0-9.-]/g, '-');
  return base.length > MAX_GENERATED_BASE ? base.slice(0, MAX_GENERATED_BASE) : base;
}

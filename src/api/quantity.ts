/**
 * Kubernetes quantities (`500m`, `128Mi`, `1.5Gi`, `1e3`): parsed into whole counts of milli-units
 * or units, and printed back in the canonical form Kubernetes uses (k8s.io/apimachinery resource).
 */

/** resource.ParseQuantity's message for text that is not a quantity. */
export const QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/** resource.ParseQuantity's message for a number with an unknown suffix (`5K`, `1Gb`). */
export const QUANTITY_SUFFIX_ERROR = "unable to parse quantity's suffix";

// <signedNumber><suffix>, the suffix binary SI (Ki..Ei), decimal SI (n, u, m, '', k..E) or an exponent.
const QUANTITY = /^([+-]?)(\d+\.?\d*|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE])|[eE]([+-]?\d+))?$/;
const QUANTITY_SHAPE = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const SIGNED_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)$/;
const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const DECIMAL_EXPONENTS: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DECIMAL_SUFFIXES: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
// Past this a quantity needs digits a JS number cannot hold exactly.
const MAX_QUANTITY = BigInt(Number.MAX_SAFE_INTEGER);

/** A parsed quantity, or why it did not parse. */
export type QuantityResult = { ok: true; value: number } | { ok: false; reason: string };

/**
 * Parses a Kubernetes quantity (`100m`, `0.5`, `2`, `1e3`, `128Mi`, `1.5Gi`, `500k`, `1M`, or a JSON
 * number) into a whole count of units: milli-units with `'milli'` (CPU), units otherwise (bytes).
 * Fractions round up, away from zero, as `Quantity.MilliValue()` and `Value()` do.
 */
export function parseQuantity(q: string | number, scale: 'milli' | 'units' = 'units'): QuantityResult {
  const text = typeof q === 'number' ? String(q) : q;
  const m = QUANTITY.exec(text);
  if (!m) {
    const shape = QUANTITY_SHAPE.exec(text);
    return { ok: false, reason: shape && SIGNED_NUMBER.test(shape[1]!) ? QUANTITY_SUFFIX_ERROR : QUANTITY_FORMAT_ERROR };
  }
  const [, sign, number, binary, decimal, exponent] = m;
  const [whole, fraction = ''] = number!.split('.');
  let digits = BigInt(`${whole || '0'}${fraction}`);
  let e = -fraction.length + (scale === 'milli' ? 3 : 0);
  if (binary) digits *= 1024n ** BigInt(BINARY_SUFFIXES.indexOf(binary));
  else if (decimal) e += DECIMAL_EXPONENTS[decimal]!;
  else if (exponent) e += Number(exponent);
  let value: bigint;
  if (digits === 0n) value = 0n;
  else if (e > 30) return { ok: false, reason: `must be no more than ${MAX_QUANTITY}` };
  else if (e >= 0) value = digits * 10n ** BigInt(e);
  else if (e < -60) value = 1n;
  else {
    const d = 10n ** BigInt(-e);
    value = digits / d + (digits % d === 0n ? 0n : 1n);
  }
  if (value > MAX_QUANTITY) return { ok: false, reason: `must be no more than ${MAX_QUANTITY}` };
  return { ok: true, value: sign === '-' ? -Number(value) : Number(value) };
}

/**
 * Formats a whole count as Kubernetes prints a canonical quantity: milli-CPU in decimal SI (`500m`,
 * `2`, `1500m`), bytes in binary SI when a multiple of 1024 (`64Mi`) and in decimal SI otherwise (`1G`).
 */
export function formatQuantity(count: number, scale: 'milli' | 'bytes'): string {
  const n = Number.isFinite(count) ? BigInt(Math.ceil(count)) : 0n;
  if (scale === 'milli') return decimalSI(n, -3);
  if (n === 0n || n % 1024n !== 0n) return decimalSI(n, 0);
  let mantissa = n;
  let power = 0;
  while (power < 6 && mantissa % 1024n === 0n) {
    mantissa /= 1024n;
    power++;
  }
  return `${mantissa}${BINARY_SUFFIXES[power]}`;
}

/** `n × 10^e` with the largest SI suffix that keeps the mantissa whole (no suffix is below nano). */
function decimalSI(n: bigint, e: number): string {
  if (n === 0n) return '0';
  const sign = n < 0n ? '-' : '';
  let mantissa = n < 0n ? -n : n;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    e++;
  }
  const exponent = Math.min(18, Math.max(-9, Math.floor(e / 3) * 3));
  return `${sign}${mantissa * 10n ** BigInt(e - exponent)}${DECIMAL_SUFFIXES[exponent]}`;
}

/** Durations as Kubernetes' flags write them. */

/** `1h`, `30m`, `1h30m0s`, `90s`, `500ms` in ms; undefined when `text` is not one. */
export function parseDuration(text: string): number | undefined {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let ms = 0;
  const rest = text.replace(/(\d+(?:\.\d+)?)(ms|h|m|s)/g, (_, n: string, unit: string) => {
    ms += Number(n) * units[unit]!;
    return '';
  });
  return rest === '' && ms > 0 ? ms : undefined;
}

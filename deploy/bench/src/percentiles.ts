/** Nearest-rank percentile (p in 0..100) of a sample; NaN when it is empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** Median (mean of the two middle values for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** One markdown table row: name, p50, p95, p99, max of a sample (ms, one decimal). */
export function percentileRow(name: string, values: readonly number[]): string {
  const f = (v: number) => (Number.isNaN(v) ? '–' : v.toFixed(1));
  return `| ${name} | ${f(percentile(values, 50))} | ${f(percentile(values, 95))} | ${f(percentile(values, 99))} | ${f(Math.max(...values))} |`;
}

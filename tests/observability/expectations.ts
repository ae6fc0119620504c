// What a query should return, and the arithmetic to get there from what the test saw with its own
// eyes (API answers, log lines, spans, the services' /metrics text) rather than from Prometheus.

export type Sample = { metric: Record<string, string>; value: number };

/**
 * One query's expectation: the series it returns, keyed by the values of `by` (joined with "|"),
 * each a number (NaN: no observations, as Prometheus answers 0/0) or a range for values only the
 * runtime decides (CPU, heap). `empty`: the traffic implies no series at all.
 */
export type Expectation =
  /** `count`: a number of events (increase() over a window): rounded, it must be exact. */
  { by: string[]; series: Record<string, number | Range>; tolerance?: number; count?: boolean } | { empty: true; why: string };
export type Range = { min: number; max: number };

export const range = (min: number, max: number): Range => ({ min, max });
const isRange = (v: number | Range): v is Range => typeof v === "object";

/** Compares a result with its expectation; returns what is wrong, or null. */
export function compare(samples: Sample[], expected: Expectation): string | null {
  if ("empty" in expected) return samples.length === 0 ? null : `expected no series (${expected.why}), got ${describe(samples)}`;
  if (samples.length === 0) return `empty, expected ${JSON.stringify(expected.series)}`;
  const got = new Map<string, number>();
  for (const s of samples) {
    const key = expected.by.map((l) => s.metric[l] ?? "").join("|");
    if (got.has(key)) return `two series for ${expected.by.join(",")}=${key}: ${describe(samples)}`;
    got.set(key, s.value);
  }
  const problems: string[] = [];
  const tolerance = expected.tolerance ?? 0.05;
  for (const [key, want] of Object.entries(expected.series)) {
    const value = got.get(key);
    if (value === undefined) {
      problems.push(`${key || "(one series)"}: missing (expected ${fmt(want)})`);
      continue;
    }
    if (expected.count && typeof want === "number" ? Math.round(value) !== want : !matches(value, want, tolerance))
      problems.push(`${key || "(one series)"}: got ${value}, expected ${fmt(want)}`);
  }
  for (const key of got.keys()) if (!(key in expected.series)) problems.push(`${key}: unexpected series (${got.get(key)})`);
  return problems.length ? problems.join("; ") : null;
}

function matches(value: number, want: number | Range, tolerance: number): boolean {
  if (isRange(want)) return Number.isFinite(value) && value >= want.min && value <= want.max;
  if (Number.isNaN(want)) return Number.isNaN(value);
  // Counts are whole: rate() and increase() extrapolate by up to one scrape interval, so rounding
  // them must give the count exactly; ratios and rates within a few percent of what the traffic implies.
  return Math.abs(value - want) <= Math.max(1e-9, Math.abs(want) * tolerance);
}

const fmt = (v: number | Range) => (isRange(v) ? `${v.min}..${v.max}` : String(v));
const describe = (samples: Sample[]) =>
  samples
    .slice(0, 6)
    .map((s) => `${JSON.stringify(s.metric)}=${s.value}`)
    .join(", ");

/** Parses Prometheus text exposition into samples (name in __name__). */
export function parseMetricsText(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const metric: Record<string, string> = { __name__: m[1]! };
    for (const l of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) metric[l[1]!] = l[2]!.replace(/\\"/g, '"').replace(/\\\\/g, "\\");
    out.push({ metric, value: Number(m[3]) });
  }
  return out;
}

/**
 * What happened between two snapshots of the same /metrics: each sample less its value in `before`
 * (same name and labels). Prometheus' windows start at its first scrape, so what a service counted
 * while starting (the worker's token check before the first scrape) is in neither.
 */
export function since(before: Sample[], after: Sample[]): Sample[] {
  const key = (m: Record<string, string>) => JSON.stringify(Object.entries(m).sort(([a], [b]) => a.localeCompare(b)));
  const earlier = new Map(before.map((s) => [key(s.metric), s.value]));
  return after.map((s) => ({ metric: s.metric, value: s.value - (earlier.get(key(s.metric)) ?? 0) }));
}

/**
 * Prometheus's histogram_quantile over cumulative bucket counts (`le` -> count), by its rules:
 * linear interpolation inside the bucket, the lowest bucket starting at 0, the +Inf bucket
 * answered with the highest finite bound, NaN without observations.
 */
export function histogramQuantile(q: number, buckets: Map<number, number>): number {
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (!sorted.length || total === 0) return Number.NaN;
  const rank = q * total;
  let previousBound = 0;
  let previousCount = 0;
  for (let i = 0; i < sorted.length; i++) {
    const [bound, count] = sorted[i]!;
    if (count >= rank) {
      if (bound === Number.POSITIVE_INFINITY) return sorted[i - 1]?.[0] ?? Number.NaN;
      if (i === 0 && bound <= 0) return bound;
      return previousBound + ((bound - previousBound) * (rank - previousCount)) / (count - previousCount);
    }
    previousBound = bound;
    previousCount = count;
  }
  return Number.NaN;
}

/** Sums the `_bucket` samples of `name` by the `by` labels (plus le), as `sum by (..., le)` does. */
export function bucketsBy(samples: Sample[], name: string, by: string[], filter: (m: Record<string, string>) => boolean = () => true) {
  const groups = new Map<string, Map<number, number>>();
  for (const s of samples) {
    if (s.metric.__name__ !== `${name}_bucket` || !filter(s.metric)) continue;
    const key = by.map((l) => s.metric[l] ?? "").join("|");
    const le = s.metric.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(s.metric.le);
    const group = groups.get(key) ?? new Map<number, number>();
    group.set(le, (group.get(le) ?? 0) + s.value);
    groups.set(key, group);
  }
  return groups;
}

/** The quantile per group, as `histogram_quantile(q, sum by (by..., le) (rate(name_bucket[w])))` answers when every observation is in the window. */
export function quantilesBy(q: number, samples: Sample[], name: string, by: string[], filter?: (m: Record<string, string>) => boolean) {
  return Object.fromEntries([...bucketsBy(samples, name, by, filter)].map(([key, b]) => [key, histogramQuantile(q, b)]));
}

/** Quantile of raw observations with the given bucket bounds (what the histogram holds after them). */
export function quantileOfObservations(q: number, values: number[], bounds: number[]): number {
  const buckets = new Map<number, number>();
  for (const bound of [...bounds, Number.POSITIVE_INFINITY]) buckets.set(bound, values.filter((v) => v <= bound).length);
  return histogramQuantile(q, buckets);
}

export const countBy = <T>(items: T[], key: (t: T) => string) => {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
};
export const sumBy = <T>(items: T[], key: (t: T) => string, value: (t: T) => number) => {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + value(item);
  return out;
};
export const mapValues = (o: Record<string, number>, f: (v: number, k: string) => number) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v, k)]));

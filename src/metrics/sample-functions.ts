import { type StoredSeries, upperBound } from './sample-store.js';

/**
 * The two PromQL evaluation rules the feature queries rely on (feature-queries.ts), over stored samples, as
 * Prometheus 2.x documents and implements them:
 * - an instant selector at τ takes the newest sample in [τ - lookback, τ], and nothing when that sample is a
 *   staleness marker;
 * - rate(v[w]) at τ is the increase over the samples in [τ - w, τ] (staleness markers left out), corrected for
 *   counter resets and extrapolated towards the window's edges, divided by w.
 */

/** Prometheus's default lookback delta. */
export const LOOKBACK_MS = 5 * 60_000;

export function instantValue(
  series: StoredSeries,
  tauMs: number,
  lookbackMs = LOOKBACK_MS,
): number | undefined {
  const at = upperBound(series.times, tauMs) - 1;
  if (at < 0) return undefined;
  const time = series.times[at] ?? Number.NEGATIVE_INFINITY;
  if (time < tauMs - lookbackMs) return undefined;
  return series.values[at] ?? undefined;
}

export function rate(series: StoredSeries, tauMs: number, windowMs: number): number | undefined {
  const start = tauMs - windowMs;
  const end = upperBound(series.times, tauMs);
  const times: number[] = [];
  const values: number[] = [];
  for (let i = upperBound(series.times, start - 1); i < end; i++) {
    const value = series.values[i];
    if (value === null || value === undefined) continue;
    times.push(series.times[i] ?? 0);
    values.push(value);
  }
  if (values.length < 2) return undefined;
  const first = values[0] ?? 0;
  let increase = (values.at(-1) ?? 0) - first;
  for (let i = 1; i < values.length; i++) {
    const previous = values[i - 1] ?? 0;
    // A counter that went down was reset (the process restarted): it counts again from zero.
    if ((values[i] ?? 0) < previous) increase += previous;
  }
  const firstMs = times[0] ?? 0;
  const lastMs = times.at(-1) ?? 0;
  const sampled = (lastMs - firstMs) / 1000;
  const averageGap = sampled / (values.length - 1);
  let toStart = (firstMs - start) / 1000;
  const toEnd = (tauMs - lastMs) / 1000;
  if (increase > 0 && first >= 0) {
    // A counter is never negative: extrapolating back past the time it would have been zero is wrong.
    const toZero = sampled * (first / increase);
    if (toZero < toStart) toStart = toZero;
  }
  const threshold = averageGap * 1.1;
  let interval = sampled;
  interval += toStart < threshold ? toStart : averageGap / 2;
  interval += toEnd < threshold ? toEnd : averageGap / 2;
  return (increase * (interval / sampled)) / (windowMs / 1000);
}

/** PromQL `sum`: nothing when no series contributes. */
export function sumOf(values: Iterable<number | undefined>): number | undefined {
  let sum: number | undefined;
  for (const v of values) if (v !== undefined) sum = (sum ?? 0) + v;
  return sum;
}

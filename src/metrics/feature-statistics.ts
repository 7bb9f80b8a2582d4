import { type FeatureValue, missing, value } from './feature-vector.js';

/** Length of the statistics window, fixed by the feature names (`mean_5m`, ...). */
export const WINDOW_MS = 5 * 60_000;
export const LAG_1_MS = 60_000;
export const LAG_5_MS = 5 * 60_000;

/** A signal's points for one pod or node, keyed by timestamp (ms). */
export type SignalPoints = ReadonlyMap<number, number>;

/**
 * The 9 statistics of one signal at instant t, in STATISTICS order, from the points of a range query ending at t
 * with the given step (t and t - WINDOW_MS included; t need not be on any grid). `points` undefined means the signal has no series at all.
 */
export function signalStatistics(
  points: SignalPoints | undefined,
  tMs: number,
  stepMs: number,
): FeatureValue[] {
  if (!points) return Array.from({ length: 9 }, () => missing('no_series'));
  const at = (ms: number): FeatureValue => {
    const v = points.get(ms);
    return v === undefined ? missing('no_series') : value(v);
  };
  const current = at(tMs);
  const lag1 = at(tMs - LAG_1_MS);
  const lag5 = at(tMs - LAG_5_MS);

  const window: number[] = [];
  let nonFinite = false;
  for (let ms = tMs - WINDOW_MS; ms <= tMs; ms += stepMs) {
    const v = points.get(ms);
    if (v === undefined) continue;
    if (Number.isFinite(v)) window.push(v);
    else nonFinite = true;
  }
  let mean: FeatureValue;
  let std: FeatureValue;
  let min: FeatureValue;
  let max: FeatureValue;
  if (nonFinite || window.length === 0) {
    const reason = nonFinite ? 'not_finite' : 'no_series';
    mean = std = min = max = missing(reason);
  } else {
    const m = window.reduce((a, b) => a + b, 0) / window.length;
    // Population standard deviation, as stddev_over_time computes it.
    const variance = window.reduce((a, b) => a + (b - m) * (b - m), 0) / window.length;
    mean = value(m);
    std = value(Math.sqrt(variance));
    min = value(Math.min(...window));
    max = value(Math.max(...window));
  }

  let diff: FeatureValue = missing('no_input');
  let pct: FeatureValue = missing('no_input');
  if (current.ok && lag1.ok) {
    const d = current.value - lag1.value;
    diff = value(d);
    // The reference defines pct_change as 0 when lag_1 is 0 rather than ±Inf.
    pct = value(lag1.value === 0 ? 0 : d / lag1.value);
  }
  return [current, mean, std, min, max, lag1, lag5, diff, pct];
}

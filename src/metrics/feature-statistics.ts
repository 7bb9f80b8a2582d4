import { type FeatureValue, missing, value } from './feature-vector.js';

/** Length of the statistics window, fixed by the feature names (`mean_5m`, ...). */
export const WINDOW_MS = 5 * 60_000;
export const LAG_1_MS = 60_000;
export const LAG_5_MS = 5 * 60_000;

/** A signal's points for one pod or node, keyed by timestamp (ms). */
export type SignalPoints = ReadonlyMap<number, number>;

const NO_SERIES: readonly FeatureValue[] = Object.freeze(
  Array.from({ length: 9 }, () => missing('no_series')),
);

/**
 * The points of one signal at the window's step-aligned slots, t - WINDOW_MS (slot 0) to t (the last slot), in
 * typed arrays reused from one pod to the next: a cycle of 10,000 pods allocates no per-pod window.
 */
export class WindowSlots {
  readonly values: Float64Array;
  readonly present: Uint8Array;
  readonly startMs: number;

  constructor(
    readonly tMs: number,
    readonly stepMs: number,
  ) {
    const slots = Math.floor(WINDOW_MS / stepMs) + 1;
    this.values = new Float64Array(slots);
    this.present = new Uint8Array(slots);
    this.startMs = tMs - WINDOW_MS;
  }

  /** Fills the slots from a series; points off the step grid or outside the window are not window points. */
  fill(times: ArrayLike<number>, values: ArrayLike<number>): this {
    this.present.fill(0);
    for (let i = 0; i < times.length; i++) {
      const offset = (times[i] as number) - this.startMs;
      if (offset < 0 || offset % this.stepMs !== 0) continue;
      const slot = offset / this.stepMs;
      if (slot >= this.present.length) continue;
      this.values[slot] = values[i] ?? Number.NaN;
      this.present[slot] = 1;
    }
    return this;
  }

  fillFromMap(points: SignalPoints): this {
    this.present.fill(0);
    for (let slot = 0; slot < this.present.length; slot++) {
      const v = points.get(this.startMs + slot * this.stepMs);
      if (v === undefined) continue;
      this.values[slot] = v;
      this.present[slot] = 1;
    }
    return this;
  }

  private at(ms: number): FeatureValue {
    const slot = (ms - this.startMs) / this.stepMs;
    return this.present[slot] === 1 ? value(this.values[slot] as number) : missing('no_series');
  }

  /** The 9 statistics in STATISTICS order (see signalStatistics). */
  statistics(): FeatureValue[] {
    return this.statisticsInto(new Array<FeatureValue>(9), 0);
  }

  /** Writes the 9 statistics into `out` from `offset` (a vector's 45 slots): no array per signal and pod. */
  statisticsInto(out: FeatureValue[], offset: number): FeatureValue[] {
    const current = this.at(this.tMs);
    const lag1 = this.at(this.tMs - LAG_1_MS);
    const lag5 = this.at(this.tMs - LAG_5_MS);

    // Slots in time order, as the window's points are: the sums add up in the same order as before.
    let n = 0;
    let sum = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    let nonFinite = false;
    for (let slot = 0; slot < this.present.length; slot++) {
      if (this.present[slot] !== 1) continue;
      const v = this.values[slot] as number;
      if (!Number.isFinite(v)) {
        nonFinite = true;
        continue;
      }
      n++;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    let mean: FeatureValue;
    let std: FeatureValue;
    let lo: FeatureValue;
    let hi: FeatureValue;
    if (nonFinite || n === 0) {
      mean = std = lo = hi = missing(nonFinite ? 'not_finite' : 'no_series');
    } else {
      const m = sum / n;
      // Population standard deviation, as stddev_over_time computes it.
      let squares = 0;
      for (let slot = 0; slot < this.present.length; slot++) {
        if (this.present[slot] !== 1) continue;
        const d = (this.values[slot] as number) - m;
        squares += d * d;
      }
      mean = value(m);
      std = value(Math.sqrt(squares / n));
      lo = value(min);
      hi = value(max);
    }

    let diff: FeatureValue = missing('no_input');
    let pct: FeatureValue = missing('no_input');
    if (current.ok && lag1.ok) {
      const d = current.value - lag1.value;
      diff = value(d);
      // The reference defines pct_change as 0 when lag_1 is 0 rather than ±Inf.
      pct = value(lag1.value === 0 ? 0 : d / lag1.value);
    }
    out[offset] = current;
    out[offset + 1] = mean;
    out[offset + 2] = std;
    out[offset + 3] = lo;
    out[offset + 4] = hi;
    out[offset + 5] = lag1;
    out[offset + 6] = lag5;
    out[offset + 7] = diff;
    out[offset + 8] = pct;
    return out;
  }
}

/** The 9 statistics of a signal without any series: all missing (one shared, frozen array). */
export function noSeries(): readonly FeatureValue[] {
  return NO_SERIES;
}

/**
 * The 9 statistics of one signal at instant t, in STATISTICS order, from the points of a range query ending at t
 * with the given step (t and t - WINDOW_MS included; t need not be on any grid). `points` undefined means the signal has no series at all.
 */
export function signalStatistics(
  points: SignalPoints | undefined,
  tMs: number,
  stepMs: number,
): FeatureValue[] {
  if (!points) return [...NO_SERIES];
  return new WindowSlots(tMs, stepMs).fillFromMap(points).statistics();
}

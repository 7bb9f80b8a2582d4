import { FeatureRow, type FeatureValue, missing } from './feature-vector.js';

const STATISTICS_PER_SIGNAL = 9;

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

  /** The slot of instant `ms` when it holds a point, else -1. */
  private slotAt(ms: number): number {
    const slot = (ms - this.startMs) / this.stepMs;
    return this.present[slot] === 1 ? slot : -1;
  }

  /** A slot's point into `out[i]`, or no_series when the slot holds none. */
  private put(out: FeatureRow, i: number, slot: number): void {
    if (slot < 0) out.setMissing(i, 'no_series');
    else out.setValue(i, this.values[slot] as number);
  }

  /** The 9 statistics in STATISTICS order (see signalStatistics). */
  statistics(): FeatureValue[] {
    const row = new FeatureRow(STATISTICS_PER_SIGNAL);
    this.statisticsInto(row, 0);
    return row.map((f) => f);
  }

  /** Writes the 9 statistics into `out` from `offset` (a vector's 45 slots): no object per statistic. */
  statisticsInto(out: FeatureRow, offset: number): void {
    const current = this.slotAt(this.tMs);
    const lag1 = this.slotAt(this.tMs - LAG_1_MS);
    const lag5 = this.slotAt(this.tMs - LAG_5_MS);

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
    this.put(out, offset, current);
    if (nonFinite || n === 0) {
      for (let k = 1; k <= 4; k++) out.setMissing(offset + k, nonFinite ? 'not_finite' : 'no_series');
    } else {
      const m = sum / n;
      // Population standard deviation, as stddev_over_time computes it.
      let squares = 0;
      for (let slot = 0; slot < this.present.length; slot++) {
        if (this.present[slot] !== 1) continue;
        const d = (this.values[slot] as number) - m;
        squares += d * d;
      }
      out.setValue(offset + 1, m);
      out.setValue(offset + 2, Math.sqrt(squares / n));
      out.setValue(offset + 3, min);
      out.setValue(offset + 4, max);
    }
    this.put(out, offset + 5, lag1);
    this.put(out, offset + 6, lag5);
    // diff and pct_change need both the current value and lag_1, each finite: read from the window, as put() wrote
    // them (a number read back from `out` through a call would be boxed, one heap object per read).
    const now = current < 0 ? Number.NaN : (this.values[current] as number);
    const before = lag1 < 0 ? Number.NaN : (this.values[lag1] as number);
    if (Number.isFinite(now) && Number.isFinite(before)) {
      const d = now - before;
      out.setValue(offset + 7, d);
      // The reference defines pct_change as 0 when lag_1 is 0 rather than ±Inf.
      out.setValue(offset + 8, before === 0 ? 0 : d / before);
    } else {
      out.setMissing(offset + 7, 'no_input');
      out.setMissing(offset + 8, 'no_input');
    }
  }
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

/**
 * The fallback detector used while the ML service is unavailable. For each pod it keeps the recent
 * history of the five signals' current values (the `.value` feature of each signal) and scores a new vector
 * with a robust z-score per signal: |x - median| / (1.4826 * MAD). The median and MAD ignore the spikes
 * they are meant to find, unlike a mean and standard deviation. Its confidence is capped well below what a
 * trained model reports, and its verdicts are labelled `local`, so nobody mistakes them for the model's.
 * It gives no verdict on a pod with less than `minSamples` of history: median and MAD of a few samples are too
 * unsteady to judge by (measured with `npm run bench:local-detector`, docs/ml-service.md).
 */
import { FEATURE_NAMES, type FeatureName, SIGNALS, STATISTICS } from '../metrics/feature-catalogue.js';
import type { TimeSource as Clock } from '../time/clock.js';
import { type CompleteFeatureVector, podKey } from './feature-vector.js';

export interface LocalDetectorOptions {
  /** Samples of history kept per pod. */
  windowSize: number;
  /** Below this many samples (distinct vector timestamps) of a pod's history the detector gives no opinion. */
  minSamples: number;
  /** |z| at or above this is an anomaly (3.5 is the usual cut-off for the modified z-score). */
  zThreshold: number;
  /** Confidence ceiling for local verdicts. */
  maxConfidence: number;
  /** A pod not seen for this long loses its history (bounds memory as pods come and go). */
  maxIdleMs?: number;
}

export interface LocalVerdict {
  method: 'robust_z';
  anomaly: boolean;
  confidence: number;
  /** The largest |z| over the signals. */
  score: number;
  /** The feature with the largest |z|. */
  feature: FeatureName;
  samples: number;
}

interface History {
  timestamps: number[];
  /** rows[s] is the history of signal s. */
  rows: number[][];
  lastSeen: number;
}

const VALUE_INDEXES = SIGNALS.map((_, s) => s * STATISTICS.length);
/** MAD is zero for a flat history; this floor (relative to the median, and absolute) keeps z finite. */
const RELATIVE_SCALE_FLOOR = 0.01;
const ABSOLUTE_SCALE_FLOOR = 1e-6;
const Z_CAP = 1e6;

export class LocalAnomalyDetector {
  /** In least-recently-observed order (an observed pod is moved to the end), so eviction stops at the first live one. */
  private readonly histories = new Map<string, History>();

  constructor(
    private readonly options: LocalDetectorOptions,
    private readonly clock: Clock,
  ) {}

  /** Records a vector in its pod's history. Call it every cycle, ML up or down, so history exists. */
  observe(vector: CompleteFeatureVector): void {
    const key = podKey(vector);
    const now = this.clock.now();
    let history = this.histories.get(key);
    if (history) this.histories.delete(key);
    else history = { timestamps: [], rows: SIGNALS.map(() => []), lastSeen: now };
    history.lastSeen = now;
    this.histories.set(key, history);
    const at = vector.timestamp.getTime();
    if (history.timestamps.includes(at)) return;
    history.timestamps.push(at);
    VALUE_INDEXES.forEach((index, s) => {
      history.rows[s]?.push(vector.values[index] as number);
    });
    if (history.timestamps.length > this.options.windowSize) {
      history.timestamps.shift();
      for (const row of history.rows) row.shift();
    }
    this.evictIdle(now);
  }

  /** Scores `vector` against its pod's history, excluding itself; undefined when history is too short. */
  assess(vector: CompleteFeatureVector): LocalVerdict | undefined {
    const history = this.histories.get(podKey(vector));
    if (!history) return undefined;
    const at = vector.timestamp.getTime();
    const keep = history.timestamps.map((t) => t !== at);
    const samples = keep.filter(Boolean).length;
    if (samples < this.options.minSamples) return undefined;
    let best = { z: -1, index: 0 };
    VALUE_INDEXES.forEach((index, s) => {
      const row = (history.rows[s] ?? []).filter((_, i) => keep[i]);
      const z = robustZ(vector.values[index] as number, row);
      if (z > best.z) best = { z, index };
    });
    const { zThreshold, maxConfidence } = this.options;
    const anomaly = best.z >= zThreshold;
    // Anomalies: half the ceiling at the threshold, rising to the ceiling at twice the threshold.
    // Normal verdicts: half the ceiling, since a short history proves little either way.
    const excess = Math.min(1, Math.max(0, (best.z - zThreshold) / zThreshold));
    const confidence = anomaly ? maxConfidence * (0.5 + 0.5 * excess) : maxConfidence * 0.5;
    return {
      method: 'robust_z',
      anomaly,
      confidence,
      score: best.z,
      feature: FEATURE_NAMES[best.index] as FeatureName,
      samples,
    };
  }

  /** Samples of `vector`'s pod history it would be judged against (its own timestamp excluded). */
  samplesFor(vector: CompleteFeatureVector): number {
    const history = this.histories.get(podKey(vector));
    if (!history) return 0;
    const at = vector.timestamp.getTime();
    return history.timestamps.reduce((n, t) => (t === at ? n : n + 1), 0);
  }

  get minSamples(): number {
    return this.options.minSamples;
  }

  /** Number of pods with history (for tests and diagnostics). */
  get size(): number {
    return this.histories.size;
  }

  /** Drops pods not observed for maxIdleMs: the oldest come first, so this costs O(evicted), not O(pods). */
  private evictIdle(now: number): void {
    const maxIdle = this.options.maxIdleMs;
    if (maxIdle === undefined) return;
    for (const [key, history] of this.histories) {
      if (now - history.lastSeen <= maxIdle) break;
      this.histories.delete(key);
    }
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[mid] as number;
  return ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** |x - median| / (1.4826 * MAD), with a floor on the scale so a flat history does not divide by zero. */
export function robustZ(x: number, history: readonly number[]): number {
  if (history.length === 0) return 0;
  const m = median(history);
  const mad = median(history.map((v) => Math.abs(v - m)));
  const scale = Math.max(1.4826 * mad, RELATIVE_SCALE_FLOOR * Math.abs(m), ABSOLUTE_SCALE_FLOOR);
  return Math.min(Z_CAP, Math.abs(x - m) / scale);
}

/**
 * How often the local fallback detector calls a steady pod anomalous, as a function of the history it has.
 * Every verdict on a steady pod (bench/steady-pods.ts) that says "anomaly" is a false positive. The detector runs
 * with the smallest history allowed (2 samples) so every history length is seen; `between(from, to)` then tallies
 * the verdicts that rested on that many samples: `between(m)` is what a minimum history of m would have issued.
 */
import { LocalAnomalyDetector } from '../src/ml/local-anomaly-detector.js';
import { DEFAULT_ML_CONFIG } from '../src/ml/ml-config.js';
import { type SteadyModel, SteadyPods } from './steady-pods.js';

export interface FalsePositiveOptions {
  model: SteadyModel;
  pods: number;
  cycles: number;
  intervalMs?: number;
  /** One run per seed, tallied together (default [1]). */
  seeds?: readonly number[];
  windowSize?: number;
  zThreshold?: number;
}

export interface FalsePositiveTally {
  /** Verdicts given (pod-cycles with at least the history asked for). */
  judged: number;
  /** Of those, anomalies: every one a false positive. */
  flagged: number;
  /** Cycles with at least one verdict. */
  cycles: number;
  /** The most pods flagged in one cycle. */
  worstCycle: number;
}

export interface FalsePositiveRun {
  pods: number;
  /** Tally of the verdicts resting on `from` to `to` samples (inclusive). */
  between(from: number, to?: number): FalsePositiveTally & { rate: number; perCycle: number };
}

export function measureFalsePositives(options: FalsePositiveOptions): FalsePositiveRun {
  const degradation = DEFAULT_ML_CONFIG.degradation;
  const windowSize = options.windowSize ?? degradation.localWindowSize;
  const zThreshold = options.zThreshold ?? degradation.localZThreshold;
  // cycle → samples → [judged, flagged], over every seed's run
  const perCycle: Array<Map<number, [number, number]>> = [];
  for (const seed of options.seeds ?? [1]) {
    const pods = new SteadyPods({
      model: options.model,
      pods: options.pods,
      ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
      seed,
    });
    let now = 0;
    const detector = new LocalAnomalyDetector(
      { windowSize, minSamples: 2, zThreshold, maxConfidence: degradation.localMaxConfidence },
      { now: () => now },
    );
    for (let c = 0; c < options.cycles; c++) {
      const vectors = pods.next();
      now = vectors[0]?.timestamp.getTime() ?? now;
      const tally = new Map<number, [number, number]>();
      for (const vector of vectors) {
        const verdict = detector.assess(vector);
        detector.observe(vector);
        if (!verdict) continue;
        const entry = tally.get(verdict.samples) ?? [0, 0];
        entry[0]++;
        if (verdict.anomaly) entry[1]++;
        tally.set(verdict.samples, entry);
      }
      perCycle.push(tally);
    }
  }
  const tallyOf = (accept: (samples: number) => boolean): FalsePositiveTally => {
    const total: FalsePositiveTally = { judged: 0, flagged: 0, cycles: 0, worstCycle: 0 };
    for (const cycle of perCycle) {
      let judged = 0;
      let flagged = 0;
      for (const [samples, [j, f]] of cycle) {
        if (!accept(samples)) continue;
        judged += j;
        flagged += f;
      }
      if (judged === 0) continue;
      total.judged += judged;
      total.flagged += flagged;
      total.cycles++;
      total.worstCycle = Math.max(total.worstCycle, flagged);
    }
    return total;
  };
  return {
    pods: options.pods,
    between(from, to = Number.POSITIVE_INFINITY) {
      const t = tallyOf((n) => n >= from && n <= to);
      return {
        ...t,
        rate: t.judged === 0 ? 0 : t.flagged / t.judged,
        perCycle: t.cycles === 0 ? 0 : t.flagged / t.cycles,
      };
    },
  };
}

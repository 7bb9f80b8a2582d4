/**
 * The local fallback detector's false-positive rate on steady pods (bench/steady-pods.ts: the simulator's steady
 * and noisy load, and plain Gaussian noise), with the default settings. Every anomaly it reports on these pods
 * is false. The bounds are the ones docs/ml-service.md documents; `npm run bench:local-detector` prints the
 * full table.
 */
import { describe, expect, it } from 'vitest';
import { measureFalsePositives } from '../bench/local-detector-false-positives.js';
import { STEADY_MODELS, SteadyPods } from '../bench/steady-pods.js';
import { LocalAnomalyDetector } from '../src/ml/local-anomaly-detector.js';
import { DEFAULT_ML_CONFIG } from '../src/ml/ml-config.js';

const { localMinSamples, localWindowSize, localZThreshold, localMaxConfidence } =
  DEFAULT_ML_CONFIG.degradation;
const PODS = 25;
/** Documented bounds on the share of verdicts that call a steady pod anomalous. */
const SUSTAINED_BOUND = 0.025;
const ONSET_BOUND = 0.05;

describe('local detector on steady pods', () => {
  it('gives no verdict below the minimum history, then one every cycle', () => {
    let now = 0;
    const detector = new LocalAnomalyDetector(
      {
        windowSize: localWindowSize,
        minSamples: localMinSamples,
        zThreshold: localZThreshold,
        maxConfidence: localMaxConfidence,
      },
      { now: () => now },
    );
    const pods = new SteadyPods({ model: 'gaussian', pods: PODS });
    const judged: number[] = [];
    for (let c = 0; c < localMinSamples + 5; c++) {
      const vectors = pods.next();
      now = vectors[0]?.timestamp.getTime() ?? now;
      judged.push(vectors.filter((v) => detector.assess(v) !== undefined).length);
      for (const v of vectors) detector.observe(v);
    }
    expect(judged).toEqual([
      ...Array.from({ length: localMinSamples }, () => 0),
      ...Array.from({ length: 5 }, () => PODS),
    ]);
  });

  it.each(STEADY_MODELS)('keeps false positives under the documented bounds (%s)', (model) => {
    const run = measureFalsePositives({ model, pods: PODS, cycles: 200, seeds: [1, 2, 3, 4] });
    // With few samples the robust scale is a guess: the issue saw 5-8 of 25 steady pods flagged a cycle.
    const few = run.between(5, 9);
    expect(few.rate).toBeGreaterThan(0.1);
    // From the minimum history on, both at the onset (its first five verdicts) and sustained.
    const onset = run.between(localMinSamples, localMinSamples + 4);
    const sustained = run.between(localMinSamples);
    expect(onset.judged).toBe(4 * 5 * PODS);
    expect(onset.rate).toBeLessThanOrEqual(ONSET_BOUND);
    expect(sustained.rate).toBeLessThanOrEqual(SUSTAINED_BOUND);
    expect(sustained.perCycle).toBeLessThan(1);
  });
});

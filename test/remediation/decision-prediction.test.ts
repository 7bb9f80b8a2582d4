import { describe, expect, it } from 'vitest';
import { decisionOf, fallbackOnly } from '../../src/controller/remediation-decision.js';
import type { PodAssessment, TargetAssessment } from '../../src/detection/assessment.js';
import { FeatureRow } from '../../src/metrics/feature-vector.js';
import { decisionSchema } from '../../src/remediation/record.js';

/** A pod judged at risk by a prediction alone: no firing rule, the anomaly answer from the local fallback. */
const atRisk: PodAssessment = {
  namespace: 'shop',
  pod: 'web-1',
  uid: 'u1',
  state: 'anomalous',
  rules: [],
  ml: { source: 'local', anomaly: false, confidence: 0.4, note: '' },
  mlPrediction: { issue: 'pod_oom', probability: 0.91, timeToOccurrenceSeconds: 600 },
  missing: [],
  values: FeatureRow.of(Array.from({ length: 45 }, () => ({ ok: true, value: 0.5 }))),
};
const healthy: PodAssessment = { namespace: 'shop', pod: 'web-2', state: 'healthy', rules: [], missing: [] };
const target: TargetAssessment = {
  target: { kind: 'Deployment', namespace: 'shop', name: 'web' },
  state: 'anomalous',
  pods: [healthy, atRisk],
};

describe('a decision resting on a prediction', () => {
  it('records the predicted issue, its probability and time to occurrence, per pod', () => {
    const decision = decisionOf(target, Date.parse('2026-12-01T00:00:00Z'));
    expect(decision.prediction).toEqual([
      { pod: 'web-1', issue: 'pod_oom', probability: 0.91, timeToOccurrenceSeconds: 600 },
    ]);
    // What the Remediation record stores (and the CRD admits) reads it back unchanged.
    expect(decisionSchema.parse(decision).prediction).toEqual(decision.prediction);
  });

  it('is model evidence, not a fallback-only finding, whatever the anomaly answer came from', () => {
    expect(fallbackOnly(target)).toBe(false);
    const { mlPrediction: _, ...withoutPrediction } = atRisk;
    expect(fallbackOnly({ ...target, pods: [withoutPrediction] })).toBe(true);
  });

  it('records no prediction when none made a pod at risk, and bounds the list like the CRD', () => {
    expect(decisionOf({ ...target, pods: [healthy] }, 0).prediction).toEqual([]);
    const many = Array.from({ length: 30 }, (_, i) => ({ ...atRisk, pod: `web-${i}` }));
    expect(decisionOf({ ...target, pods: many }, 0).prediction).toHaveLength(20);
    expect(() =>
      decisionSchema.parse({
        prediction: [{ issue: 'pod_oom', probability: 1.5, timeToOccurrenceSeconds: 1 }],
      }),
    ).toThrow();
  });
});

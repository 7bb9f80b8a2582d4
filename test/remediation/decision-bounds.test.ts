import { describe, expect, it } from 'vitest';
import { decisionOf } from '../../src/controller/remediation-decision.js';
import type { PodAssessment, TargetAssessment } from '../../src/detection/assessment.js';
import { FeatureRow } from '../../src/metrics/feature-vector.js';

/** A decision is written into the Remediation record: it must fit the CRD's bounds however large the workload. */
describe('decision bounds', () => {
  it('keeps at most 50 rules, 20 ML answers and 200 vectors, the anomalous pods first', () => {
    const pod = (i: number, anomalous: boolean): PodAssessment => ({
      namespace: 'shop',
      pod: `web-${i}`,
      state: anomalous ? 'anomalous' : 'healthy',
      rules: anomalous
        ? [
            {
              rule: 'hot',
              feature: 'pod_cpu_usage.value',
              operator: '>',
              threshold: 1,
              observed: 2,
              heldForMs: 0,
              firing: true,
            },
          ]
        : [],
      ml: { source: 'ml', anomaly: anomalous, confidence: 0.9, note: '' },
      missing: [],
      values: FeatureRow.of(Array.from({ length: 45 }, () => ({ ok: true, value: 0.5 }))),
    });
    const pods = [
      ...Array.from({ length: 250 }, (_, i) => pod(i, false)),
      ...Array.from({ length: 60 }, (_, i) => pod(1000 + i, true)),
    ];
    const target: TargetAssessment = {
      target: { kind: 'Deployment', namespace: 'shop', name: 'web' },
      state: 'anomalous',
      pods,
    };
    const decision = decisionOf(target, Date.parse('2026-12-01T00:00:00Z'));
    expect(decision.rules).toHaveLength(50);
    expect(decision.ml).toHaveLength(20);
    expect(decision.ml.every((m) => m.anomaly)).toBe(true);
    expect(decision.features).toHaveLength(200);
    expect(decision.features.slice(0, 60).every((f) => Number(f.pod.slice(4)) >= 1000)).toBe(true);
  });

  it('leaves shadow ML verdicts out: they were compared, never decided on', () => {
    const target: TargetAssessment = {
      target: { kind: 'Deployment', namespace: 'shop', name: 'web' },
      state: 'anomalous',
      pods: [
        {
          namespace: 'shop',
          pod: 'web-1',
          state: 'anomalous',
          rules: [],
          ml: { source: 'ml', anomaly: true, confidence: 0.95, note: '', shadow: true },
          missing: [],
        },
      ],
    };
    expect(decisionOf(target, 0).ml).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import type { PolicyAssessment, TargetAssessment } from '../../src/detection/assessment.js';
import { targetTransitions } from '../../src/detection/target-transitions.js';

const web = { kind: 'Deployment', namespace: 'shop', name: 'web' } as const;
const db = { kind: 'StatefulSet', namespace: 'shop', name: 'db' } as const;

function target(ref: TargetAssessment['target'], state: TargetAssessment['state']): TargetAssessment {
  return {
    target: ref,
    state,
    pods: [
      {
        namespace: 'shop',
        pod: `${ref.name}-0`,
        state,
        missing: [],
        rules:
          state === 'anomalous'
            ? [
                {
                  rule: 'restarting',
                  feature: 'container_restart_count.diff',
                  operator: '>',
                  threshold: 0,
                  observed: 2,
                  heldForMs: 120_000,
                  firing: true,
                },
              ]
            : [],
        ...(state === 'anomalous'
          ? { ml: { source: 'local' as const, anomaly: true, confidence: 0.4, note: '' } }
          : {}),
      },
    ],
  };
}

const assessment = (...targets: TargetAssessment[]): PolicyAssessment => ({
  policy: 'shop/p',
  evaluatedAtMs: 0,
  targets,
  summary: { total: 0, healthy: 0, anomalous: 0, insufficientData: 0 },
  problems: [],
  warnings: [],
});

describe('targetTransitions', () => {
  it('reports newly anomalous targets with their evidence, once', () => {
    const first = targetTransitions(undefined, assessment(target(web, 'anomalous'), target(db, 'healthy')));
    expect(first).toEqual([
      {
        target: web,
        to: 'anomalous',
        message:
          'Deployment shop/web is anomalous: pod web-0: rule restarting (container_restart_count.diff = 2 > 0 for 2m); pod web-0: local anomaly verdict (confidence 0.4)',
      },
    ]);
    expect(
      targetTransitions(assessment(target(web, 'anomalous')), assessment(target(web, 'anomalous'))),
    ).toEqual([]);
  });

  it('never gives a shadow-mode ML verdict as evidence: the rules alone made the target anomalous', () => {
    const anomalous = target(web, 'anomalous');
    const pod = anomalous.pods[0];
    if (pod) pod.ml = { source: 'ml', anomaly: true, confidence: 0.97, note: '', firing: true, shadow: true };
    expect(targetTransitions(undefined, assessment(anomalous))).toEqual([
      {
        target: web,
        to: 'anomalous',
        message:
          'Deployment shop/web is anomalous: pod web-0: rule restarting (container_restart_count.diff = 2 > 0 for 2m)',
      },
    ]);
  });

  it('records a shadow model newly calling a target anomalous, with whether the rules agree, once', () => {
    const shadowSays = (t: TargetAssessment, rulesSay: boolean | null, confidence: number) => {
      const pod = t.pods[0];
      if (pod) pod.ml = { source: 'ml', anomaly: true, confidence, note: '', firing: true, shadow: true };
      t.shadow = {
        rulesSay,
        mlSays: true,
        agreement: rulesSay === null ? 'unjudged' : rulesSay ? 'agree' : 'mlOnly',
      };
      return t;
    };
    const both = shadowSays(target(web, 'anomalous'), true, 0.99);
    const modelOnly = shadowSays(target(db, 'healthy'), false, 0.91);
    const first = targetTransitions(undefined, assessment(both, modelOnly));
    expect(first.filter((t) => t.to === 'shadowAnomalous')).toEqual([
      {
        target: web,
        to: 'shadowAnomalous',
        message:
          'the shadow model calls Deployment shop/web anomalous (pod web-0: confidence 0.99); the rules agree',
      },
      {
        target: db,
        to: 'shadowAnomalous',
        message:
          'the shadow model calls StatefulSet shop/db anomalous (pod db-0: confidence 0.91); the rules do not (shadow mode: nothing is done about it)',
      },
    ]);
    // Only a change is news: the model still saying so is no new transition, and it never changes the state.
    expect(targetTransitions(assessment(both, modelOnly), assessment(both, modelOnly))).toEqual([]);
    expect(first.filter((t) => t.target === db)).toHaveLength(1);
  });

  it('gives a prediction as the evidence of a target at risk', () => {
    const atRisk = target(web, 'anomalous');
    const pod = atRisk.pods[0];
    if (pod) {
      pod.rules = [];
      delete pod.ml;
      pod.mlPrediction = { issue: 'pod_oom', probability: 0.9, timeToOccurrenceSeconds: 600 };
    }
    expect(targetTransitions(undefined, assessment(atRisk))).toEqual([
      {
        target: web,
        to: 'anomalous',
        message:
          'Deployment shop/web is anomalous: pod web-0: at risk, pod_oom predicted in 10m (probability 0.9)',
      },
    ]);
  });

  it('writes measured numbers with four significant digits, and thresholds as the policy wrote them', () => {
    const hot = target(web, 'anomalous');
    const pod = hot.pods[0];
    if (pod) {
      pod.rules = [
        {
          rule: 'running-hot',
          feature: 'pod_cpu_usage.value',
          operator: '>',
          threshold: 0.9,
          observed: 0.9739803368421055,
          heldForMs: 0,
          firing: true,
        },
        {
          rule: 'big',
          feature: 'pod_memory_usage.value',
          operator: '>',
          threshold: 1_073_741_824,
          observed: 1_234_567_891.5,
          heldForMs: 60_000,
          firing: true,
        },
      ];
      pod.ml = { source: 'ml', anomaly: true, confidence: 0.87654321, note: '' };
      pod.mlPrediction = { issue: 'pod_oom', probability: 2 / 3, timeToOccurrenceSeconds: 600 };
    }
    const [transition] = targetTransitions(undefined, assessment(hot));
    expect(transition?.message).toBe(
      'Deployment shop/web is anomalous: ' +
        'pod web-0: rule running-hot (pod_cpu_usage.value = 0.974 > 0.9 for 0s); ' +
        'pod web-0: rule big (pod_memory_usage.value = 1235000000 > 1073741824 for 1m); ' +
        'pod web-0: ml anomaly verdict (confidence 0.8765); ' +
        'pod web-0: at risk, pod_oom predicted in 10m (probability 0.6667)',
    );
  });

  it('reports recovery, but never treats missing data as an anomaly or a recovery', () => {
    expect(
      targetTransitions(assessment(target(web, 'anomalous')), assessment(target(web, 'healthy'))),
    ).toEqual([{ target: web, to: 'recovered', message: 'Deployment shop/web is healthy again' }]);
    expect(
      targetTransitions(assessment(target(web, 'anomalous')), assessment(target(web, 'insufficient_data'))),
    ).toEqual([]);
    expect(
      targetTransitions(assessment(target(web, 'insufficient_data')), assessment(target(web, 'healthy'))),
    ).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  type AnomalyAssessor,
  DetectionCycle,
  type PolicyTargets,
} from '../../src/detection/detection-cycle.js';
import { RuleTracker } from '../../src/detection/rule-tracker.js';
import type { PodFeatureVector } from '../../src/metrics/feature-vector.js';
import type { FeatureVector } from '../../src/ml/feature-vector.js';
import type { AnomalyDecision, DecisionSource } from '../../src/ml/resilient-ml-service.js';
import { policySpecSchema } from '../../src/policy/spec-schema.js';
import { vector } from './vectors.js';

/**
 * Shadow mode: the model's verdict is judged (minConfidence, ml.for) and compared with the rules, but the target's
 * state, the only thing remediation acts on, is the rules' alone.
 */
type Answer = { anomaly: boolean | null; confidence: number; source?: DecisionSource };

/** A fake ML service answering per pod from a script; records every batch it was sent. */
class ScriptedMl implements AnomalyAssessor {
  readonly sent: string[][] = [];
  constructor(public script: Record<string, Answer>) {}
  async assessAnomalies(vectors: readonly FeatureVector[]): Promise<AnomalyDecision[]> {
    this.sent.push(vectors.map((v) => v.pod));
    return vectors.map((v) => {
      const a = this.script[v.pod] ?? { anomaly: false, confidence: 0.9 };
      return {
        namespace: v.namespace,
        pod: v.pod,
        source: a.source ?? 'ml',
        anomaly: a.anomaly,
        confidence: a.confidence,
        recommendations: [],
        note: 'scripted',
      };
    });
  }
  snapshot() {
    return { status: 'ok' as const, breaker: 'closed' as const, since: '2026-01-01T00:00:00Z' };
  }
}

const restartRule = {
  name: 'restarting',
  feature: 'container_restart_count.diff',
  operator: '>',
  value: 0,
  for: '0s',
} as const;

/** Two targets: Deployment web (pods web-1, web-2) and the standalone Pod solo. */
function shadowPolicy(key: string, ml: Record<string, unknown> = {}, mode = 'Rules'): PolicyTargets {
  return {
    key,
    spec: policySpecSchema.parse({
      detection: { mode, rules: [restartRule], ml: { for: '0s', ...ml } },
      actions: [{ name: 'restart', type: 'RestartPod' }],
    }),
    targets: [
      {
        target: { kind: 'Deployment', namespace: 'shop', name: 'web' },
        pods: [
          { namespace: 'shop', name: 'web-1' },
          { namespace: 'shop', name: 'web-2' },
        ],
      },
      {
        target: { kind: 'Pod', namespace: 'shop', name: 'solo' },
        pods: [{ namespace: 'shop', name: 'solo' }],
      },
    ],
  };
}

const features = (vectors: PodFeatureVector[]) => ({
  build: async (_selection: unknown, atMs: number) => ({
    status: 'ok' as const,
    schemaVersion: 'v1' as const,
    evaluatedAtMs: atMs,
    vectors,
    queries: 6,
    warnings: [],
  }),
});

describe('DetectionCycle in shadow mode', () => {
  it('ML says anomaly, rules do not: the target stays healthy and counts as mlOnly', async () => {
    const ml = new ScriptedMl({ 'web-1': { anomaly: true, confidence: 0.95 } });
    const cycle = new DetectionCycle({
      features: features([vector('web-1'), vector('web-2'), vector('solo')]),
      ml,
      rules: new RuleTracker(),
    });
    const result = (await cycle.run([shadowPolicy('shop/s', { shadow: true })], 0)).get('shop/s');
    const [web, solo] = result?.targets ?? [];
    expect(web?.state).toBe('healthy');
    expect(web?.pods.map((p) => p.state)).toEqual(['healthy', 'healthy']);
    // Recorded with the pod (a Remediation's decision keeps it), marked as shadow, never part of the state.
    expect(web?.pods[0]?.ml).toMatchObject({ source: 'ml', anomaly: true, firing: true, shadow: true });
    expect(web?.shadow).toEqual({ rulesSay: false, mlSays: true, agreement: 'mlOnly' });
    expect(solo?.shadow).toEqual({ rulesSay: false, mlSays: false, agreement: 'agree' });
    expect(result?.summary).toMatchObject({ healthy: 2, anomalous: 0 });
    expect(result?.shadow).toEqual({ agree: 1, mlOnly: 1, rulesOnly: 0, unjudged: 0 });
    expect(result?.problems).toEqual([]);
  });

  it('both anomalous agree; rules alone are rulesOnly, and only the rules make the state', async () => {
    const ml = new ScriptedMl({ 'web-2': { anomaly: true, confidence: 0.99 } });
    const cycle = new DetectionCycle({
      features: features([
        vector('web-1'),
        vector('web-2', { 'container_restart_count.diff': 2 }),
        vector('solo', { 'container_restart_count.diff': 1 }),
      ]),
      ml,
      rules: new RuleTracker(),
    });
    const result = (await cycle.run([shadowPolicy('shop/s', { shadow: true })], 0)).get('shop/s');
    expect(result?.targets.map((t) => [t.state, t.shadow?.agreement])).toEqual([
      ['anomalous', 'agree'],
      ['anomalous', 'rulesOnly'],
    ]);
    expect(result?.shadow).toEqual({ agree: 1, mlOnly: 0, rulesOnly: 1, unjudged: 0 });
  });

  it('holds the verdict to minConfidence and ml.for, as in ML mode', async () => {
    const ml = new ScriptedMl({
      'web-1': { anomaly: true, confidence: 0.95 },
      solo: { anomaly: true, confidence: 0.5 },
    });
    const cycle = new DetectionCycle({
      features: features([vector('web-1'), vector('web-2'), vector('solo')]),
      ml,
      rules: new RuleTracker(),
    });
    const shadow = shadowPolicy('shop/s', { shadow: true, for: '1m', minConfidence: 0.8 });
    const first = (await cycle.run([shadow], 0)).get('shop/s');
    // One anomalous answer is not yet an anomaly; the low-confidence one never is.
    expect(first?.shadow).toEqual({ agree: 2, mlOnly: 0, rulesOnly: 0, unjudged: 0 });
    expect(first?.targets[0]?.pods[0]?.ml).toMatchObject({ firing: false, heldForMs: 0 });
    const second = (await cycle.run([shadow], 60_000)).get('shop/s');
    expect(second?.targets.map((t) => t.shadow?.agreement)).toEqual(['mlOnly', 'agree']);
    expect(second?.targets.map((t) => t.state)).toEqual(['healthy', 'healthy']);
  });

  it('counts fallback and cached answers as unjudged: they are not the model being evaluated', async () => {
    const ml = new ScriptedMl({
      'web-1': { anomaly: true, confidence: 0.99, source: 'local' },
      solo: { anomaly: true, confidence: 0.99, source: 'cache' },
    });
    const cycle = new DetectionCycle({
      features: features([vector('web-1'), vector('web-2'), vector('solo')]),
      ml,
      rules: new RuleTracker(),
    });
    const result = (await cycle.run([shadowPolicy('shop/s', { shadow: true })], 0)).get('shop/s');
    expect(result?.targets.map((t) => [t.state, t.shadow])).toEqual([
      ['healthy', { rulesSay: false, mlSays: null, agreement: 'unjudged' }],
      ['healthy', { rulesSay: false, mlSays: null, agreement: 'unjudged' }],
    ]);
    expect(result?.targets[0]?.pods[0]?.ml).toBeUndefined();
    expect(result?.shadow).toEqual({ agree: 0, mlOnly: 0, rulesOnly: 0, unjudged: 2 });
  });

  it('asks the model in the one batch, for complete vectors only; a plain Rules policy adds nothing', async () => {
    const ml = new ScriptedMl({});
    const cycle = new DetectionCycle({
      features: features([vector('web-1'), vector('web-2', { 'pod_cpu_usage.value': null }), vector('solo')]),
      ml,
      rules: new RuleTracker(),
    });
    const results = await cycle.run(
      [
        shadowPolicy('shop/s', { shadow: true }),
        shadowPolicy('shop/plain'),
        shadowPolicy('shop/h', {}, 'Hybrid'),
      ],
      0,
    );
    expect(ml.sent).toEqual([['web-1', 'solo']]);
    // web-2 lacked data: the rules cannot judge web, so neither can the comparison.
    expect(results.get('shop/s')?.shadow).toEqual({ agree: 1, mlOnly: 0, rulesOnly: 0, unjudged: 1 });
    expect(results.get('shop/plain')?.shadow).toBeUndefined();
    expect(results.get('shop/plain')?.targets.every((t) => t.shadow === undefined)).toBe(true);

    const rulesOnly = new ScriptedMl({});
    await new DetectionCycle({
      features: features([vector('web-1'), vector('web-2'), vector('solo')]),
      ml: rulesOnly,
      rules: new RuleTracker(),
    }).run([shadowPolicy('shop/plain')], 0);
    expect(rulesOnly.sent).toEqual([]);
  });
});

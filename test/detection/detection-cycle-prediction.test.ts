import { describe, expect, it } from 'vitest';
import {
  type AnomalyAssessor,
  DetectionCycle,
  type FeatureSource,
  type PolicyTargets,
} from '../../src/detection/detection-cycle.js';
import { durationSeconds, isPredictionCandidate } from '../../src/detection/prediction.js';
import { RuleTracker } from '../../src/detection/rule-tracker.js';
import type { FeatureCycle, PodFeatureVector } from '../../src/metrics/feature-vector.js';
import {
  type PredictedIssue,
  type PredictionRequest,
  PredictionRequestSchema,
} from '../../src/ml/contract.js';
import type { FeatureVector } from '../../src/ml/feature-vector.js';
import type { MlHealthSnapshot } from '../../src/ml/ml-health.js';
import type {
  AnomalyDecision,
  DecisionSource,
  PredictionDecision,
} from '../../src/ml/resilient-ml-service.js';
import { policySpecSchema } from '../../src/policy/spec-schema.js';
import { vector } from './vectors.js';

const features = (vectors: PodFeatureVector[]): FeatureSource => ({
  build: async (_selection, atMs): Promise<FeatureCycle> => ({
    status: 'ok',
    schemaVersion: 'v1',
    evaluatedAtMs: atMs,
    vectors,
    queries: 6,
    warnings: [],
  }),
});

const OK: MlHealthSnapshot = { status: 'ok', breaker: 'closed', since: '2026-12-01T00:00:00Z' };

/** A fake ML service: predictions scripted per pod, every request kept; anomaly calls are not expected here. */
class FakePredictor implements AnomalyAssessor {
  readonly requests: Array<{ key: string; request: PredictionRequest; reuseWithinMs?: number }> = [];
  constructor(
    private readonly issues: (key: string) => PredictedIssue[],
    private readonly source: DecisionSource = 'ml',
    public health: MlHealthSnapshot = OK,
  ) {}
  async assessAnomalies(vectors: readonly FeatureVector[]): Promise<AnomalyDecision[]> {
    return vectors.map((v) => ({
      namespace: v.namespace,
      pod: v.pod,
      source: 'ml',
      anomaly: false,
      confidence: 0.9,
      recommendations: [],
      note: '',
    }));
  }
  async predictIssues(
    key: string,
    request: PredictionRequest,
    options?: { reuseWithinMs?: number },
  ): Promise<PredictionDecision> {
    this.requests.push({
      key,
      request,
      ...(options?.reuseWithinMs ? { reuseWithinMs: options.reuseWithinMs } : {}),
    });
    return this.source === 'ml'
      ? {
          source: 'ml',
          predictedIssues: this.issues(key),
          suggestedActions: [],
          note: 'ML service prediction',
        }
      : {
          source: this.source,
          predictedIssues: [],
          suggestedActions: [],
          note: 'ML unavailable (connection)',
        };
  }
  snapshot(): MlHealthSnapshot {
    return this.health;
  }
}

const quietRule = {
  name: 'restarting',
  feature: 'container_restart_count.diff',
  operator: '>',
  value: 0,
  for: '0s',
};

function policy(ml: Record<string, unknown>) {
  const spec = policySpecSchema.parse({
    detection: { mode: 'Hybrid', rules: [quietRule], ml: { endpoints: ['prediction'], ...ml } },
  });
  const targets: PolicyTargets['targets'] = [
    {
      target: { kind: 'Deployment', namespace: 'shop', name: 'web' },
      pods: [
        { namespace: 'shop', name: 'leaky', uid: 'uid-leaky' },
        { namespace: 'shop', name: 'calm' },
      ],
    },
  ];
  return { key: 'shop/p', spec, targets };
}

/** leaky: memory at 85% of its limit and climbing; calm: 30% and flat, never worth a prediction. */
const vectors = [
  vector('leaky', {
    'pod_memory_usage.value': 0.85,
    'pod_memory_usage.lag_1': 0.8,
    'pod_memory_usage.lag_5': 0.6,
    'pod_memory_usage.diff': 0.05,
    'pod_memory_usage.max_5m': 0.85,
    'pod_memory_usage.min_5m': 0.6,
  }),
  vector('calm', { 'pod_memory_usage.value': 0.3, 'pod_memory_usage.lag_5': 0.3 }),
];

const oomIn = (timeToOccurrence: string, probability = 0.9): PredictedIssue[] => [
  { issue: 'pod_oom', probability, time_to_occurrence: timeToOccurrence },
];

async function runOnce(ml: FakePredictor, mlOptions: Record<string, unknown> = {}) {
  const cycle = new DetectionCycle({ features: features(vectors), ml, rules: new RuleTracker() });
  // Features are read the default query offset (5 s) behind the cycle: at 10:00:00.
  const results = await cycle.run([policy(mlOptions)], Date.parse('2026-12-01T10:00:05Z'));
  const assessment = results.get('shop/p');
  if (!assessment) throw new Error('no assessment');
  return assessment;
}

describe('prediction in detection', () => {
  it('makes a pod with a pod_oom predicted within the horizon anomalous, with the prediction as its finding', async () => {
    const ml = new FakePredictor(() => oomIn('10m'));
    const assessment = await runOnce(ml);
    const [leaky, calm] = assessment.targets[0]?.pods ?? [];
    expect(leaky?.state).toBe('anomalous');
    expect(leaky?.mlPrediction).toEqual({ issue: 'pod_oom', probability: 0.9, timeToOccurrenceSeconds: 600 });
    expect(leaky?.rules.some((r) => r.firing)).toBe(false);
    expect(calm?.state).toBe('healthy');
    expect(calm?.mlPrediction).toBeUndefined();
    expect(assessment.targets[0]?.state).toBe('anomalous');
    expect(assessment.problems).toEqual([]);
  });

  it('sends only candidates, in the ADR-009 shape, with the memory series from the vector and a reuse window', async () => {
    const ml = new FakePredictor(() => oomIn('10m'));
    await runOnce(ml);
    expect(ml.requests.map((r) => r.key)).toEqual(['pod/shop/leaky/uid-leaky']);
    const sent = ml.requests[0];
    expect(PredictionRequestSchema.parse(sent?.request)).toEqual(sent?.request);
    expect(sent?.reuseWithinMs).toBeGreaterThan(0);
    const memory = sent?.request.issue_context.metrics.filter((m) => m.name === 'pod_memory_usage');
    expect(memory).toEqual([
      { name: 'pod_memory_usage', value: 0.6, timestamp: '2026-12-01T09:55:00.000Z' },
      { name: 'pod_memory_usage', value: 0.8, timestamp: '2026-12-01T09:59:00.000Z' },
      { name: 'pod_memory_usage', value: 0.85, timestamp: '2026-12-01T10:00:00.000Z' },
    ]);
  });

  it('ignores an issue due beyond the horizon or below the confidence', async () => {
    for (const [issues, options] of [
      [oomIn('2h'), {}],
      [oomIn('40m'), { prediction: { horizon: '30m' } }],
      [oomIn('5m', 0.7), {}],
      [oomIn('5m', 0.7), { minConfidence: 0.5, prediction: { minConfidence: 0.75 } }],
    ] as const) {
      const assessment = await runOnce(new FakePredictor(() => [...issues]), options);
      expect(
        assessment.targets[0]?.pods.map((p) => p.state),
        JSON.stringify(options),
      ).toEqual(['healthy', 'healthy']);
      expect(assessment.targets[0]?.pods[0]?.mlPrediction).toBeUndefined();
    }
    // The policy's own thresholds decide: a longer horizon, or a lower prediction.minConfidence, admits them.
    const longer = await runOnce(new FakePredictor(() => oomIn('2h')), { prediction: { horizon: '3h' } });
    expect(longer.targets[0]?.pods[0]?.state).toBe('anomalous');
    const lower = await runOnce(new FakePredictor(() => oomIn('5m', 0.7)), {
      prediction: { minConfidence: 0.6 },
    });
    expect(lower.targets[0]?.pods[0]?.mlPrediction?.probability).toBe(0.7);
  });

  it('never sends a pod that is not trending, nor anything for a policy without the prediction endpoint', async () => {
    const flat = vector('leaky', { 'pod_memory_usage.value': 0.85, 'pod_memory_usage.diff': 0 });
    const low = vector('leaky', { 'pod_memory_usage.value': 0.2, 'pod_memory_usage.diff': 0.1 });
    const restarting = vector('leaky', {
      'container_restart_count.value': 7,
      'container_restart_count.lag_5': 3,
    });
    const horizon = 30 * 60_000;
    const candidate = (v: ReturnType<typeof vector>) => isPredictionCandidate(v, horizon);
    expect([flat, low, restarting].map(candidate)).toEqual([false, false, true]);
    // A steady pod's wobble: up in the last minute and over five, but the window went higher and lower before.
    const wobbling = vector('steady', {
      'pod_memory_usage.value': 0.62,
      'pod_memory_usage.lag_5': 0.59,
      'pod_memory_usage.diff': 0.02,
      'pod_memory_usage.max_5m': 0.63,
      'pod_memory_usage.min_5m': 0.58,
    });
    // A real but slow climb: 1% in 5 minutes from 60% reaches the limit in 3h20m, beyond twice a 30m horizon.
    const slow = vector('slow', {
      'pod_memory_usage.value': 0.6,
      'pod_memory_usage.lag_5': 0.59,
      'pod_memory_usage.diff': 0.002,
      'pod_memory_usage.max_5m': 0.6,
      'pod_memory_usage.min_5m': 0.59,
    });
    // The simulator's leak, a clean ramp: 14% in 5 minutes from 58%, the limit in 15 minutes. (Its window's
    // standard deviation is 0.37 of the rise: a "rise beyond the noise" test on std_5m would never pass it.)
    const leaking = vector('leak', {
      'pod_memory_usage.value': 0.58,
      'pod_memory_usage.lag_5': 0.44,
      'pod_memory_usage.diff': 0.028,
      'pod_memory_usage.max_5m': 0.58,
      'pod_memory_usage.min_5m': 0.44,
      'pod_memory_usage.std_5m': 0.052,
    });
    expect([wobbling, slow, leaking].map(candidate)).toEqual([false, false, true]);
    // The policy's horizon decides how far ahead a trend is worth a call.
    expect(isPredictionCandidate(slow, 2 * 60 * 60_000)).toBe(true);

    const ml = new FakePredictor(() => oomIn('1m'));
    const cycle = new DetectionCycle({ features: features(vectors), ml, rules: new RuleTracker() });
    const anomalyOnly = policy({ endpoints: ['anomaly'] });
    const results = await cycle.run([anomalyOnly], 0);
    expect(ml.requests).toEqual([]);
    expect(results.get('shop/p')?.targets[0]?.pods[0]?.mlPrediction).toBeUndefined();
  });

  it('judges nobody at risk during an outage and says so, even with an answer reused from before it', async () => {
    const down = await runOnce(new FakePredictor(() => oomIn('5m'), 'rules'));
    expect(down.targets[0]?.pods.map((p) => p.state)).toEqual(['healthy', 'healthy']);
    expect(down.problems).toEqual([
      {
        dependency: 'mlService',
        reason: 'MLServiceUnavailable',
        message: expect.stringMatching(
          /^ML predictions unavailable \(ML unavailable \(connection\)\); no target/,
        ),
      },
    ]);
    const cached = await runOnce(new FakePredictor(() => oomIn('5m'), 'cache'));
    expect(cached.targets[0]?.pods[0]?.state).toBe('healthy');

    const degraded: MlHealthSnapshot = { status: 'degraded', breaker: 'open', since: '2026-12-01T00:00:00Z' };
    const reused = await runOnce(new FakePredictor(() => oomIn('5m'), 'ml', degraded));
    expect(reused.targets[0]?.pods[0]?.state).toBe('healthy');
    expect(reused.problems.map((p) => p.message)).toContainEqual(
      'ML predictions unavailable (ML service degraded, breaker open); no target is judged at risk this cycle',
    );
  });

  it('reads the contract durations', () => {
    expect(['90s', '5m', '1.5h', '1d', '500ms', 'soon'].map(durationSeconds)).toEqual([
      90,
      300,
      5400,
      86_400,
      0.5,
      undefined,
    ]);
  });

  it('does not wait past the ML deadline for predictions: nobody at risk, and the status says why', async () => {
    const ml = new FakePredictor(() => oomIn('5m'));
    ml.predictIssues = () => new Promise<PredictionDecision>(() => {});
    const cycle = new DetectionCycle({
      features: features(vectors),
      ml,
      mlDeadlineMs: 20,
      rules: new RuleTracker(),
    });
    const results = await cycle.run([policy({})], 0);
    expect(results.get('shop/p')?.targets[0]?.pods[0]?.state).toBe('healthy');
    expect(results.get('shop/p')?.problems.map((p) => p.message)).toEqual([
      'ML predictions unavailable (no answer within 20 ms); no target is judged at risk this cycle',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  type AnomalyAssessor,
  DetectionCycle,
  type FeatureSource,
  type PolicyTargets,
} from '../../src/detection/detection-cycle.js';
import { RuleTracker } from '../../src/detection/rule-tracker.js';
import { featureIndex } from '../../src/metrics/feature-catalogue.js';
import type { FeatureCycle, PodFeatureVector } from '../../src/metrics/feature-vector.js';
import type { FeatureSelection } from '../../src/metrics/feature-vector-builder.js';
import type { FeatureVector } from '../../src/ml/feature-vector.js';
import type { MlHealthSnapshot } from '../../src/ml/ml-health.js';
import type { AnomalyDecision } from '../../src/ml/resilient-ml-service.js';
import { type PolicySpecInput, policySpecSchema } from '../../src/policy/spec-schema.js';
import { vector } from './vectors.js';

class RecordingFeatures implements FeatureSource {
  readonly calls: FeatureSelection[] = [];
  constructor(private readonly answer: (atMs: number) => FeatureCycle) {}
  async build(selection: FeatureSelection, atMs: number): Promise<FeatureCycle> {
    this.calls.push(selection);
    return this.answer(atMs);
  }
}

const okCycle =
  (vectors: PodFeatureVector[]) =>
  (atMs: number): FeatureCycle => ({
    status: 'ok',
    schemaVersion: 'v1',
    evaluatedAtMs: atMs,
    vectors,
    queries: 6,
    warnings: [],
  });

class ScriptedMl implements AnomalyAssessor {
  readonly sent: FeatureVector[][] = [];
  constructor(
    private readonly verdict: (
      v: FeatureVector,
    ) => Pick<AnomalyDecision, 'source' | 'anomaly' | 'confidence'>,
    private readonly health: MlHealthSnapshot = {
      status: 'ok',
      breaker: 'closed',
      since: '2026-11-23T00:00:00Z',
    },
  ) {}
  async assessAnomalies(vectors: readonly FeatureVector[]): Promise<AnomalyDecision[]> {
    this.sent.push([...vectors]);
    return vectors.map((v) => ({
      namespace: v.namespace,
      pod: v.pod,
      recommendations: [],
      note: 'scripted',
      ...this.verdict(v),
    }));
  }
  snapshot(): MlHealthSnapshot {
    return this.health;
  }
}

const spec = (input: PolicySpecInput) => policySpecSchema.parse(input);
const restartRule = {
  name: 'restarting',
  feature: 'container_restart_count.diff',
  operator: '>',
  value: 0,
  for: '0s',
} as const;

function policy(key: string, input: PolicySpecInput, withStandalone = true): PolicyTargets {
  return {
    key,
    spec: spec(input),
    targets: [
      {
        target: { kind: 'Deployment', namespace: 'shop', name: 'web' },
        pods: [
          { namespace: 'shop', name: 'web-1' },
          { namespace: 'shop', name: 'web-2' },
        ],
      },
      ...(withStandalone
        ? [
            {
              target: { kind: 'Pod' as const, namespace: 'shop', name: 'solo' },
              pods: [{ namespace: 'shop', name: 'solo' }],
            },
          ]
        : []),
    ],
  };
}

describe('DetectionCycle', () => {
  it('builds one batch for all policies and judges workloads by rules', async () => {
    const features = new RecordingFeatures(
      okCycle([
        vector('web-1'),
        vector('web-2', { 'container_restart_count.diff': 3 }),
        vector('solo', { 'pod_cpu_usage.value': null }),
      ]),
    );
    const cycle = new DetectionCycle({ features, rules: new RuleTracker() });
    const results = await cycle.run(
      [
        policy('shop/a', { detection: { mode: 'Rules', rules: [restartRule] } }),
        policy('shop/b', { detection: { mode: 'Rules', rules: [restartRule] } }, false),
      ],
      1_000,
    );
    expect(features.calls).toHaveLength(1);
    expect(features.calls[0]?.pods?.map((p) => p.name).sort()).toEqual(['solo', 'web-1', 'web-2']);
    const a = results.get('shop/a');
    expect(a?.summary).toEqual({ total: 2, healthy: 0, anomalous: 1, insufficientData: 1 });
    expect(a?.targets[0]?.pods.map((p) => p.state)).toEqual(['healthy', 'anomalous']);
    expect(a?.targets[1]?.pods[0]?.missing).toEqual(['pod_cpu_usage.value']);
    expect(a?.problems).toEqual([]);
    expect(results.get('shop/b')?.summary).toEqual({
      total: 1,
      healthy: 0,
      anomalous: 1,
      insufficientData: 0,
    });
  });

  it('judges a pod without metrics by its status signals: a crash loop is anomalous, nothing else is guessed', async () => {
    // A container waiting out its back-off has no cAdvisor series: the vector is incomplete.
    const features = new RecordingFeatures(okCycle([vector('web-1', { 'pod_cpu_usage.value': null })]));
    const crashing = {
      name: 'crashing',
      signal: 'CrashLoopBackOff',
      operator: '==',
      value: 1,
      for: '0s',
      keepFiringFor: '5m',
    } as const;
    const signals = (crashLoopBackOff: boolean) => ({
      crashLoopBackOff,
      imagePullBackOff: false,
      oomKilled: false,
      restartCount: 3,
      notReadySinceMs: undefined,
      cpuLimitCores: 1,
    });
    const targets = (crash: boolean): PolicyTargets['targets'] => [
      {
        target: { kind: 'Deployment', namespace: 'shop', name: 'web' },
        pods: [{ namespace: 'shop', name: 'web-1', signals: signals(crash) }],
      },
    ];
    const cycle = new DetectionCycle({ features, rules: new RuleTracker() });
    const withSignal = (crash: boolean, rules: readonly unknown[]) => ({
      key: 'shop/a',
      spec: spec({ detection: { mode: 'Rules', rules: rules as never } }),
      targets: targets(crash),
    });
    const crashed = await cycle.run([withSignal(true, [crashing, restartRule])], 1_000);
    expect(crashed.get('shop/a')?.targets[0]?.pods[0]).toMatchObject({
      state: 'anomalous',
      rules: [{ rule: 'crashing', feature: 'signal:CrashLoopBackOff', firing: true }],
    });
    // Running between two restarts: kept firing, not a recovery.
    const between = await cycle.run([withSignal(false, [crashing, restartRule])], 61_000);
    expect(between.get('shop/a')?.targets[0]?.pods[0]?.state).toBe('anomalous');
    // Only a feature rule: without metrics nothing can be said.
    const featureOnly = await new DetectionCycle({ features, rules: new RuleTracker() }).run(
      [withSignal(true, [restartRule])],
      1_000,
    );
    expect(featureOnly.get('shop/a')?.summary).toMatchObject({ insufficientData: 1, anomalous: 0 });
  });

  it('counts an ML anomaly only once the verdict has held for ml.for, and restarts that clock when it lapses', async () => {
    let anomaly = true;
    const ml = new ScriptedMl(() => ({ source: 'ml', anomaly, confidence: 0.95 }));
    const features = new RecordingFeatures(okCycle([vector('web-1')]));
    const cycle = new DetectionCycle({ features, ml, rules: new RuleTracker() });
    const p = () => policy('shop/a', { detection: { mode: 'ML', ml: { for: '2m' } } }, false);
    const state = async (at: number) => (await cycle.run([p()], at)).get('shop/a')?.targets[0]?.pods[0];
    expect(await state(0)).toMatchObject({
      state: 'healthy',
      ml: { anomaly: true, heldForMs: 0, firing: false },
    });
    expect((await state(60_000))?.state).toBe('healthy');
    expect(await state(120_000)).toMatchObject({
      state: 'anomalous',
      ml: { heldForMs: 120_000, firing: true },
    });
    anomaly = false;
    expect((await state(180_000))?.state).toBe('healthy');
    anomaly = true;
    expect((await state(240_000))?.ml).toMatchObject({ heldForMs: 0, firing: false });
  });

  it('does not judge anything when Prometheus is unavailable, and reports why', async () => {
    const features = new RecordingFeatures((atMs) => ({
      status: 'unavailable',
      schemaVersion: 'v1',
      evaluatedAtMs: atMs,
      reason: 'unreachable',
      message: 'connect ECONNREFUSED',
      queries: 1,
    }));
    const ml = new ScriptedMl(() => ({ source: 'ml', anomaly: true, confidence: 1 }));
    const results = await new DetectionCycle({ features, ml, rules: new RuleTracker() }).run(
      [policy('shop/a', { detection: { mode: 'Hybrid', rules: [restartRule] } })],
      0,
    );
    const a = results.get('shop/a');
    expect(a?.summary).toEqual({ total: 2, healthy: 0, anomalous: 0, insufficientData: 2 });
    expect(a?.problems).toMatchObject([{ reason: 'PrometheusUnavailable' }]);
    expect(a?.problems[0]?.message).toContain('ECONNREFUSED');
    expect(ml.sent).toEqual([]);
  });

  it('uses the model verdict above minConfidence and never sends an incomplete vector', async () => {
    const features = new RecordingFeatures(
      okCycle([
        vector('web-1', { 'pod_cpu_usage.value': 0.9 }),
        vector('web-2', { 'pod_cpu_usage.value': 0.5 }),
        vector('solo', { 'node_cpu_utilization.max_5m': null }),
      ]),
    );
    const ml = new ScriptedMl((v) => ({
      source: 'ml',
      anomaly: true,
      confidence: v.values[featureIndex('pod_cpu_usage.value')] as number,
    }));
    const results = await new DetectionCycle({ features, ml, rules: new RuleTracker() }).run(
      [
        policy('shop/a', {
          detection: { mode: 'ML', rules: [restartRule], ml: { minConfidence: 0.8, for: '0s' } },
        }),
      ],
      0,
    );
    expect(ml.sent).toHaveLength(1);
    expect(ml.sent[0]?.map((v) => v.pod)).toEqual(['web-1', 'web-2']);
    expect(ml.sent[0]?.[0]?.workload).toBe('Deployment/web');
    const a = results.get('shop/a');
    expect(a?.targets[0]?.pods.map((p) => [p.pod, p.state, p.ml?.confidence])).toEqual([
      ['web-1', 'anomalous', 0.9],
      ['web-2', 'healthy', 0.5],
    ]);
    expect(a?.summary).toMatchObject({ anomalous: 1, insufficientData: 1 });
  });

  it('falls back to rules and the local detector while the ML service is degraded, and says so', async () => {
    const features = new RecordingFeatures(
      okCycle([vector('web-1'), vector('web-2', { 'container_restart_count.diff': 1 }), vector('solo')]),
    );
    const degraded: MlHealthSnapshot = {
      status: 'degraded',
      breaker: 'open',
      since: '2026-11-23T00:00:00Z',
      lastError: { kind: 'http_5xx', message: 'HTTP 503', at: '2026-11-23T00:00:00Z' },
    };
    const ml = new ScriptedMl(
      (v) => ({ source: 'local', anomaly: v.pod === 'solo', confidence: 0.4 }),
      degraded,
    );
    const results = await new DetectionCycle({ features, ml, rules: new RuleTracker() }).run(
      [policy('shop/a', { detection: { mode: 'ML', rules: [restartRule], ml: { for: '0s' } } })],
      0,
    );
    const a = results.get('shop/a');
    expect(a?.targets.map((t) => t.state)).toEqual(['anomalous', 'anomalous']);
    expect(a?.targets[1]?.pods[0]?.ml).toMatchObject({ source: 'local', confidence: 0.4 });
    expect(a?.problems).toMatchObject([{ dependency: 'mlService', reason: 'MLServiceUnavailable' }]);
    expect(a?.problems[0]?.message).toContain('HTTP 503');
  });

  it('ignores the model entirely for rules-only policies', async () => {
    const features = new RecordingFeatures(okCycle([vector('web-1'), vector('web-2'), vector('solo')]));
    const ml = new ScriptedMl(() => ({ source: 'ml', anomaly: true, confidence: 1 }), {
      status: 'degraded',
      breaker: 'open',
      since: 'x',
    });
    const results = await new DetectionCycle({ features, ml, rules: new RuleTracker() }).run(
      [policy('shop/a', { detection: { mode: 'Rules', rules: [restartRule] } })],
      0,
    );
    expect(ml.sent).toEqual([]);
    expect(results.get('shop/a')?.summary.healthy).toBe(2);
    expect(results.get('shop/a')?.problems).toEqual([]);
  });

  it('does not use the ML service for a policy that asks for another backend, and says why', async () => {
    const features = new RecordingFeatures(
      okCycle([vector('web-1'), vector('web-2', { 'container_restart_count.diff': 1 }), vector('solo')]),
    );
    const ml = new ScriptedMl(() => ({ source: 'ml', anomaly: true, confidence: 1 }));
    const results = await new DetectionCycle({
      features,
      ml,
      mlTarget: { backend: 'rest', model: 'anomaly-detector' },
      rules: new RuleTracker(),
    }).run(
      [
        policy('shop/k', {
          detection: { mode: 'ML', rules: [restartRule], ml: { backend: 'kserve', model: 'iforest' } },
        }),
      ],
      0,
    );
    expect(ml.sent).toEqual([]);
    const k = results.get('shop/k');
    expect(k?.targets.map((t) => t.state)).toEqual(['anomalous', 'healthy']);
    expect(k?.problems).toMatchObject([
      { reason: 'MLServiceUnavailable', message: expect.stringContaining('kserve ML backend') },
    ]);
  });

  it('judges by the rules when the ML answers miss the cycle deadline, and says so', async () => {
    const features = new RecordingFeatures(
      okCycle([vector('web-1'), vector('web-2', { 'container_restart_count.diff': 1 }), vector('solo')]),
    );
    const slow: AnomalyAssessor = {
      assessAnomalies: () => new Promise<AnomalyDecision[]>(() => {}),
      snapshot: () => ({ status: 'ok', breaker: 'closed', since: 'x' }),
    };
    const started = Date.now();
    const results = await new DetectionCycle({
      features,
      ml: slow,
      mlDeadlineMs: 50,
      rules: new RuleTracker(),
    }).run(
      [
        policy('shop/a', { detection: { mode: 'ML', rules: [restartRule] } }),
        policy('shop/r', { detection: { mode: 'Rules', rules: [restartRule] } }),
      ],
      0,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(results.get('shop/a')?.targets.map((t) => t.state)).toEqual(['anomalous', 'healthy']);
    expect(results.get('shop/a')?.problems).toMatchObject([
      { reason: 'MLServiceUnavailable', message: expect.stringContaining('50 ms') },
    ]);
    expect(results.get('shop/r')?.problems).toEqual([]);
  });
});

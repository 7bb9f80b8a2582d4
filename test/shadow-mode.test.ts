import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { EvaluationLoop } from '../src/controller/evaluation-loop.js';
import { assessmentsFrom } from '../src/controller/policy-reconciler.js';
import { RemediationGates } from '../src/controller/remediation-gates.js';
import { RemediationRunner } from '../src/controller/remediation-runner.js';
import { AssessmentStore } from '../src/detection/assessment-store.js';
import { type AnomalyAssessor, DetectionCycle } from '../src/detection/detection-cycle.js';
import { RuleTracker } from '../src/detection/rule-tracker.js';
import type { KubeObject } from '../src/kube/kube-object.js';
import type { FeatureVector } from '../src/ml/feature-vector.js';
import type { AnomalyDecision } from '../src/ml/resilient-ml-service.js';
import { buildPolicyStatus } from '../src/policy/policy-status.js';
import { validatePolicySpec } from '../src/policy/validate.js';
import { METRIC_PREFIX } from '../src/server/engine-metrics.js';
import { createShadowMetrics } from '../src/server/shadow-metrics.js';
import { vector } from './detection/vectors.js';
import { FakeClock } from './support/fake-clock.js';
import { MemoryEpisodeStore } from './support/memory-episode-store.js';
import { testPolicy } from './support/policy-fixtures.js';

/**
 * Shadow mode end to end in process: detection with a scripted model, the evaluation loop, the remediation runner,
 * the shadow metrics and the policy status. The model calls Deployment "web" anomalous, the rules do not: nothing
 * may act on that, the disagreement must be counted. The same cluster under Hybrid mode (where the model does
 * decide) is the control: there the runner acts, so the shadow case is not quiet by accident.
 */
const NS = 'shop';

/** Says anomaly, confidently, for the pods of "web" only. */
const model: AnomalyAssessor = {
  assessAnomalies: async (vectors: readonly FeatureVector[]): Promise<AnomalyDecision[]> =>
    vectors.map((v) => ({
      namespace: v.namespace,
      pod: v.pod,
      source: 'ml',
      anomaly: v.pod.startsWith('web-'),
      confidence: 0.97,
      recommendations: [],
      note: 'scripted',
    })),
  snapshot: () => ({ status: 'ok', breaker: 'closed', since: '2026-01-01T00:00:00Z' }),
};

const workloads: Record<string, KubeObject> = {
  web: {
    kind: 'Deployment',
    metadata: { name: 'web', namespace: NS, uid: 'web-uid' },
    spec: { replicas: 1 },
  },
  api: {
    kind: 'Deployment',
    metadata: { name: 'api', namespace: NS, uid: 'api-uid' },
    spec: { replicas: 1 },
  },
};

function policyObject(ml: Record<string, unknown>, mode: 'Rules' | 'Hybrid'): KubeObject {
  const built = testPolicy('p')
    .inNamespace(NS)
    .withMode(mode)
    .withMl({ for: '0s', ...ml })
    .withActions({ name: 'roll', type: 'RolloutRestart' })
    .withSafety({ dryRun: false, maxUnhealthy: '100%' })
    .build() as KubeObject;
  return { ...built, metadata: { ...built.metadata, uid: 'p-uid', generation: 1 } };
}

async function evaluateOnce(policy: KubeObject) {
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  const registry = new Registry();
  const shadowMetrics = createShadowMetrics(registry, METRIC_PREFIX);
  const store = new AssessmentStore();
  const episodes = new MemoryEpisodeStore();
  const executed: string[] = [];
  const gates = new RemediationGates({ namespaceLabels: () => ({}), autoscalers: () => [] }, new Set());
  const runner = new RemediationRunner({
    store: episodes,
    executor: {
      prepare: (intent) => intent,
      happened: async () => false,
      execute: async (_intent, _step, target) => {
        executed.push(target.metadata.name);
        return { result: 'done', message: `restarted ${target.metadata.name}` };
      },
    },
    workload: (t) => workloads[t.name],
    gates: (context, step, episode) => gates.check(context, step, episode),
    storm: (p, s, a, nowMs) => gates.storm(p, s, a, nowMs),
    events: { record: async () => {} },
    writePolicyStatus: async () => {},
    clock,
    logger: pino({ level: 'silent' }),
  });
  let policies = [policy];
  const rules = new RuleTracker();
  const loop = new EvaluationLoop({
    ready: () => true,
    policies: () => policies,
    targetsFor: () =>
      ['web', 'api'].map((name) => ({
        target: { kind: 'Deployment' as const, namespace: NS, name },
        pods: [{ namespace: NS, name: `${name}-1` }],
      })),
    detection: new DetectionCycle({
      features: {
        // Healthy by the rules: no restarts anywhere.
        build: async (_s, atMs) => ({
          status: 'ok',
          schemaVersion: 'v1',
          evaluatedAtMs: atMs,
          vectors: [vector('web-1'), vector('api-1')],
          queries: 6,
          warnings: [],
        }),
      },
      ml: model,
      rules,
    }),
    store,
    rules,
    clock,
    tickMs: 1_000,
    onEvaluated: () => {},
    onAssessed: (p, spec, assessment) =>
      runner.run(p, spec, assessment, { signal: new AbortController().signal, fence: () => {} }),
    shadow: shadowMetrics,
    logger: pino({ level: 'silent' }),
  });
  expect(await loop.tick()).toEqual(['shop/p']);
  const series = async () =>
    (await registry.getSingleMetricAsString(`${METRIC_PREFIX}shadow_decisions_total`))
      .split('\n')
      .filter((l) => !l.startsWith('#') && l !== '');
  const deletePolicy = async () => {
    policies = [];
    await loop.tick();
  };
  return { executed, episodes, store, series, deletePolicy };
}

describe('shadow mode through the evaluation loop and the remediation runner', () => {
  it('never acts on an ML-only shadow finding, and counts it as ml_only in metrics and status', async () => {
    const policy = policyObject({ shadow: true }, 'Rules');
    const { executed, episodes, store, series, deletePolicy } = await evaluateOnce(policy);
    expect(executed).toEqual([]);
    expect(episodes.records.size).toBe(0);
    const assessment = store.get('shop/p')?.assessment;
    expect(assessment?.targets.map((t) => [t.target.name, t.state, t.shadow?.agreement])).toEqual([
      ['web', 'healthy', 'mlOnly'],
      ['api', 'healthy', 'agree'],
    ]);
    expect(await series()).toEqual([
      `${METRIC_PREFIX}shadow_decisions_total{policy="shop/p",agreement="agree"} 1`,
      `${METRIC_PREFIX}shadow_decisions_total{policy="shop/p",agreement="ml_only"} 1`,
      `${METRIC_PREFIX}shadow_decisions_total{policy="shop/p",agreement="rules_only"} 0`,
      `${METRIC_PREFIX}shadow_decisions_total{policy="shop/p",agreement="unjudged"} 0`,
    ]);
    // The reconciler's view of the same store gives the status its shadow block.
    const status = buildPolicyStatus({
      generation: 1,
      previous: {},
      validation: validatePolicySpec(policy.spec),
      targets: [],
      dependencies: { prometheus: { state: 'ok', message: '' }, mlService: { state: 'ok', message: '' } },
      assessment: assessmentsFrom(store)('shop/p', 1),
      now: Date.parse('2026-01-01T00:00:00Z'),
    }).status;
    expect(status.shadow).toMatchObject({ agree: 1, mlOnly: 1, rulesOnly: 0, unjudged: 0, agreement: '1/2' });
    await deletePolicy();
    expect(await series()).toEqual([]);
  });

  it('control: where the model decides (Hybrid), the same answers do lead to an action', async () => {
    const { executed, series } = await evaluateOnce(policyObject({}, 'Hybrid'));
    expect(executed).toEqual(['web']);
    expect(await series()).toEqual([]);
  });
});

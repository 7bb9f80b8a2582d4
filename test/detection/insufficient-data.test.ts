import { describe, expect, it } from 'vitest';
import type { PodAssessment } from '../../src/detection/assessment.js';
import { DetectionCycle } from '../../src/detection/detection-cycle.js';
import { insufficientDataReason } from '../../src/detection/insufficient-data.js';
import { RuleTracker } from '../../src/detection/rule-tracker.js';
import { FEATURE_NAMES, STATISTICS } from '../../src/metrics/feature-catalogue.js';
import { buildPolicyStatus, NOT_EVALUATED_YET } from '../../src/policy/policy-status.js';
import { policySpecSchema } from '../../src/policy/spec-schema.js';
import { MAX_INSUFFICIENT_LISTED, targetsSummarySchema } from '../../src/policy/status-types.js';
import type { TargetRef } from '../../src/policy/target-selection.js';
import { validatePolicySpec } from '../../src/policy/validate.js';
import { testPolicy } from '../support/policy-fixtures.js';
import { vector } from './vectors.js';

const lacking = (pod: string, missing: readonly string[]): PodAssessment => ({
  namespace: 'shop',
  pod,
  state: 'insufficient_data',
  rules: [],
  missing,
});
const lag5 = FEATURE_NAMES.filter((n) => n.endsWith('.lag_5'));
const memory = STATISTICS.map((s) => `pod_memory_usage.${s}`);

describe('why a target is insufficient data', () => {
  it('names the pod, the count, the first missing features and "less than 5 minutes of history"', () => {
    expect(insufficientDataReason([lacking('web-1', lag5)])).toBe(
      'pod web-1: 5 of 45 features missing (node_cpu_utilization.lag_5, node_memory_utilization.lag_5, ' +
        'pod_cpu_usage.lag_5, …): less than 5 minutes of history',
    );
  });

  it('shows a whole missing signal as signal.* first, with its likely cause, then the other causes', () => {
    const reason = insufficientDataReason([lacking('web-1', [...new Set([...lag5, ...memory])])]);
    expect(reason).toBe(
      'pod web-1: 13 of 45 features missing (pod_memory_usage.*, node_cpu_utilization.lag_5, ' +
        'node_memory_utilization.lag_5, …): no memory ratio for the pod (a container without a memory limit, ' +
        'or not running); less than 5 minutes of history',
    );
  });

  it('says when statistics other than the lags are missing, and how many other pods lack data', () => {
    const healthy: PodAssessment = { ...lacking('web-3', []), state: 'healthy' };
    const reason = insufficientDataReason([
      healthy,
      lacking('web-1', ['pod_cpu_usage.std_5m']),
      lacking('web-2', lag5),
    ]);
    expect(reason).toBe(
      'pod web-1: 1 of 45 features missing (pod_cpu_usage.std_5m): pod_cpu_usage has gaps or non-finite ' +
        'values in the last 5 minutes (and 1 more pod(s))',
    );
  });

  it('a pod with no feature at all says so in one cause, not five', () => {
    expect(insufficientDataReason([lacking('web-1', FEATURE_NAMES)])).toBe(
      'pod web-1: all 45 features missing: nothing in Prometheus for it yet (not scraped yet, or scraped without ' +
        'its namespace and pod labels)',
    );
  });

  it('a pod without any vector, and a workload without pods', () => {
    expect(
      insufficientDataReason([lacking('web-1', ['*'])], 'metrics unavailable (timeout): no answer'),
    ).toBe('pod web-1: no feature vector (metrics unavailable (timeout): no answer)');
    expect(insufficientDataReason([lacking('web-1', ['*'])])).toBe(
      'pod web-1: no feature vector (no metrics for it in Prometheus)',
    );
    expect(insufficientDataReason([])).toMatch(/^no running pod to judge/);
  });

  it('is bounded', () => {
    expect(insufficientDataReason([lacking(`p${'x'.repeat(600)}`, lag5)]).length).toBeLessThanOrEqual(512);
  });
});

describe('the detection cycle gives each insufficient-data target its reason', () => {
  it('from the incomplete vector of its pod; complete targets get none', async () => {
    const cycle = new DetectionCycle({
      features: {
        build: async (_selection, atMs) => ({
          status: 'ok',
          schemaVersion: 'v1',
          evaluatedAtMs: atMs,
          vectors: [vector('web-1', Object.fromEntries(lag5.map((n) => [n, null]))), vector('api-1')],
          queries: 6,
          warnings: [],
        }),
      },
      rules: new RuleTracker(),
    });
    const spec = policySpecSchema.parse({
      detection: {
        mode: 'Rules',
        rules: [{ name: 'hot', feature: 'pod_cpu_usage.value', operator: '>', value: 10, for: '0s' }],
      },
    });
    const ref = (name: string): TargetRef => ({ kind: 'Deployment', namespace: 'shop', name });
    const results = await cycle.run(
      [
        {
          key: 'shop/p',
          spec,
          targets: [
            { target: ref('web'), pods: [{ namespace: 'shop', name: 'web-1' }] },
            { target: ref('api'), pods: [{ namespace: 'shop', name: 'api-1' }] },
          ],
        },
      ],
      Date.parse('2026-01-01T00:00:00Z'),
    );
    const [web, api] = results.get('shop/p')?.targets ?? [];
    expect(web?.state).toBe('insufficient_data');
    expect(web?.insufficientReason).toMatch(
      /^pod web-1: 5 of 45 features missing .*less than 5 minutes of history$/,
    );
    expect(api?.state).toBe('healthy');
    expect(api?.insufficientReason).toBeUndefined();
  });
});

describe('the policy status lists the reasons, bounded', () => {
  const T0 = Date.parse('2026-01-01T00:00:00Z');
  const ok = { state: 'ok', message: 'reachable' } as const;
  const targets = Array.from(
    { length: 14 },
    (_, i): TargetRef => ({
      kind: 'Deployment',
      namespace: 'shop',
      name: `w${i}`,
    }),
  );

  it('lists at most 10 insufficient targets with their reason; a target not yet evaluated says so', () => {
    const d = buildPolicyStatus({
      generation: 1,
      previous: {},
      validation: validatePolicySpec(testPolicy().buildSpec()),
      targets,
      dependencies: { prometheus: ok, mlService: ok },
      now: T0,
      assessment: {
        ranAtMs: T0,
        // w0 healthy, w1..w12 lacking data with a reason, w13 selected after the evaluation.
        targets: targets.slice(0, 13).map((target, i) =>
          i === 0
            ? { target, state: 'healthy' as const }
            : {
                target,
                state: 'insufficient_data' as const,
                insufficientReason: `pod ${target.name}-1: why`,
              },
        ),
        problems: [],
      },
    });
    const summary = d.status.targets;
    expect(summary).toMatchObject({ total: 14, healthy: 1, anomalous: 0, insufficientData: 13 });
    expect(summary?.insufficient).toHaveLength(MAX_INSUFFICIENT_LISTED);
    expect(summary?.insufficient?.[0]).toEqual({ ...targets[1], reason: 'pod w1-1: why' });
    // It is what the CRD and parseStatus accept.
    expect(targetsSummarySchema.safeParse(summary).success).toBe(true);

    const fresh = buildPolicyStatus({
      generation: 1,
      previous: {},
      validation: validatePolicySpec(testPolicy().buildSpec()),
      targets: targets.slice(13),
      dependencies: { prometheus: ok, mlService: ok },
      now: T0,
    });
    expect(fresh.status.targets?.insufficient).toEqual([{ ...targets[13], reason: NOT_EVALUATED_YET }]);
  });

  it('has no list when every target is judged', () => {
    const d = buildPolicyStatus({
      generation: 1,
      previous: {},
      validation: validatePolicySpec(testPolicy().buildSpec()),
      targets: targets.slice(0, 1),
      dependencies: { prometheus: ok, mlService: ok },
      now: T0,
      assessment: {
        ranAtMs: T0,
        targets: [{ target: targets[0] as TargetRef, state: 'healthy' }],
        problems: [],
      },
    });
    expect(d.status.targets).toEqual({ total: 1, healthy: 1, anomalous: 0, insufficientData: 0 });
  });
});

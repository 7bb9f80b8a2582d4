import { describe, expect, it } from 'vitest';
import {
  DetectionCycle,
  type FeatureSource,
  type PolicyTargets,
} from '../../src/detection/detection-cycle.js';
import { RuleTracker } from '../../src/detection/rule-tracker.js';
import { FEATURE_COUNT } from '../../src/metrics/feature-catalogue.js';
import { FeatureRow } from '../../src/metrics/feature-vector.js';
import { validatePolicySpec } from '../../src/policy/validate.js';

const NOW = 1_800_000_000_000;

describe('a detection cycle and the event loop', () => {
  it.each([
    ['one policy of 2,000 targets', 1, 2_000],
    ['400 policies of 5 targets each', 400, 5],
  ])('lets timers run while it judges 10,000 pods: %s', async (_what, policyCount, perPolicy) => {
    const validation = validatePolicySpec(
      {
        targets: { kinds: ['Deployment'] },
        detection: {
          mode: 'Rules',
          rules: [{ name: 'hot', feature: 'pod_cpu_usage.value', operator: '>', value: 5, for: '0s' }],
        },
        actions: [{ name: 'tell', type: 'RecommendOnly' }],
      },
      'Cluster',
    );
    if (!validation.valid) throw new Error('the test policy is invalid');
    const targets: PolicyTargets['targets'] = Array.from({ length: policyCount * perPolicy }, (_, w) => ({
      target: { kind: 'Deployment', namespace: 'shop', name: `app-${w}` },
      pods: Array.from({ length: 5 }, (_, i) => ({
        namespace: 'shop',
        name: `app-${w}-${i}`,
        nodeName: 'n1',
      })),
    }));
    // Answers at once: only the cycle's own yields can let a timer in before it ends.
    const features: FeatureSource = {
      build: async (selection, atMs) => ({
        status: 'ok',
        schemaVersion: 'v1',
        evaluatedAtMs: atMs,
        queries: 0,
        warnings: [],
        vectors: (selection.pods ?? []).map((p) => ({
          namespace: p.namespace,
          pod: p.name,
          node: 'n1',
          state: 'complete',
          missing: [],
          features: FeatureRow.of(Array.from({ length: FEATURE_COUNT }, () => ({ ok: true, value: 1 }))),
        })),
      }),
    };
    const cycle = new DetectionCycle({ features, rules: new RuleTracker() });
    let ranBeforeTheEnd = false;
    let done = false;
    const policies = Array.from({ length: policyCount }, (_, p) => ({
      key: `p${p}`,
      spec: validation.spec,
      targets: targets.slice(p * perPolicy, (p + 1) * perPolicy),
    }));
    const run = cycle.run(policies, NOW);
    setImmediate(() => {
      ranBeforeTheEnd = !done;
    });
    const results = await run;
    done = true;
    expect(ranBeforeTheEnd).toBe(true);
    expect([...results.values()].reduce((n, r) => n + (r.summary.healthy ?? 0), 0)).toBe(2_000);
  });
});

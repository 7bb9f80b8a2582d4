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
  it('lets timers run while it judges thousands of targets', async () => {
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
    const targets: PolicyTargets['targets'] = Array.from({ length: 2_000 }, (_, w) => ({
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
    const policy = { key: 'all', spec: validation.spec, targets };
    const run = cycle.run([policy], NOW);
    setImmediate(() => {
      ranBeforeTheEnd = !done;
    });
    const results = await run;
    done = true;
    expect(ranBeforeTheEnd).toBe(true);
    expect(results.get('all')?.summary).toMatchObject({ healthy: 2_000 });
  });
});

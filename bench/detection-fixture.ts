/**
 * What bench:turns and bench:allocation judge: one Rules policy (a CPU rule that never fires) over pods in
 * Deployments of five, as the engine bench's cluster has them.
 */
import type { TargetPod } from '../src/detection/detection-cycle.js';
import type { PolicySpec } from '../src/policy/spec-schema.js';
import { validatePolicySpec } from '../src/policy/validate.js';

/** The policy's spec as written in the cluster: it reads a feature of every pod (so every vector is built and judged). */
export function rulesPolicyInput(interval = '30s') {
  return {
    evaluationInterval: interval,
    targets: { kinds: ['Deployment'] },
    detection: {
      mode: 'Rules',
      rules: [{ name: 'cpu-runaway', feature: 'pod_cpu_usage.value', operator: '>', value: 1000, for: '1m' }],
    },
    actions: [{ name: 'tell-a-human', type: 'RecommendOnly' }],
    safety: { dryRun: true },
  };
}

export function rulesPolicySpec(): PolicySpec {
  const validation = validatePolicySpec(rulesPolicyInput(), 'Cluster');
  if (!validation.valid) throw new Error(JSON.stringify(validation.errors));
  return validation.spec;
}

/** The pods in Deployments of five (the last may have fewer), each named after its namespace by index. */
export function deploymentsOfFive(pods: readonly TargetPod[]) {
  return Array.from({ length: Math.ceil(pods.length / 5) }, (_, d) => ({
    target: { kind: 'Deployment' as const, namespace: pods[d * 5]?.namespace ?? '', name: `d-${d}` },
    pods: pods.slice(d * 5, d * 5 + 5),
  }));
}

/**
 * Prometheus metrics of shadow mode (spec.detection.ml.shadow): per policy and evaluation, each target counted by
 * how the model's verdict compared with the rules'. The agreement label has four fixed values; the policy label is
 * the policy's key (namespace/name, or name for a ClusterRemediationPolicy): policies are few, and a deleted
 * policy's series are removed.
 */
import { Counter, type Registry } from 'prom-client';
import type { ShadowAgreement, ShadowTally } from '../detection/assessment.js';

/** Prometheus label values, in the snake case metric labels use. */
export const SHADOW_AGREEMENT_LABELS: Record<ShadowAgreement, string> = {
  agree: 'agree',
  mlOnly: 'ml_only',
  rulesOnly: 'rules_only',
  unjudged: 'unjudged',
};

export interface ShadowMetrics {
  /** One evaluation of a shadow policy. */
  record(policy: string, tally: ShadowTally): void;
  /** The policy is gone or no longer valid: its series go too. */
  forget(policy: string): void;
}

export function createShadowMetrics(registry: Registry, prefix: string): ShadowMetrics {
  const decisions = new Counter({
    name: `${prefix}shadow_decisions_total`,
    help:
      'Shadow mode: targets evaluated, by policy and by how the model compared with the rules ' +
      '(agree, ml_only, rules_only, unjudged: no verdict from the rules or from the model itself).',
    labelNames: ['policy', 'agreement'],
    registers: [registry],
  });
  const known = new Set<string>();
  const entries = Object.entries(SHADOW_AGREEMENT_LABELS) as Array<[ShadowAgreement, string]>;
  return {
    record(policy, tally) {
      known.add(policy);
      // Every series of the policy exists from its first evaluation, so ratios work before the first mismatch.
      for (const [key, label] of entries) decisions.labels(policy, label).inc(tally[key]);
    },
    forget(policy) {
      if (!known.delete(policy)) return;
      for (const [, label] of entries) decisions.remove(policy, label);
    },
  };
}

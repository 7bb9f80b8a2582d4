import { featureIndex, isFeatureName } from '../metrics/feature-catalogue.js';
import type { PodFeatureVector } from '../metrics/feature-vector.js';
import { parseDuration } from '../policy/duration.js';
import type { Rule } from '../policy/spec-schema.js';

/** One rule's outcome for one pod in one cycle. */
export interface RuleFinding {
  rule: string;
  feature: string;
  operator: Rule['operator'];
  threshold: number;
  /** The feature's value this cycle. */
  observed: number;
  /** How long the condition has held without interruption (0 on the first cycle it holds). */
  heldForMs: number;
  /** True once the condition has held for the rule's `for` duration. */
  firing: boolean;
}

const COMPARE: Record<Rule['operator'], (a: number, b: number) => boolean> = {
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

/**
 * Evaluates rules like Prometheus alerting rules: a condition must hold on every evaluation for `for` before it
 * fires. Missing data never satisfies a condition and restarts the clock, and a vector with insufficient data
 * is not evaluated at all: the engine never acts on data it does not have.
 */
export class RuleTracker {
  /** scope|pod|rule → when the condition was first seen holding, in ms. */
  private readonly since = new Map<string, number>();

  /** Findings for conditions that hold now (firing or pending); an empty list means nothing holds. */
  evaluate(scope: string, rules: readonly Rule[], vector: PodFeatureVector, nowMs: number): RuleFinding[] {
    const prefix = `${scope}|${vector.namespace}/${vector.pod}|`;
    const findings: RuleFinding[] = [];
    for (const rule of rules) {
      // The whole definition is part of the key: an edited rule starts its `for` clock afresh, as Prometheus does.
      const key = `${prefix}${rule.name}|${rule.feature}|${rule.operator}|${rule.value}|${rule.for}`;
      const observed = this.observedValue(rule, vector);
      if (observed === undefined || !COMPARE[rule.operator](observed, rule.value)) {
        this.since.delete(key);
        continue;
      }
      const first = this.since.get(key) ?? nowMs;
      this.since.set(key, first);
      const heldForMs = nowMs - first;
      findings.push({
        rule: rule.name,
        feature: rule.feature,
        operator: rule.operator,
        threshold: rule.value,
        observed,
        heldForMs,
        firing: heldForMs >= parseDuration(rule.for),
      });
    }
    return findings;
  }

  /** Forgets pods that were not evaluated in a cycle (deleted, deselected, or without data). */
  retainOnly(scope: string, evaluatedPods: ReadonlySet<string>): void {
    for (const key of this.since.keys()) {
      const [keyScope, pod] = key.split('|');
      if (keyScope === scope && !evaluatedPods.has(pod as string)) this.since.delete(key);
    }
  }

  /** Forgets a whole scope (a deleted or invalid policy). */
  forget(scope: string): void {
    for (const key of this.since.keys()) if (key.startsWith(`${scope}|`)) this.since.delete(key);
  }

  private observedValue(rule: Rule, vector: PodFeatureVector): number | undefined {
    if (vector.state !== 'complete' || !isFeatureName(rule.feature)) return undefined;
    const feature = vector.features[featureIndex(rule.feature)];
    return feature?.ok ? feature.value : undefined;
  }
}

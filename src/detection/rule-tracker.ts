import { featureIndex, isFeatureName } from '../metrics/feature-catalogue.js';
import type { PodFeatureVector } from '../metrics/feature-vector.js';
import { parseDuration } from '../policy/duration.js';
import type { Rule } from '../policy/spec-schema.js';
import { needsMetrics, type PodStatusSignals, signalValue } from './status-signals.js';

/** One rule's outcome for one pod in one cycle. */
export interface RuleFinding {
  rule: string;
  /** What the rule reads: a catalogue feature name, or `signal:<Name>` for a status signal. */
  feature: string;
  operator: Rule['operator'];
  threshold: number;
  /** The input's value this cycle (or, while kept firing, the last value that held). */
  observed: number;
  /** How long the condition has held without interruption (0 on the first cycle it holds). */
  heldForMs: number;
  /** True once the condition has held for the rule's `for` duration (or is kept firing). */
  firing: boolean;
  /** Firing only because of `keepFiringFor`: the condition stopped holding less than that long ago. */
  kept?: boolean;
}

/** A pod without metrics this cycle: only its status signals can be read. */
export interface PodIdentity {
  namespace: string;
  pod: string;
  /** metadata.uid: a pod recreated under the same name (a StatefulSet's web-0) is another pod with fresh clocks. */
  uid?: string;
}

// Remembered per identity object: detection keeps one identity per pod version, so a pod's key is made once, not
// once per cycle.
const trackedKeys = new WeakMap<PodIdentity, string>();

/** The tracker's key for a pod: `namespace/name/uid`, or `namespace/name` where the uid is not known. */
export function trackedPodKey(pod: PodIdentity): string {
  let key = trackedKeys.get(pod);
  if (key === undefined) {
    key = pod.uid ? `${pod.namespace}/${pod.pod}/${pod.uid}` : `${pod.namespace}/${pod.pod}`;
    trackedKeys.set(pod, key);
  }
  return key;
}

/**
 * Evaluations further apart than this many evaluation intervals mean the condition was not watched in between
 * (the engine was not leading, the pod had no data): the clock starts over rather than counting the gap as held.
 */
export const MAX_GAP_INTERVALS = 1.5;

/**
 * What a gap is measured by: the policy's evaluation interval and the real time of this evaluation, not the instant
 * the metrics were read at (which sits a query offset behind it).
 */
export interface Continuity {
  intervalMs: number;
  atMs: number;
}

const COMPARE: Record<Rule['operator'], (a: number, b: number) => boolean> = {
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

const NO_FINDINGS: readonly RuleFinding[] = Object.freeze([]);

/** The whole definition keys a rule's clock: an edited rule starts its clocks afresh, as Prometheus does. */
const definitionKeys = new WeakMap<Rule, string>();
function definitionKey(rule: Rule): string {
  let key = definitionKeys.get(rule);
  if (key === undefined) {
    key = `${rule.name}|${ruleInput(rule)}|${rule.operator}|${rule.value}|${rule.for}|${rule.keepFiringFor}`;
    definitionKeys.set(rule, key);
  }
  return key;
}

interface Clock {
  since: number;
  firedAt?: number;
  lastHeldAt: number;
  lastObserved: number;
  /** When the clock was last looked at, held or kept: the gap check compares against it. */
  lastEvaluatedAt: number;
}

export function ruleInput(rule: Rule): string {
  return rule.signal !== undefined ? `signal:${rule.signal}` : (rule.feature ?? '');
}

/** Whether a rule can be judged for a pod without a complete feature vector. */
export function judgedWithoutMetrics(rule: Rule): boolean {
  return rule.signal !== undefined && !needsMetrics(rule.signal);
}

/**
 * Evaluates rules like Prometheus alerting rules: a condition must hold on every evaluation for `for` before it
 * fires, and with `keepFiringFor` a firing rule stays firing that long after the condition last held (a crash loop
 * between two restarts is not a recovery). Missing data never satisfies a condition: a feature rule needs a complete
 * vector; a status-signal rule needs the pod's status (and CPULimitRatio also its CPU feature).
 */
export class RuleTracker {
  /**
   * scope → pod (trackedPodKey) → rule definition → the rule's clock for that pod. In levels, so that a pod none
   * of whose conditions holds (most pods, most cycles) costs two lookups and no key of its own, and forgetting the
   * pods of one scope reads only that scope's.
   */
  private readonly clocks = new Map<string, Map<string, Map<string, Clock>>>();

  /**
   * Findings for conditions that hold now (firing or pending) or are kept firing; empty when nothing does.
   * With continuity, a clock not evaluated for MAX_GAP_INTERVALS of the policy's interval starts over: a `for` must
   * be observed to hold, not assumed across a gap.
   */
  evaluate(
    scope: string,
    rules: readonly Rule[],
    subject: (PodFeatureVector & { uid?: string }) | PodIdentity,
    nowMs: number,
    signals?: PodStatusSignals,
    continuity?: Continuity,
  ): readonly RuleFinding[] {
    const vector = 'features' in subject ? subject : undefined;
    return this.evaluatePod(scope, rules, subject, vector, nowMs, signals, continuity);
  }

  /**
   * evaluate, with the pod's identity and its vector apart: detection passes the identity it keeps per pod
   * version (its key made once) and the cycle's vector, instead of a new object joining them for every pod.
   */
  evaluatePod(
    scope: string,
    rules: readonly Rule[],
    pod: PodIdentity,
    podVector: PodFeatureVector | undefined,
    nowMs: number,
    signals?: PodStatusSignals,
    continuity?: Continuity,
  ): readonly RuleFinding[] {
    const seenAt = continuity?.atMs ?? nowMs;
    const podKey = trackedPodKey(pod);
    let podClocks = this.clocks.get(scope)?.get(podKey);
    const vector = podVector?.state === 'complete' ? podVector : undefined;
    // Most pods hold no condition in most cycles: they share one empty list instead of one each per cycle.
    let findings: RuleFinding[] | undefined;
    for (const rule of rules) {
      // A pod's status is read live from the informer cache: its durations (NotReadySeconds) are measured at the
      // real instant, not at the metrics' one (a query offset earlier, possibly before a new pod even existed).
      const observed = this.observedValue(rule, vector, signals, seenAt);
      const holds = observed !== undefined && COMPARE[rule.operator](observed, rule.value);
      if (!holds && podClocks === undefined) continue;
      const key = definitionKey(rule);
      const clock = podClocks && this.current(podClocks, key, continuity);
      if (!holds) {
        const keep = parseDuration(rule.keepFiringFor);
        if (observed !== undefined && clock?.firedAt !== undefined && nowMs - clock.lastHeldAt < keep) {
          clock.lastEvaluatedAt = seenAt;
          findings ??= [];
          findings.push(this.finding(rule, clock.lastObserved, nowMs - clock.since, true, true));
          continue;
        }
        podClocks?.delete(key);
        continue;
      }
      const next: Clock = clock ?? {
        since: nowMs,
        lastHeldAt: nowMs,
        lastObserved: observed,
        lastEvaluatedAt: seenAt,
      };
      next.lastHeldAt = nowMs;
      next.lastEvaluatedAt = seenAt;
      next.lastObserved = observed;
      const heldForMs = nowMs - next.since;
      const firing = heldForMs >= parseDuration(rule.for);
      if (firing) next.firedAt ??= nowMs;
      podClocks = this.clocksOf(scope, podKey, podClocks);
      podClocks.set(key, next);
      findings ??= [];
      findings.push(this.finding(rule, observed, heldForMs, firing, false));
    }
    if (podClocks?.size === 0) this.dropPod(scope, podKey);
    return findings ?? NO_FINDINGS;
  }

  /**
   * A clock for a condition that is not a rule (the ML verdict): how long it has held without interruption,
   * undefined while it does not hold. Kept and forgotten with the pod's rule clocks.
   */
  hold(
    scope: string,
    pod: PodIdentity,
    name: string,
    holds: boolean,
    nowMs: number,
    continuity?: Continuity,
  ): number | undefined {
    const podKey = trackedPodKey(pod);
    const podClocks = this.clocks.get(scope)?.get(podKey);
    if (!holds) {
      podClocks?.delete(name);
      if (podClocks?.size === 0) this.dropPod(scope, podKey);
      return undefined;
    }
    const seenAt = continuity?.atMs ?? nowMs;
    const clock = (podClocks && this.current(podClocks, name, continuity)) ?? {
      since: nowMs,
      lastHeldAt: nowMs,
      lastObserved: 1,
      lastEvaluatedAt: seenAt,
    };
    clock.lastHeldAt = nowMs;
    clock.lastEvaluatedAt = seenAt;
    this.clocksOf(scope, podKey, podClocks).set(name, clock);
    return nowMs - clock.since;
  }

  private clocksOf(scope: string, podKey: string, known: Map<string, Clock> | undefined): Map<string, Clock> {
    if (known) return known;
    let pods = this.clocks.get(scope);
    if (!pods) {
      pods = new Map();
      this.clocks.set(scope, pods);
    }
    const created = new Map<string, Clock>();
    pods.set(podKey, created);
    return created;
  }

  /** Forgets a pod's clocks in a scope, and the scope once it holds no pod. */
  private dropPod(scope: string, podKey: string): void {
    const pods = this.clocks.get(scope);
    pods?.delete(podKey);
    if (pods?.size === 0) this.clocks.delete(scope);
  }

  /** Forgets every clock: a new leadership term must not act on clocks another term kept. */
  clear(): void {
    this.clocks.clear();
  }

  /** The pod's clock for key, unless evaluation paused longer than the gap allows (then it is dropped). */
  private current(
    podClocks: Map<string, Clock>,
    key: string,
    continuity: Continuity | undefined,
  ): Clock | undefined {
    const clock = podClocks.get(key);
    if (
      clock &&
      continuity &&
      continuity.atMs - clock.lastEvaluatedAt > MAX_GAP_INTERVALS * continuity.intervalMs
    ) {
      podClocks.delete(key);
      return undefined;
    }
    return clock;
  }

  /** Forgets pods (by trackedPodKey) that were not evaluated in a cycle (deleted, deselected, without data). */
  retainOnly(scope: string, evaluatedPods: ReadonlySet<string>): void {
    const pods = this.clocks.get(scope);
    if (!pods) return;
    for (const key of pods.keys()) if (!evaluatedPods.has(key)) pods.delete(key);
    if (pods.size === 0) this.clocks.delete(scope);
  }

  /** Forgets a whole scope (a deleted or invalid policy). */
  forget(scope: string): void {
    this.clocks.delete(scope);
  }

  private finding(
    rule: Rule,
    observed: number,
    heldForMs: number,
    firing: boolean,
    kept: boolean,
  ): RuleFinding {
    return {
      rule: rule.name,
      feature: ruleInput(rule),
      operator: rule.operator,
      threshold: rule.value,
      observed,
      heldForMs,
      firing,
      ...(kept ? { kept } : {}),
    };
  }

  private observedValue(
    rule: Rule,
    vector: PodFeatureVector | undefined,
    signals: PodStatusSignals | undefined,
    nowMs: number,
  ): number | undefined {
    if (rule.signal !== undefined) {
      const cpu = vector?.features.valueAt(featureIndex('pod_cpu_usage.value'));
      if (needsMetrics(rule.signal) && !vector) return undefined;
      return signalValue(rule.signal, signals, cpu, nowMs);
    }
    if (!vector || rule.feature === undefined || !isFeatureName(rule.feature)) return undefined;
    return vector.features.valueAt(featureIndex(rule.feature));
  }
}

import type { Logger } from 'pino';
import type { PolicyAssessment } from '../detection/assessment.js';
import type { AssessmentStore } from '../detection/assessment-store.js';
import type { PolicyTargets } from '../detection/detection-cycle.js';
import type { RuleTracker } from '../detection/rule-tracker.js';
import { type TargetTransition, targetTransitions } from '../detection/target-transitions.js';
import type { KubeObject } from '../kube/kube-object.js';
import { parseDuration } from '../policy/duration.js';
import type { PolicySpec } from '../policy/spec-schema.js';
import { validatePolicySpec } from '../policy/validate.js';
import type { Clock } from '../time/clock.js';
import { keyOf } from './informer.js';
import { policyScopeOf } from './policy-scope.js';

export interface EvaluationLoopDeps {
  /** False until the informer caches have synced: a partial cache would judge a partial cluster. */
  ready: () => boolean;
  policies: () => readonly KubeObject[];
  targetsFor(policy: KubeObject, spec: PolicySpec): PolicyTargets['targets'];
  detection: {
    run(policies: readonly PolicyTargets[], nowMs: number): Promise<Map<string, PolicyAssessment>>;
  };
  store: AssessmentStore;
  rules: Pick<RuleTracker, 'forget'>;
  clock: Clock;
  /** How often due-ness is checked; evaluation itself follows each policy's evaluationInterval. */
  tickMs: number;
  /** Called with the keys of the policies just assessed, so the reconciler converges their status. */
  onEvaluated(keys: string[]): void;
  /** Called for each policy whose targets changed verdict (newly anomalous, or healthy again). */
  onTransitions?(policy: KubeObject, transitions: TargetTransition[]): Promise<void>;
  /** Called with each fresh assessment, after it is stored: remediation acts on it (only the leader runs this). */
  onAssessed?(policy: KubeObject, spec: PolicySpec, assessment: PolicyAssessment): Promise<void>;
  /** Shadow mode's agreement counts (src/server/shadow-metrics.ts), per evaluation; forgotten with the policy. */
  shadow?: {
    record(policy: string, tally: NonNullable<PolicyAssessment['shadow']>): void;
    forget(policy: string): void;
  };
  logger: Logger;
}

/** A policy whose interval is within this much of elapsing is taken along, so cycles batch instead of drifting. */
const DUE_SLACK_MS = 1_000;

/**
 * Runs detection for every policy that is due, all in one DetectionCycle, then hands the keys to the
 * reconciler. Only the leader runs it. A cycle that fails is logged and retried on the next tick; it never
 * throws out of the loop.
 */
export class EvaluationLoop {
  private cancel: (() => void) | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = true;

  constructor(private readonly deps: EvaluationLoopDeps) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops scheduling and waits for a cycle in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.cancel = this.deps.clock.schedule(() => {
      this.running = this.tick().then(
        () => this.schedule(this.deps.tickMs),
        () => this.schedule(this.deps.tickMs),
      );
    }, delayMs);
  }

  /** One pass: assess the due policies. Exposed for tests. Never throws: a failed pass is retried next tick. */
  async tick(): Promise<string[]> {
    if (!this.deps.ready()) return [];
    try {
      return await this.assessDue();
    } catch (error) {
      this.deps.logger.error({ err: error }, 'detection cycle failed; retrying on the next tick');
      return [];
    }
  }

  private async assessDue(): Promise<string[]> {
    const { deps } = this;
    const now = deps.clock.now();
    const due: Array<PolicyTargets & { generation: number | undefined; object: KubeObject }> = [];
    const present = new Set<string>();
    for (const policy of deps.policies()) {
      const key = keyOf(policy);
      present.add(key);
      if (policy.metadata.deletionTimestamp) continue;
      // A namespaceSelector is valid on a ClusterRemediationPolicy only: the kind decides what may be judged.
      const validation = validatePolicySpec(policy.spec, policyScopeOf(policy).scope);
      if (!validation.valid) {
        deps.store.delete(key);
        deps.rules.forget(key);
        deps.shadow?.forget(key);
        continue;
      }
      if (!validation.spec.detection.ml.shadow) deps.shadow?.forget(key);
      const stored = deps.store.get(key);
      const generation = policy.metadata.generation;
      const interval = parseDuration(validation.spec.evaluationInterval);
      if (stored && stored.generation === generation && now - stored.ranAtMs < interval - DUE_SLACK_MS)
        continue;
      due.push({
        key,
        generation,
        object: policy,
        spec: validation.spec,
        targets: deps.targetsFor(policy, validation.spec),
      });
    }
    for (const key of deps.store.keys()) {
      if (!present.has(key)) {
        deps.store.delete(key);
        deps.rules.forget(key);
        deps.shadow?.forget(key);
      }
    }
    if (due.length === 0) return [];
    const results = await deps.detection.run(due, now);
    for (const policy of due) {
      const assessment = results.get(policy.key);
      if (!assessment) continue;
      const previous = deps.store.get(policy.key)?.assessment;
      deps.store.set(policy.key, { generation: policy.generation, ranAtMs: now, assessment });
      if (assessment.shadow) deps.shadow?.record(policy.key, assessment.shadow);
      const transitions = targetTransitions(previous, assessment);
      if (transitions.length > 0) await deps.onTransitions?.(policy.object, transitions);
      try {
        await deps.onAssessed?.(policy.object, policy.spec, assessment);
      } catch (error) {
        deps.logger.error({ err: error, policy: policy.key }, 'remediation pass failed; retrying next cycle');
      }
    }
    const keys = due.map((p) => p.key);
    const warnings = [...new Set([...results.values()].flatMap((a) => a.warnings))];
    if (warnings.length > 0)
      deps.logger.warn({ warnings }, 'metrics came with warnings (e.g. a Thanos partial response)');
    deps.logger.debug({ policies: keys }, 'detection cycle done');
    deps.onEvaluated(keys);
    return keys;
  }
}

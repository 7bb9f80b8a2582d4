import type { Logger } from 'pino';
import type { AssessmentStore } from '../detection/assessment-store.js';
import type { JsonObject } from '../json/json-value.js';
import type { KubeObject } from '../kube/kube-object.js';
import { findCondition } from '../policy/conditions.js';
import {
  type AssessmentInput,
  buildPolicyStatus,
  type DependencyStates,
  type StatusDecision,
} from '../policy/policy-status.js';
import { Reason } from '../policy/reasons.js';
import { parseStatus } from '../policy/status-types.js';
import { type NamespaceLabels, selectTargets, type Workload } from '../policy/target-selection.js';
import { describeErrors, validatePolicySpec } from '../policy/validate.js';
import type { Clock } from '../time/clock.js';
import type { EventType } from './event-recorder.js';
import { policyScopeOf } from './policy-scope.js';
import type { ReconcileContext, ReconcileResult, Reconciler } from './reconciler.js';
import type { StatusWriter } from './status-writer.js';

/** Everything the policy reconciler needs, as small interfaces (the kube-rs "Context"). */
export interface PolicyReconcilerContext {
  policies: { get(key: string): KubeObject | undefined };
  workloads: () => Iterable<Workload>;
  /** Namespace labels, which a ClusterRemediationPolicy's namespaceSelector is matched against. */
  namespaceLabels?: () => NamespaceLabels;
  statusWriter: Pick<StatusWriter, 'write'>;
  events: { record(object: KubeObject, type: EventType, reason: string, message: string): Promise<void> };
  dependencies: () => DependencyStates;
  /** The latest detection result for a policy key, if it was made for this generation of the spec. */
  assessments?: (key: string, generation: number | undefined) => AssessmentInput | undefined;
  /** False until every cache has listed once: a partial cache would publish wrong target counts. */
  cachesSynced: () => boolean;
  clock: Clock;
  logger: Logger;
}

/**
 * The reconciler's view of the detection results: only an assessment made for the generation being reconciled
 * is used, so a status (or, later, an action) never rests on the judgement of an older spec.
 */
export function assessmentsFrom(
  store: Pick<AssessmentStore, 'forGeneration'>,
): NonNullable<PolicyReconcilerContext['assessments']> {
  return (key, generation) => {
    const stored = store.forGeneration(key, generation);
    return stored
      ? {
          ranAtMs: stored.ranAtMs,
          targets: stored.assessment.targets,
          problems: stored.assessment.problems,
          ...(stored.assessment.shadow ? { shadow: stored.assessment.shadow } : {}),
        }
      : undefined;
  };
}

/**
 * Reconciles one RemediationPolicy or ClusterRemediationPolicy: validate, select targets from the informer caches, and converge status. It
 * never acts on an invalid policy. Remediation itself arrives in later issues and plugs in after target selection.
 */
export class PolicyReconciler implements Reconciler {
  constructor(private readonly ctx: PolicyReconcilerContext) {}

  async reconcile(key: string, context?: ReconcileContext): Promise<ReconcileResult> {
    const { ctx } = this;
    // Only the leader's current term writes; a replica that lost the lease stops before its next write.
    if (context?.signal.aborted) return {};
    if (!ctx.cachesSynced()) return { requeueAfterMs: 500 };
    const policy = ctx.policies.get(key);
    if (!policy || policy.metadata.deletionTimestamp) return {};
    const scope = policyScopeOf(policy);
    const dependencies = ctx.dependencies();
    const previousReady = findCondition(parseStatus(policy.status).conditions, 'Ready');

    // Everything is derived from the object handed to compute: on a conflict the writer re-reads the policy,
    // and a newer generation must never be stamped on a status computed from the older spec.
    let decision: StatusDecision | undefined;
    let validation = validatePolicySpec(policy.spec, scope.scope);
    const result = await ctx.statusWriter.write(policy, (current) => {
      validation = validatePolicySpec(current.spec, scope.scope);
      const targets = validation.valid
        ? selectTargets(scope, validation.spec, ctx.workloads(), ctx.namespaceLabels?.())
        : [];
      const assessment = validation.valid ? ctx.assessments?.(key, current.metadata.generation) : undefined;
      decision = buildPolicyStatus({
        generation: current.metadata.generation,
        previous: parseStatus(current.status),
        validation,
        targets,
        dependencies,
        ...(assessment ? { assessment } : {}),
        now: ctx.clock.now(),
      });
      return decision.status as JsonObject;
    });
    if (context?.signal.aborted) return {};

    if (!validation.valid) {
      const message = describeErrors(validation.errors);
      if (previousReady?.reason !== Reason.InvalidSpec || previousReady.message !== message) {
        ctx.logger.warn({ policy: key, errors: validation.errors }, 'policy is invalid; it will not act');
        await ctx.events.record(policy, 'Warning', Reason.InvalidSpec, message);
      }
    } else if (previousReady?.reason === Reason.InvalidSpec) {
      await ctx.events.record(policy, 'Normal', Reason.SpecValid, 'the policy is valid again');
    }
    // Losing or regaining a detection dependency is news for whoever watches the policy's Events.
    const before = findCondition(parseStatus(policy.status).conditions, 'Degraded');
    const after = decision ? findCondition(decision.status.conditions, 'Degraded') : undefined;
    if (
      result === 'written' &&
      after &&
      (after.status !== before?.status || after.reason !== before?.reason)
    ) {
      if (after.status === 'True') await ctx.events.record(policy, 'Warning', after.reason, after.message);
      else if (before?.status === 'True') {
        await ctx.events.record(
          policy,
          'Normal',
          Reason.DependenciesHealthy,
          'detection dependencies are available again',
        );
      }
    }
    ctx.logger.debug(
      { policy: key, status: result, targets: decision?.status.targets?.total },
      'reconciled policy',
    );
    return decision ? { requeueAfterMs: decision.nextInMs } : {};
  }
}

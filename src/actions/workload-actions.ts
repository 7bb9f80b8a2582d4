/**
 * The Kubernetes mutations remediation performs, behind one small interface so the runner can be tested without
 * a cluster and the implementations (KubeWorkloadActions) can be tested against one.
 *
 * Every mutation is guarded (see mutation-guard.ts): ctx.fence() and ctx.signal are checked immediately before
 * each mutating request, and each request carries a precondition (pod uid, resourceVersion) so that an action
 * decided on one object never lands on a replacement or on a concurrently changed spec.
 *
 * Errors the API answers that are not mapped to a `blocked` outcome are thrown (the runner records them as
 * Failed); LeadershipLostError is thrown when the guard refuses or the term ends during a request.
 *
 * Rollback is implemented for both kinds, not recommend-only: a Deployment through its ReplicaSets exactly as
 * `kubectl rollout undo` (rollback-deployment.ts), a StatefulSet by applying the strategic merge patch its
 * ControllerRevision stores, as kubectl does (rollback-statefulset.ts). A 409 (resourceVersion precondition) is
 * `Conflict`: the workload changed between the read and the write (a status write counts too), retry later.
 */

export interface ActionContext {
  /** The leadership term: aborted when this replica stops leading. Passed to every request. */
  signal: AbortSignal;
  /** Throws LeadershipLostError when this replica no longer leads. */
  fence(): void;
}

export type BlockedReason =
  | 'EvictionBlocked'
  | 'PreconditionFailed'
  | 'NotFound'
  | 'Conflict'
  | 'Unsupported';

export type ActionOutcome =
  | { result: 'done'; message: string; observed?: Record<string, string | number> }
  | { result: 'blocked'; reason: BlockedReason; message: string };

export interface PodRef {
  namespace: string;
  name: string;
  /** The pod the decision was made about: a same-named replacement is never touched. */
  uid: string;
}

export type WorkloadKind = 'Deployment' | 'StatefulSet';

export interface WorkloadRef {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  uid: string;
}

export interface WorkloadActions {
  /** POST pods/{name}/eviction with preconditions.uid: PodDisruptionBudgets are honoured (429 → EvictionBlocked). */
  evictPod(ctx: ActionContext, pod: PodRef): Promise<ActionOutcome>;
  /** Sets spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"], as `kubectl rollout restart`. */
  rolloutRestart(ctx: ActionContext, target: WorkloadRef, restartedAt: string): Promise<ActionOutcome>;
  /** Writes spec.replicas through the /scale subresource with its resourceVersion. observed: {from, to}. */
  scale(ctx: ActionContext, target: WorkloadRef, replicas: number): Promise<ActionOutcome>;
  /** `kubectl rollout undo [--to-revision]` semantics; toRevision defaults to the previous revision. */
  rollback(ctx: ActionContext, target: WorkloadRef, toRevision?: number): Promise<ActionOutcome>;
}

/** What an idempotent takeover learns by looking at the cluster instead of acting a second time. */
export interface Observation {
  /** True when the cluster shows the effect of the action (by this replica or another writer). */
  applied: boolean;
  message: string;
}

export interface WorkloadObservations {
  /** The pod with this uid is gone or terminating. */
  observeEviction(pod: PodRef): Promise<Observation>;
  /** The template's restartedAt annotation equals restartedAt. */
  observeRolloutRestart(target: WorkloadRef, restartedAt: string): Promise<Observation>;
  /** spec.replicas equals replicas. */
  observeScale(target: WorkloadRef, replicas: number): Promise<Observation>;
  /** The workload's template is no longer the template of revision fromRevision (the one a rollback leaves). */
  observeRollback(target: WorkloadRef, fromRevision: number): Promise<Observation>;
}

export const done = (message: string, observed?: Record<string, string | number>): ActionOutcome =>
  observed ? { result: 'done', message, observed } : { result: 'done', message };

export const blocked = (reason: BlockedReason, message: string): ActionOutcome => ({
  result: 'blocked',
  reason,
  message,
});

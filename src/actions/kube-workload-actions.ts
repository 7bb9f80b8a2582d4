import type { KubeRest } from '../kube/rest-client.js';
import { evictPod, observeEviction } from './evict-pod.js';
import { GuardedKube } from './mutation-guard.js';
import { observeDeploymentRollback, rollbackDeployment } from './rollback-deployment.js';
import { observeStatefulSetRollback, rollbackStatefulSet } from './rollback-statefulset.js';
import { observeRolloutRestart, rolloutRestart } from './rollout-restart.js';
import { observeScale, scaleWorkload } from './scale-workload.js';
import type {
  ActionContext,
  ActionOutcome,
  Observation,
  PodRef,
  WorkloadActions,
  WorkloadObservations,
  WorkloadRef,
} from './workload-actions.js';

/**
 * WorkloadActions over the engine's REST client. Rollback is implemented for both kinds: Deployments through
 * their ReplicaSets as `kubectl rollout undo` does, StatefulSets by applying the ControllerRevision's stored
 * strategic merge patch as kubectl does (not recommend-only).
 */
export class KubeWorkloadActions implements WorkloadActions, WorkloadObservations {
  private readonly kube: GuardedKube;

  constructor(rest: KubeRest) {
    this.kube = new GuardedKube(rest);
  }

  evictPod(ctx: ActionContext, pod: PodRef): Promise<ActionOutcome> {
    return evictPod(this.kube, ctx, pod);
  }

  rolloutRestart(ctx: ActionContext, target: WorkloadRef, restartedAt: string): Promise<ActionOutcome> {
    return rolloutRestart(this.kube, ctx, target, restartedAt);
  }

  scale(ctx: ActionContext, target: WorkloadRef, replicas: number): Promise<ActionOutcome> {
    return scaleWorkload(this.kube, ctx, target, replicas);
  }

  rollback(ctx: ActionContext, target: WorkloadRef, toRevision?: number): Promise<ActionOutcome> {
    return target.kind === 'Deployment'
      ? rollbackDeployment(this.kube, ctx, target, toRevision)
      : rollbackStatefulSet(this.kube, ctx, target, toRevision);
  }

  observeEviction(pod: PodRef): Promise<Observation> {
    return observeEviction(this.kube, pod);
  }

  observeRolloutRestart(target: WorkloadRef, restartedAt: string): Promise<Observation> {
    return observeRolloutRestart(this.kube, target, restartedAt);
  }

  observeScale(target: WorkloadRef, replicas: number): Promise<Observation> {
    return observeScale(this.kube, target, replicas);
  }

  observeRollback(target: WorkloadRef, fromRevision: number): Promise<Observation> {
    return target.kind === 'Deployment'
      ? observeDeploymentRollback(this.kube, target, fromRevision)
      : observeStatefulSetRollback(this.kube, target, fromRevision);
  }
}

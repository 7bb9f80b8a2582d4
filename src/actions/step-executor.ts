import type { Leadership, StepExecutor } from '../controller/remediation-runner.js';
import type { TargetAssessment } from '../detection/assessment.js';
import type { KubeObject } from '../kube/kube-object.js';
import type { PolicySpec } from '../policy/spec-schema.js';
import type { ExecutionResult, Intent } from '../remediation/episode.js';
import { resolveIntOrPercent } from '../remediation/int-or-percent.js';
import { revisionOf as deploymentRevision } from './rollback-deployment.js';
import { restartedAtValue } from './rollout-restart.js';
import type { ActionOutcome, WorkloadActions, WorkloadObservations } from './workload-actions.js';

type Step = PolicySpec['actions'][number];

export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

export interface StepExecutorDeps {
  /** The mutations, and fresh reads (not the cache) that tell whether one already happened. */
  actions: WorkloadActions & WorkloadObservations;
  /** The pods of a target workload, from the informer cache. */
  podsOf(target: KubeObject): readonly KubeObject[];
  /** The ReplicaSets a Deployment controls, from the informer cache (to pin a rollback's revision). */
  replicaSetsOf(target: KubeObject): readonly KubeObject[];
}

const spec = (o: KubeObject) => (o as { spec?: Record<string, unknown> }).spec ?? {};
const status = (o: KubeObject) => (o as { status?: Record<string, unknown> }).status ?? {};
const terminating = (p: KubeObject) => p.metadata.deletionTimestamp !== undefined;

function ready(pod: KubeObject): boolean {
  const conditions = status(pod).conditions;
  return Array.isArray(conditions) && conditions.some((c) => c?.type === 'Ready' && c?.status === 'True');
}

const replicasOf = (o: KubeObject) => (o.kind === 'Pod' ? 1 : Number(spec(o).replicas ?? 1));
const ref = (o: KubeObject) => ({
  kind: o.kind as 'Deployment' | 'StatefulSet',
  namespace: o.metadata.namespace ?? 'default',
  name: o.metadata.name,
  uid: o.metadata.uid ?? '',
});

function toResult(outcome: ActionOutcome): ExecutionResult {
  return outcome.result === 'done'
    ? { result: 'done', message: outcome.message }
    : { result: 'blocked', reason: outcome.reason, message: outcome.message };
}

/**
 * Turns a ladder step into the Kubernetes mutations of src/actions, and recognises one that already happened, so
 * a replica taking over an intent its predecessor recorded finishes it instead of repeating it.
 */
export class KubeStepExecutor implements StepExecutor {
  constructor(private readonly deps: StepExecutorDeps) {}

  prepare(intent: Intent, step: Step, target: KubeObject, assessed: TargetAssessment): Intent {
    switch (step.type) {
      case 'RestartPod': {
        const pods = target.kind === 'Pod' ? [target] : this.deps.podsOf(target);
        const anomalous = new Set(assessed.pods.filter((p) => p.state === 'anomalous').map((p) => p.pod));
        const candidates = pods.filter(
          (p) => anomalous.has(p.metadata.name) && !terminating(p) && p.metadata.uid,
        );
        // At most maxUnavailable pods of the workload restarting at a time: pods already terminating, or not
        // ready for other reasons, use up the budget; an unhealthy candidate does not (evicting it loses nothing).
        const maxUnavailable = resolveIntOrPercent(step.restartPod?.maxUnavailable ?? 1, replicasOf(target));
        const busy = pods.filter((p) => terminating(p) || (!ready(p) && !candidates.includes(p))).length;
        const budget = Math.max(0, maxUnavailable - busy);
        const chosen = [...candidates].sort((a, b) => Number(ready(a)) - Number(ready(b))).slice(0, budget);
        return {
          ...intent,
          pods: chosen.map((p) => ({ name: p.metadata.name, uid: p.metadata.uid ?? '' })),
          expected: { maxUnavailable, busy },
        };
      }
      case 'RolloutRestart':
        // kubectl's format (whole seconds): a successor repeating the same intent writes the same value.
        return { ...intent, expected: { restartedAt: restartedAtValue(new Date(intent.time)) } };
      case 'Scale': {
        const from = replicasOf(target);
        const bounds = step.scale ?? { minReplicas: from, maxReplicas: from, step: 1 };
        const to = Math.max(bounds.minReplicas, Math.min(bounds.maxReplicas, from + bounds.step));
        return { ...intent, expected: { from, replicas: to } };
      }
      case 'Rollback': {
        // Pinned now: "the previous revision" changes once the rollback happened, so a replay of this intent
        // must name the revision, or it would undo the undo.
        if (target.kind !== 'Deployment') {
          return step.rollback?.toRevision
            ? { ...intent, expected: { toRevision: step.rollback.toRevision } }
            : intent;
        }
        const from = deploymentRevision(target);
        const older = this.deps
          .replicaSetsOf(target)
          .map((rs) => deploymentRevision(rs))
          .filter((r): r is number => r !== undefined && from !== undefined && r < from);
        const to = step.rollback?.toRevision ?? (older.length > 0 ? Math.max(...older) : undefined);
        return {
          ...intent,
          expected: {
            ...(from !== undefined ? { fromRevision: from } : {}),
            ...(to !== undefined ? { toRevision: to } : {}),
          },
        };
      }
      default:
        return intent;
    }
  }

  async happened(intent: Intent, target: KubeObject): Promise<boolean> {
    const expected = intent.expected ?? {};
    const workload = ref(target);
    switch (intent.action) {
      case 'RestartPod': {
        const pods = intent.pods ?? [];
        if (pods.length === 0) return false;
        for (const pod of pods) {
          const seen = await this.deps.actions.observeEviction({
            namespace: workload.namespace,
            name: pod.name,
            uid: pod.uid,
          });
          if (!seen.applied) return false;
        }
        return true;
      }
      case 'RolloutRestart':
        return typeof expected.restartedAt === 'string'
          ? (await this.deps.actions.observeRolloutRestart(workload, expected.restartedAt)).applied
          : false;
      case 'Scale':
        return typeof expected.replicas === 'number' && expected.replicas !== expected.from
          ? (await this.deps.actions.observeScale(workload, expected.replicas)).applied
          : false;
      case 'Rollback':
        return typeof expected.fromRevision === 'number'
          ? (await this.deps.actions.observeRollback(workload, expected.fromRevision)).applied
          : false;
      default:
        return false;
    }
  }

  async execute(
    intent: Intent,
    step: Step,
    target: KubeObject,
    leadership: Leadership,
  ): Promise<ExecutionResult> {
    const ctx = { signal: leadership.signal, fence: () => leadership.fence() };
    const name = `${target.kind} ${target.metadata.namespace}/${target.metadata.name}`;
    switch (intent.action) {
      case 'RestartPod': {
        const live = new Map(this.deps.podsOf(target).map((p) => [p.metadata.uid, p]));
        const pods = (intent.pods ?? []).filter((p) => {
          const pod = live.get(p.uid);
          return pod !== undefined && !terminating(pod);
        });
        if ((intent.pods ?? []).length === 0) {
          return {
            result: 'blocked',
            reason: 'MaxUnavailable',
            message: `${name}: ${intent.expected?.busy ?? 0} pod(s) already restarting or not ready, restartPod.maxUnavailable ${intent.expected?.maxUnavailable ?? 1}; not evicting more`,
          };
        }
        const evicted: string[] = [];
        for (const pod of pods) {
          const outcome = await this.deps.actions.evictPod(ctx, {
            namespace: target.metadata.namespace ?? 'default',
            name: pod.name,
            uid: pod.uid,
          });
          if (outcome.result !== 'done') {
            if (evicted.length === 0) return toResult(outcome);
            break;
          }
          evicted.push(pod.name);
        }
        return {
          result: 'done',
          message: `evicted pod(s) ${evicted.join(', ') || '(already gone)'} of ${name} (step ${step.name})`,
        };
      }
      case 'RolloutRestart':
        return toResult(
          await this.deps.actions.rolloutRestart(
            ctx,
            ref(target),
            String(intent.expected?.restartedAt ?? intent.time),
          ),
        );
      case 'Scale': {
        const to = Number(intent.expected?.replicas);
        if (!Number.isFinite(to) || to === Number(intent.expected?.from)) {
          return {
            result: 'blocked',
            reason: 'AtScaleBound',
            message: `${name} is already at ${intent.expected?.from} replicas, the bound of step ${step.name}`,
          };
        }
        return toResult(await this.deps.actions.scale(ctx, ref(target), to));
      }
      case 'Rollback':
        return toResult(
          await this.deps.actions.rollback(
            ctx,
            ref(target),
            typeof intent.expected?.toRevision === 'number'
              ? intent.expected.toRevision
              : step.rollback?.toRevision,
          ),
        );
      default:
        return { result: 'blocked', reason: 'RecommendOnly', message: `step ${step.name} only recommends` };
    }
  }
}

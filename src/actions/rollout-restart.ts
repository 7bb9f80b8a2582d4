import type { GuardedKube } from './mutation-guard.js';
import {
  type ActionContext,
  type ActionOutcome,
  blocked,
  done,
  type Observation,
  type WorkloadRef,
} from './workload-actions.js';
import { describeWorkload, mapWriteError, readWorkload, workloadPath } from './workload-objects.js';

export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

/** The value kubectl writes: Go's time.RFC3339, whole seconds (here in UTC, as kubectl prints it with TZ=UTC). */
export function restartedAtValue(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The strategic merge patch `kubectl rollout restart` sends (its two-way merge patch of the template annotation),
 * plus metadata.resourceVersion: the apiserver does not check a uid in a patch, but a patch carrying a stale
 * resourceVersion is a 409, so the object read (and uid-checked) is the object written.
 */
export function rolloutRestartPatch(restartedAt: string, resourceVersion: string): Record<string, unknown> {
  return {
    metadata: { resourceVersion },
    spec: { template: { metadata: { annotations: { [RESTARTED_AT]: restartedAt } } } },
  };
}

function restartedAtOf(template: Record<string, unknown>): string | undefined {
  const meta = template.metadata as { annotations?: Record<string, unknown> } | undefined;
  const value = meta?.annotations?.[RESTARTED_AT];
  return typeof value === 'string' ? value : undefined;
}

/**
 * `kubectl rollout restart`: a new template annotation makes the controller roll every pod. restartedAt is the
 * caller's (kubectl writes time.Now() in RFC 3339), so the intent can record it and a takeover can observe it.
 */
export async function rolloutRestart(
  kube: GuardedKube,
  ctx: ActionContext,
  target: WorkloadRef,
  restartedAt: string,
): Promise<ActionOutcome> {
  const read = await readWorkload((path) => kube.read(ctx, { path }), target);
  if ('outcome' in read) return read.outcome;
  const { workload } = read;
  if (workload.spec.paused) {
    // kubectl refuses too: a paused Deployment would record the annotation but roll nothing.
    return blocked('PreconditionFailed', `${describeWorkload(target)} is paused; resume it before a restart`);
  }
  if (restartedAtOf(workload.spec.template) === restartedAt) {
    return done(`${describeWorkload(target)} already restarted at ${restartedAt}`, { restartedAt });
  }
  try {
    await kube.mutate(ctx, `restarting ${describeWorkload(target)}`, {
      method: 'PATCH',
      path: workloadPath(target),
      body: rolloutRestartPatch(restartedAt, workload.metadata.resourceVersion),
      contentType: 'application/strategic-merge-patch+json',
    });
  } catch (error) {
    return mapWriteError(error, target, 'the rollout restart');
  }
  return done(`${describeWorkload(target)} restarted at ${restartedAt}`, { restartedAt });
}

export async function observeRolloutRestart(
  kube: GuardedKube,
  target: WorkloadRef,
  restartedAt: string,
): Promise<Observation> {
  const read = await readWorkload((path) => kube.read(undefined, { path }), target);
  if ('outcome' in read) return { applied: false, message: read.outcome.message };
  const current = restartedAtOf(read.workload.spec.template);
  return current === restartedAt
    ? { applied: true, message: `${describeWorkload(target)} template has ${RESTARTED_AT}=${restartedAt}` }
    : {
        applied: false,
        message: `${describeWorkload(target)} template has ${RESTARTED_AT}=${current ?? '(unset)'}`,
      };
}

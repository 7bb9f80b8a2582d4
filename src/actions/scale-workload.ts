import { isStatus } from '../kube/rest-client.js';
import type { GuardedKube } from './mutation-guard.js';
import {
  type ActionContext,
  type ActionOutcome,
  blocked,
  done,
  type Observation,
  type WorkloadRef,
} from './workload-actions.js';
import {
  describeWorkload,
  mapWriteError,
  readWorkload,
  scaleSchema,
  workloadPath,
} from './workload-objects.js';

/**
 * Sets spec.replicas through the autoscaling/v1 /scale subresource (what `kubectl scale` and the HPA use), read
 * and written back with its resourceVersion so a concurrent change is a 409 (Conflict), never overwritten.
 */
export async function scaleWorkload(
  kube: GuardedKube,
  ctx: ActionContext,
  target: WorkloadRef,
  replicas: number,
): Promise<ActionOutcome> {
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new Error(`replicas must be a non-negative integer, got ${replicas}`);
  }
  const path = `${workloadPath(target)}/scale`;
  let scale: ReturnType<typeof scaleSchema.parse>;
  try {
    scale = scaleSchema.parse(await kube.read(ctx, { path }));
  } catch (error) {
    if (isStatus(error, 404)) return blocked('NotFound', `${describeWorkload(target)} not found`);
    throw error;
  }
  // A Scale's uid is its parent's: a workload recreated under the same name is not the one decided about.
  if (scale.metadata.uid !== target.uid) {
    return blocked(
      'PreconditionFailed',
      `${describeWorkload(target)} has uid ${scale.metadata.uid ?? '(none)'}, not ${target.uid}: it was replaced`,
    );
  }
  const from = scale.spec.replicas ?? 0;
  if (from === replicas) {
    return done(`${describeWorkload(target)} already has ${replicas} replicas`, { from, to: replicas });
  }
  try {
    await kube.mutate(ctx, `scaling ${describeWorkload(target)}`, {
      method: 'PUT',
      path,
      body: {
        apiVersion: 'autoscaling/v1',
        kind: 'Scale',
        metadata: {
          name: target.name,
          namespace: target.namespace,
          resourceVersion: scale.metadata.resourceVersion,
        },
        spec: { replicas },
      },
    });
  } catch (error) {
    return mapWriteError(error, target, 'scaling');
  }
  return done(`${describeWorkload(target)} scaled from ${from} to ${replicas} replicas`, {
    from,
    to: replicas,
  });
}

export async function observeScale(
  kube: GuardedKube,
  target: WorkloadRef,
  replicas: number,
): Promise<Observation> {
  const read = await readWorkload((path) => kube.read(undefined, { path }), target);
  if ('outcome' in read) return { applied: false, message: read.outcome.message };
  const current = read.workload.spec.replicas ?? 1;
  return {
    applied: current === replicas,
    message: `${describeWorkload(target)} has spec.replicas ${current}`,
  };
}

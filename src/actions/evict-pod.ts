import { z } from 'zod';
import { isStatus, KubeApiError } from '../kube/rest-client.js';
import type { GuardedKube } from './mutation-guard.js';
import {
  type ActionContext,
  type ActionOutcome,
  blocked,
  done,
  type Observation,
  type PodRef,
} from './workload-actions.js';
import { podPath, podSchema } from './workload-objects.js';

/** The Status body of a refused eviction: the message and, for a PodDisruptionBudget, the cause naming it. */
const statusSchema = z.looseObject({
  message: z.string().optional(),
  details: z
    .looseObject({ causes: z.array(z.looseObject({ message: z.string().optional() })).optional() })
    .optional(),
});

function serverMessage(error: KubeApiError): string {
  const parsed = statusSchema.safeParse(error.body);
  if (!parsed.success) return error.message;
  const causes = (parsed.data.details?.causes ?? []).map((c) => c.message).filter(Boolean);
  return [parsed.data.message ?? error.message, ...causes].join(' ');
}

/**
 * Evicts one pod through the Eviction API (policy/v1), so PodDisruptionBudgets hold, with the pod's uid as a
 * delete precondition: if the pod was replaced by a same-named one (a StatefulSet's), the new pod is not touched.
 */
export async function evictPod(kube: GuardedKube, ctx: ActionContext, pod: PodRef): Promise<ActionOutcome> {
  const name = `pod ${pod.namespace}/${pod.name}`;
  try {
    await kube.mutate(ctx, `evicting ${name}`, {
      method: 'POST',
      path: `${podPath(pod.namespace, pod.name)}/eviction`,
      body: {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name: pod.name, namespace: pod.namespace },
        deleteOptions: { preconditions: { uid: pod.uid } },
      },
    });
  } catch (error) {
    if (!(error instanceof KubeApiError)) throw error;
    if (error.status === 429) return blocked('EvictionBlocked', serverMessage(error));
    if (error.status === 404) return blocked('NotFound', `${name} not found`);
    // A uid precondition failure is a 409 whose message says so; another 409 (a concurrent eviction spent the
    // same disruption) is a conflict worth retrying later.
    if (error.status === 409 && /precondition/i.test(error.message)) {
      return blocked('PreconditionFailed', `${name} is no longer uid ${pod.uid}: ${serverMessage(error)}`);
    }
    if (error.status === 409) return blocked('Conflict', serverMessage(error));
    throw error;
  }
  return done(`evicted ${name} (uid ${pod.uid})`, { pod: pod.name, uid: pod.uid });
}

/** After a takeover: the eviction happened if the pod with that uid is gone or terminating. */
export async function observeEviction(kube: GuardedKube, pod: PodRef): Promise<Observation> {
  const name = `pod ${pod.namespace}/${pod.name}`;
  try {
    const current = podSchema.parse(await kube.read(undefined, { path: podPath(pod.namespace, pod.name) }));
    if (current.metadata.uid !== pod.uid) {
      return { applied: true, message: `${name} uid ${pod.uid} is gone (now ${current.metadata.uid})` };
    }
    if (current.metadata.deletionTimestamp) return { applied: true, message: `${name} is terminating` };
    return { applied: false, message: `${name} uid ${pod.uid} is still running` };
  } catch (error) {
    if (isStatus(error, 404)) return { applied: true, message: `${name} is gone` };
    throw error;
  }
}

import { isJsonObject, type JsonObject } from '../json/json-value.js';
import type { ResourceType } from './resource-type.js';

const DEFAULT_GRACE_SECONDS = 30;

const rfc3339 = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/**
 * Graceful deletion of pods, as the apiserver's BeforeDelete and pod strategy do it: a pod bound to a node and not
 * yet finished is not removed by DELETE; it gets `deletionTimestamp` (now + grace) and `deletionGracePeriodSeconds`,
 * and its kubelet removes it with a second DELETE (grace 0) once the containers stopped. A later DELETE may shorten
 * the grace period (moving deletionTimestamp earlier by the difference), never lengthen it; one with grace 0 removes
 * the pod at once (`--grace-period=0 --force`). A negative grace period counts as 1 s. Returns undefined when the
 * object is to be deleted right away.
 * (A pod on a node whose kubelet is not running stays Terminating, as in a cluster; the simulator runs kubelets.)
 */
export function gracefulDeletion(
  type: ResourceType,
  stored: JsonObject,
  requestedSeconds: number | undefined,
  now: Date,
  nodeExists: (name: string) => boolean,
): { object: JsonObject; changed: boolean } | undefined {
  if (type.group !== '' || type.plural !== 'pods') return undefined;
  const metadata = isJsonObject(stored.metadata) ? stored.metadata : {};
  const spec = isJsonObject(stored.spec) ? stored.spec : {};
  const status = isJsonObject(stored.status) ? stored.status : {};
  const requested = requestedSeconds !== undefined && requestedSeconds < 0 ? 1 : requestedSeconds;

  if (metadata.deletionTimestamp !== undefined) {
    // Already terminating: only the period may change, and only downwards.
    const current = metadata.deletionGracePeriodSeconds;
    if (typeof current !== 'number' || current <= 0) return undefined;
    if (requested === undefined || requested >= current) return { object: stored, changed: false };
    if (requested === 0) return undefined;
    const at = Date.parse(String(metadata.deletionTimestamp));
    const base = Number.isFinite(at) ? at : now.getTime() + current * 1000;
    metadata.deletionTimestamp = rfc3339(base - (current - requested) * 1000);
    metadata.deletionGracePeriodSeconds = requested;
    stored.metadata = metadata;
    return { object: stored, changed: true };
  }

  const podDefault =
    typeof spec.terminationGracePeriodSeconds === 'number'
      ? spec.terminationGracePeriodSeconds
      : DEFAULT_GRACE_SECONDS;
  let grace = Math.max(0, requested ?? podDefault);
  // Nothing runs that needs stopping: an unscheduled pod, or one whose containers have all finished. A pod bound
  // to a node that does not exist has no kubelet to finish the deletion; the pod garbage collector would force it,
  // so it goes at once.
  if (typeof spec.nodeName !== 'string' || spec.nodeName === '' || !nodeExists(spec.nodeName)) grace = 0;
  if (status.phase === 'Succeeded' || status.phase === 'Failed') grace = 0;
  if (grace === 0) return undefined;
  metadata.deletionTimestamp = rfc3339(now.getTime() + grace * 1000);
  metadata.deletionGracePeriodSeconds = grace;
  stored.metadata = metadata;
  return { object: stored, changed: true };
}

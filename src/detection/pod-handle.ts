import type { PodFeatureVector } from '../metrics/feature-vector.js';
import type { PodRef } from '../metrics/feature-vector-builder.js';
import type { PodIdentity } from './rule-tracker.js';

/** What a detection cycle keys a pod by: its `namespace/name`, and its identity for the rule clocks (with its uid). */
export interface PodHandle {
  key: string;
  identity: PodIdentity;
}

/** A pod's key in a cycle's maps: `namespace/name`. */
export const podKey = (namespace: string, pod: string) => `${namespace}/${pod}`;

// Kept per pod object: the informer-backed selection hands out one object per pod version (workload-pods.ts), and
// never changes one, so a pod's keys are made once per version instead of in every cycle.
const handles = new WeakMap<PodRef, PodHandle>();

export function handleOf(pod: PodRef): PodHandle {
  let handle = handles.get(pod);
  if (!handle) {
    // Clocks are kept per pod uid: a pod recreated under the same name starts afresh.
    const identity: PodIdentity = pod.uid
      ? { namespace: pod.namespace, pod: pod.name, uid: pod.uid }
      : { namespace: pod.namespace, pod: pod.name };
    handle = { key: podKey(pod.namespace, pod.name), identity };
    handles.set(pod, handle);
  }
  return handle;
}

/**
 * The cycle's vectors by pod key. A source answers in the order it was asked (the builder does): each vector then
 * takes its pod's key, made once per pod version (handleOf), instead of a new key string per pod and cycle.
 * `asked` must be keyed by podKey(namespace, name), as handleOf keys them: both paths then give the same keys.
 */
export function vectorsByKey(
  vectors: readonly PodFeatureVector[],
  asked: ReadonlyMap<string, PodRef>,
): Map<string, PodFeatureVector> {
  const byKey = new Map<string, PodFeatureVector>();
  let i = 0;
  let inOrder = vectors.length === asked.size;
  for (const [key, pod] of asked) {
    if (!inOrder) break;
    const vector = vectors[i++] as PodFeatureVector;
    if (vector.pod !== pod.name || vector.namespace !== pod.namespace) inOrder = false;
    else byKey.set(key, vector);
  }
  if (inOrder) return byKey;
  byKey.clear();
  for (const v of vectors) byKey.set(podKey(v.namespace, v.pod), v);
  return byKey;
}

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

/** A cycle's vectors by pod key: what detection looks them up with. */
export interface VectorLookup {
  get(key: string): PodFeatureVector | undefined;
  readonly size: number;
}

/**
 * The cycle's vectors by pod key. A source answers in the order it was asked (the builder does): each vector is
 * then found at its pod's place in `asked.list`, through the asked pods' own index, and no Map is made per cycle.
 * An answer in another order, or with pods left out, is keyed by namespace and name instead.
 */
export function vectorsByKey(
  vectors: readonly PodFeatureVector[],
  asked: { readonly list: readonly PodRef[]; readonly positions: ReadonlyMap<string, number> },
): VectorLookup {
  let inOrder = vectors.length === asked.list.length;
  for (let i = 0; inOrder && i < vectors.length; i++) {
    const vector = vectors[i] as PodFeatureVector;
    const pod = asked.list[i] as PodRef;
    inOrder = vector.pod === pod.name && vector.namespace === pod.namespace;
  }
  if (inOrder) return new VectorsInOrder(vectors, asked.positions);
  const byKey = new Map<string, PodFeatureVector>();
  for (const v of vectors) byKey.set(podKey(v.namespace, v.pod), v);
  return byKey;
}

class VectorsInOrder implements VectorLookup {
  constructor(
    private readonly vectors: readonly PodFeatureVector[],
    private readonly positions: ReadonlyMap<string, number>,
  ) {}

  get size(): number {
    return this.vectors.length;
  }

  get(key: string): PodFeatureVector | undefined {
    const at = this.positions.get(key);
    return at === undefined ? undefined : this.vectors[at];
  }
}

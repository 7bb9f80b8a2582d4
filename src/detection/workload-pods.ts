import type { TargetRef } from '../policy/target-selection.js';
import type { TargetPod } from './detection-cycle.js';
import { statusSignals } from './status-signals.js';

/** The little detection needs of a Pod, ReplicaSet, Deployment or StatefulSet from the informer caches. */
export interface ObjectView {
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    deletionTimestamp?: string;
    ownerReferences?: ReadonlyArray<{ kind: string; name: string; uid?: string; controller?: boolean }>;
  };
  spec?: unknown;
  status?: unknown;
}

export interface WorkloadCaches {
  deployments: readonly ObjectView[];
  statefulSets: readonly ObjectView[];
  replicaSets: readonly ObjectView[];
  pods: readonly ObjectView[];
}

/** The controller ownerReference, if `owner` (kind, name and, when both know it, uid) controls `object`. */
function controlledBy(object: ObjectView, kind: string, owner: ObjectView): boolean {
  return (object.metadata.ownerReferences ?? []).some(
    (ref) =>
      ref.controller === true &&
      ref.kind === kind &&
      ref.name === owner.metadata.name &&
      (ref.uid === undefined || owner.metadata.uid === undefined || ref.uid === owner.metadata.uid),
  );
}

function phaseOf(pod: ObjectView): string | undefined {
  const phase = (pod.status as { phase?: unknown } | undefined)?.phase;
  return typeof phase === 'string' ? phase : undefined;
}

/** Pods that can be judged: not being deleted, and not finished (an evicted or completed pod has no metrics). */
function isLive(pod: ObjectView): boolean {
  const phase = phaseOf(pod);
  return pod.metadata.deletionTimestamp === undefined && phase !== 'Succeeded' && phase !== 'Failed';
}

// A cached pod object is replaced, never changed, when the pod changes: its ref (status signals included) is
// computed once per version instead of once per cycle.
const refs = new WeakMap<ObjectView, TargetPod>();

function toRef(pod: ObjectView): TargetPod {
  let ref = refs.get(pod);
  if (!ref) {
    ref = buildRef(pod);
    refs.set(pod, ref);
  }
  return ref;
}

function buildRef(pod: ObjectView): TargetPod {
  const nodeName = (pod.spec as { nodeName?: unknown } | undefined)?.nodeName;
  return {
    namespace: pod.metadata.namespace ?? '',
    name: pod.metadata.name,
    ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}),
    ...(typeof nodeName === 'string' && nodeName !== '' ? { nodeName } : {}),
    signals: statusSignals(pod),
  };
}

/** Objects by `namespace/name`. */
function byName(objects: readonly ObjectView[]): Map<string, ObjectView> {
  const index = new Map<string, ObjectView>();
  for (const o of objects) index.set(`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o);
  return index;
}

/**
 * Objects by each controller ownerReference they carry (`kind/namespace/name`), in cache order: one pass over the
 * cache instead of one per target. Candidates still go through controlledBy, which also checks the owner's uid.
 */
function byController(objects: readonly ObjectView[]): Map<string, ObjectView[]> {
  const index = new Map<string, ObjectView[]>();
  for (const o of objects) {
    for (const ref of o.metadata.ownerReferences ?? []) {
      if (ref.controller !== true) continue;
      const key = `${ref.kind}/${o.metadata.namespace ?? ''}/${ref.name}`;
      const list = index.get(key);
      if (list) list.push(o);
      else index.set(key, [o]);
    }
  }
  return index;
}

/**
 * The pods behind each target, by ownership rather than by label: a Deployment owns the pods of the ReplicaSets
 * it controls, a StatefulSet the pods it controls, a standalone Pod itself. Label selectors alone would pull in a
 * canary that shares `app: web`, or a Job's pods. Finished and terminating pods are left out; spec.nodeName,
 * when scheduled, lets the feature builder skip the kube_pod_info join. The caches are indexed once per call
 * (by name and by controller), so the cost is linear in the cluster, not targets x pods.
 */
export function podsOfTargets(
  targets: readonly TargetRef[],
  caches: WorkloadCaches,
): Array<{ target: TargetRef; pods: TargetPod[] }> {
  const live = caches.pods.filter(isLive);
  // Built when first needed: most selections have no standalone Pod and no Deployment mid-rollout.
  let position: Map<ObjectView, number> | undefined;
  let podsByName: Map<string, ObjectView> | undefined;
  const podsByOwner = byController(live);
  const setsByOwner = byController(caches.replicaSets);
  const deployments = byName(caches.deployments);
  const statefulSets = byName(caches.statefulSets);
  const owned = (kind: string, owner: ObjectView) =>
    (podsByOwner.get(`${kind}/${owner.metadata.namespace ?? ''}/${owner.metadata.name}`) ?? []).filter((p) =>
      controlledBy(p, kind, owner),
    );
  return targets.map((target) => {
    const key = `${target.namespace}/${target.name}`;
    if (target.kind === 'Pod') {
      podsByName ??= byName(live);
      const pod = podsByName.get(key);
      return { target, pods: pod ? [toRef(pod)] : [] };
    }
    if (target.kind === 'StatefulSet') {
      const owner = statefulSets.get(key);
      return { target, pods: owner ? owned('StatefulSet', owner).map(toRef) : [] };
    }
    const owner = deployments.get(key);
    const sets = owner
      ? (setsByOwner.get(`Deployment/${key}`) ?? []).filter((rs) => controlledBy(rs, 'Deployment', owner))
      : [];
    const pods = sets.flatMap((rs) => owned('ReplicaSet', rs));
    if (sets.length > 1) {
      // A Deployment's pods come from several ReplicaSets; they are listed in cache order, as the pods are.
      position ??= new Map(live.map((p, i) => [p, i]));
      const at = position;
      pods.sort((a, b) => (at.get(a) ?? 0) - (at.get(b) ?? 0));
    }
    return { target, pods: pods.map(toRef) };
  });
}

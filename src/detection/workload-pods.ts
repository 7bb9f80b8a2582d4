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

function toRef(pod: ObjectView): TargetPod {
  const nodeName = (pod.spec as { nodeName?: unknown } | undefined)?.nodeName;
  return {
    namespace: pod.metadata.namespace ?? '',
    name: pod.metadata.name,
    ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}),
    ...(typeof nodeName === 'string' && nodeName !== '' ? { nodeName } : {}),
    signals: statusSignals(pod),
  };
}

function byNamespace(objects: readonly ObjectView[]): Map<string, ObjectView[]> {
  const index = new Map<string, ObjectView[]>();
  for (const o of objects) {
    const ns = o.metadata.namespace ?? '';
    const list = index.get(ns);
    if (list) list.push(o);
    else index.set(ns, [o]);
  }
  return index;
}

/**
 * The pods behind each target, by ownership rather than by label: a Deployment owns the pods of the ReplicaSets
 * it controls, a StatefulSet the pods it controls, a standalone Pod itself. Label selectors alone would pull in a
 * canary that shares `app: web`, or a Job's pods. Finished and terminating pods are left out; spec.nodeName,
 * when scheduled, lets the feature builder skip the kube_pod_info join. Objects are indexed by namespace once.
 */
export function podsOfTargets(
  targets: readonly TargetRef[],
  caches: WorkloadCaches,
): Array<{ target: TargetRef; pods: TargetPod[] }> {
  const pods = byNamespace(caches.pods.filter(isLive));
  const replicaSets = byNamespace(caches.replicaSets);
  const deployments = byNamespace(caches.deployments);
  const statefulSets = byNamespace(caches.statefulSets);
  return targets.map((target) => {
    const inNamespace = pods.get(target.namespace) ?? [];
    if (target.kind === 'Pod') {
      const pod = inNamespace.find((p) => p.metadata.name === target.name);
      return { target, pods: pod ? [toRef(pod)] : [] };
    }
    if (target.kind === 'StatefulSet') {
      const owner = statefulSets.get(target.namespace)?.find((w) => w.metadata.name === target.name);
      const owned = owner ? inNamespace.filter((p) => controlledBy(p, 'StatefulSet', owner)) : [];
      return { target, pods: owned.map(toRef) };
    }
    const owner = deployments.get(target.namespace)?.find((w) => w.metadata.name === target.name);
    const sets = owner
      ? (replicaSets.get(target.namespace) ?? []).filter((rs) => controlledBy(rs, 'Deployment', owner))
      : [];
    const owned = inNamespace.filter((p) => sets.some((rs) => controlledBy(p, 'ReplicaSet', rs)));
    return { target, pods: owned.map(toRef) };
  });
}

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

/** The caches' objects indexed for podsOf: built once per cache version, read by any number of selections. */
export interface WorkloadIndexes {
  deployments: Map<string, ObjectView>;
  statefulSets: Map<string, ObjectView>;
  /** ReplicaSets by controller (`Deployment/namespace/name`). */
  setsByOwner: Map<string, ObjectView[]>;
  pods: PodIndex;
}

/** The live pods, by controller; by name and by cache position only once something asks (lazily). */
export interface PodIndex {
  live: readonly ObjectView[];
  byOwner: Map<string, ObjectView[]>;
  byName?: Map<string, ObjectView>;
  position?: Map<ObjectView, number>;
}

function indexPods(pods: readonly ObjectView[]): PodIndex {
  const live = pods.filter(isLive);
  return { live, byOwner: byController(live) };
}

export function indexWorkloads(caches: WorkloadCaches): WorkloadIndexes {
  return {
    deployments: byName(caches.deployments),
    statefulSets: byName(caches.statefulSets),
    setsByOwner: byController(caches.replicaSets),
    pods: indexPods(caches.pods),
  };
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
  return podsOfIndexed(targets, indexWorkloads(caches));
}

/** An informer-like cache: its objects, and a number that moves whenever they change (Informer.revision). */
export interface RevisionedCache {
  list(): readonly ObjectView[];
  revision(): number;
}

/**
 * WorkloadIndexes kept across calls, like client-go's indexers but rebuilt rather than patched: each part is
 * rebuilt only when its own cache's revision moved, so a pod's status change re-indexes the pods and nothing
 * else, and every selection between two changes shares one index. Rebuilding (instead of applying each event)
 * keeps the cache order a relist establishes, which the multi-ReplicaSet ordering relies on.
 */
export class RevisionedWorkloadIndexes {
  private built: { revisions: number[]; index: WorkloadIndexes } | undefined;

  constructor(private readonly caches: { [K in keyof WorkloadCaches]: RevisionedCache }) {}

  /** The caches' revisions, in a fixed order: deployments, statefulSets, replicaSets, pods. */
  revisions(): number[] {
    const { deployments, statefulSets, replicaSets, pods } = this.caches;
    return [deployments.revision(), statefulSets.revision(), replicaSets.revision(), pods.revision()];
  }

  current(): WorkloadIndexes {
    const now = this.revisions();
    const before = this.built;
    const stale = (i: number) => before?.revisions[i] !== now[i];
    if (before && !now.some((_, i) => stale(i))) return before.index;
    const { deployments, statefulSets, replicaSets, pods } = this.caches;
    const index: WorkloadIndexes = {
      deployments: !before || stale(0) ? byName(deployments.list()) : before.index.deployments,
      statefulSets: !before || stale(1) ? byName(statefulSets.list()) : before.index.statefulSets,
      setsByOwner: !before || stale(2) ? byController(replicaSets.list()) : before.index.setsByOwner,
      pods: !before || stale(3) ? indexPods(pods.list()) : before.index.pods,
    };
    this.built = { revisions: now, index };
    return index;
  }
}

/** podsOfTargets over indexes built beforehand (indexWorkloads, or kept per cache revision). */
export function podsOfIndexed(
  targets: readonly TargetRef[],
  index: WorkloadIndexes,
): Array<{ target: TargetRef; pods: TargetPod[] }> {
  const { deployments, statefulSets, setsByOwner, pods: podIndex } = index;
  // Plain loops into one array (no filter/flatMap/map chains): at 10,000 pods those allocations were most of
  // the cost.
  const owned = (into: ObjectView[], kind: string, owner: ObjectView) => {
    const candidates = podIndex.byOwner.get(
      `${kind}/${owner.metadata.namespace ?? ''}/${owner.metadata.name}`,
    );
    for (const pod of candidates ?? []) if (controlledBy(pod, kind, owner)) into.push(pod);
    return into;
  };
  return targets.map((target) => {
    const key = `${target.namespace}/${target.name}`;
    if (target.kind === 'Pod') {
      // Built when first needed: most selections have no standalone Pod and no Deployment mid-rollout.
      podIndex.byName ??= byName(podIndex.live);
      const pod = podIndex.byName.get(key);
      return { target, pods: pod ? [toRef(pod)] : [] };
    }
    if (target.kind === 'StatefulSet') {
      const owner = statefulSets.get(key);
      return { target, pods: owner ? owned([], 'StatefulSet', owner).map(toRef) : [] };
    }
    const owner = deployments.get(key);
    const pods: ObjectView[] = [];
    let sets = 0;
    for (const rs of (owner && setsByOwner.get(`Deployment/${key}`)) || []) {
      if (!owner || !controlledBy(rs, 'Deployment', owner)) continue;
      sets++;
      owned(pods, 'ReplicaSet', rs);
    }
    if (sets > 1) {
      // A Deployment's pods come from several ReplicaSets; they are listed in cache order, as the pods are.
      podIndex.position ??= new Map(podIndex.live.map((p, i) => [p, i]));
      const at = podIndex.position;
      pods.sort((a, b) => (at.get(a) ?? 0) - (at.get(b) ?? 0));
    }
    return { target, pods: pods.map(toRef) };
  });
}

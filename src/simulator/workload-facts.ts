import type { KubeObject } from '../kube/kube-object.js';
import type { ClusterState } from './cluster-state.js';
import {
  CONTROLLER_REVISION_HASH,
  controllerOf,
  labelsOf,
  num,
  POD_TEMPLATE_HASH,
  spec,
  timeMs,
  uidOf,
} from './objects.js';
import type { WorkloadFacts } from './trouble-ledger.js';

/** The workload a pod belongs to, for behaviour annotations and cures: its top controller, or the pod itself. */
export interface PodWorkload {
  /**
   * `Deployment/<uid>`, `StatefulSet/<uid>`, `ReplicaSet/<uid>` (a workload re-created under an old name is a new
   * one), or `Pod/ns/name` for a bare pod (re-created by hand under the same name, it is the same workload).
   */
  key: string;
  object: KubeObject | undefined;
  facts: WorkloadFacts;
  /** The pod's template identity within the workload (pod-template-hash or controller-revision-hash). */
  templateHash: string | undefined;
}

function byCreation(state: ClusterState, objects: KubeObject[]): KubeObject[] {
  return [...objects].sort(
    (a, b) =>
      (timeMs(a.metadata.creationTimestamp) ?? 0) - (timeMs(b.metadata.creationTimestamp) ?? 0) ||
      state.firstSeen(uidOf(a)) - state.firstSeen(uidOf(b)),
  );
}

export function workloadOf(state: ClusterState, pod: KubeObject): PodWorkload {
  const ns = pod.metadata.namespace ?? '';
  const owner = controllerOf(pod);
  if (owner?.kind === 'ReplicaSet') {
    const rs = state.byUid(owner.uid);
    const rsOwner = rs ? controllerOf(rs) : undefined;
    const deployment = rsOwner?.kind === 'Deployment' ? state.byUid(rsOwner.uid) : undefined;
    if (deployment) {
      const rss = byCreation(state, state.ownedBy('replicasets', uidOf(deployment)));
      return {
        key: `Deployment/${uidOf(deployment)}`,
        object: deployment,
        facts: {
          replicas: num(spec(deployment).replicas, 1),
          templatesByCreation: rss.map((r) => labelsOf(r)[POD_TEMPLATE_HASH] ?? r.metadata.name),
        },
        templateHash: labelsOf(pod)[POD_TEMPLATE_HASH],
      };
    }
    return {
      key: `ReplicaSet/${owner.uid}`,
      object: rs,
      facts: { replicas: num(rs ? spec(rs).replicas : 1, 1), templatesByCreation: [] },
      templateHash: undefined,
    };
  }
  if (owner?.kind === 'StatefulSet') {
    const sts = state.byUid(owner.uid);
    const revisions = sts ? byCreation(state, state.ownedBy('controllerrevisions', uidOf(sts))) : [];
    return {
      key: `StatefulSet/${owner.uid}`,
      object: sts,
      facts: {
        replicas: num(sts ? spec(sts).replicas : 1, 1),
        templatesByCreation: revisions.map((r) => r.metadata.name),
      },
      templateHash: labelsOf(pod)[CONTROLLER_REVISION_HASH],
    };
  }
  return {
    key: `Pod/${ns}/${pod.metadata.name}`,
    object: undefined,
    facts: { replicas: 1, templatesByCreation: [] },
    templateHash: undefined,
  };
}

import type { KubeObject } from '../kube/kube-object.js';
import type { Workload } from '../policy/target-selection.js';

/** The informer caches' objects as the candidates target selection chooses from. */
export function workloadsOf(
  deployments: KubeObject[],
  statefulSets: KubeObject[],
  pods: KubeObject[],
): Workload[] {
  const toWorkload = (kind: Workload['kind'], o: KubeObject): Workload => ({
    kind,
    namespace: o.metadata.namespace ?? '',
    name: o.metadata.name,
    labels: o.metadata.labels,
    controlled: (o.metadata.ownerReferences ?? []).some((ref) => ref.controller === true),
    deleting: o.metadata.deletionTimestamp !== undefined,
  });
  return [
    ...deployments.map((o) => toWorkload('Deployment', o)),
    ...statefulSets.map((o) => toWorkload('StatefulSet', o)),
    ...pods.map((o) => toWorkload('Pod', o)),
  ];
}

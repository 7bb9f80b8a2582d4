import type { InformerHandler } from '../controller/informer.js';
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

const sameLabels = (a: Record<string, string> | undefined, b: Record<string, string> | undefined) => {
  const ka = Object.keys(a ?? {});
  return ka.length === Object.keys(b ?? {}).length && ka.every((k) => a?.[k] === b?.[k]);
};

const controllerOf = (o: KubeObject) => {
  const ref = (o.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  return ref ? `${ref.kind}/${ref.name}/${ref.uid ?? ''}` : '';
};

/**
 * Whether an update can change what a policy selects or how its status counts targets: selectTargets reads a
 * workload's labels, controller and deletion only. A pod's status changes (most events of a cluster) cannot;
 * what detection reads of pods it takes from the caches at each cycle.
 */
export function selectionMayChange(before: KubeObject | undefined, after: KubeObject): boolean {
  return (
    before === undefined ||
    before.metadata.deletionTimestamp !== after.metadata.deletionTimestamp ||
    !sameLabels(before.metadata.labels, after.metadata.labels) ||
    controllerOf(before) !== controllerOf(after)
  );
}

interface WorkloadCache {
  list(): KubeObject[];
  on(handler: InformerHandler): void;
}

/**
 * workloadsOf over the informer caches, rebuilt only after a change that can alter selection: reconciles and
 * cycles share one list instead of converting every Deployment, StatefulSet and Pod each time.
 */
export class WorkloadCatalog {
  private cached: Workload[] | undefined;
  private changes = 0;

  constructor(
    private readonly caches: { deployments: WorkloadCache; statefulSets: WorkloadCache; pods: WorkloadCache },
  ) {
    const invalidate: InformerHandler = (type, object, previous) => {
      if (type !== 'update' || selectionMayChange(previous, object)) {
        this.cached = undefined;
        this.changes++;
      }
    };
    for (const cache of [caches.deployments, caches.statefulSets, caches.pods]) cache.on(invalidate);
  }

  /** Moves whenever list() may answer differently: what was selected from it before is current until then. */
  revision(): number {
    return this.changes;
  }

  list(): readonly Workload[] {
    const { deployments, statefulSets, pods } = this.caches;
    this.cached ??= workloadsOf(deployments.list(), statefulSets.list(), pods.list());
    return this.cached;
  }
}

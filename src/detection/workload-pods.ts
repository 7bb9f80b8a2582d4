import type { PodRef } from '../metrics/feature-vector-builder.js';
import { matchesSelector } from '../policy/label-selector.js';
import type { LabelSelector } from '../policy/spec-schema.js';
import type { TargetRef } from '../policy/target-selection.js';

/** The little detection needs of a Pod, a Deployment or a StatefulSet from the informer caches. */
export interface ObjectView {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec?: unknown;
}

function selectorOf(workload: ObjectView): LabelSelector | undefined {
  const spec = workload.spec as { selector?: LabelSelector } | undefined;
  const selector = spec?.selector;
  const empty =
    !selector ||
    (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0);
  // A workload with an empty selector owns no pods (the apiserver refuses one; never treat it as "all pods").
  return empty ? undefined : selector;
}

function nodeOf(pod: ObjectView): string | undefined {
  const nodeName = (pod.spec as { nodeName?: unknown } | undefined)?.nodeName;
  return typeof nodeName === 'string' && nodeName !== '' ? nodeName : undefined;
}

/**
 * The pods behind each target: a standalone Pod is its own, a Deployment or StatefulSet owns the pods its
 * selector matches in its namespace. Pods being deleted are left out; spec.nodeName, when scheduled, lets the
 * feature builder skip the kube_pod_info join.
 */
export function podsOfTargets(
  targets: readonly TargetRef[],
  workloads: {
    deployments: readonly ObjectView[];
    statefulSets: readonly ObjectView[];
    pods: readonly ObjectView[];
  },
): Array<{ target: TargetRef; pods: PodRef[] }> {
  const live = workloads.pods.filter((p) => p.metadata.deletionTimestamp === undefined);
  const toRef = (pod: ObjectView): PodRef => {
    const node = nodeOf(pod);
    return {
      namespace: pod.metadata.namespace ?? '',
      name: pod.metadata.name,
      ...(node ? { nodeName: node } : {}),
    };
  };
  return targets.map((target) => {
    if (target.kind === 'Pod') {
      const pod = live.find(
        (p) => p.metadata.namespace === target.namespace && p.metadata.name === target.name,
      );
      return { target, pods: pod ? [toRef(pod)] : [] };
    }
    const owners = target.kind === 'Deployment' ? workloads.deployments : workloads.statefulSets;
    const owner = owners.find(
      (w) => w.metadata.namespace === target.namespace && w.metadata.name === target.name,
    );
    const selector = owner ? selectorOf(owner) : undefined;
    const pods = selector
      ? live.filter(
          (p) => p.metadata.namespace === target.namespace && matchesSelector(selector, p.metadata.labels),
        )
      : [];
    return { target, pods: pods.map(toRef) };
  });
}

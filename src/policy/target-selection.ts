import { matchesSelector } from './label-selector.js';
import type { PolicySpec, TargetKind } from './spec-schema.js';

/** The little a selection needs to know about a workload: kept free of Kubernetes client types. */
export interface Workload {
  kind: TargetKind;
  namespace: string;
  name: string;
  labels?: Record<string, string>;
  /** True for Pods created by a controller (ReplicaSet, StatefulSet, Job...): those are not standalone targets. */
  controlled?: boolean;
  deleting?: boolean;
}

export interface TargetRef {
  kind: TargetKind;
  namespace: string;
  name: string;
}

/**
 * Where a policy lives, which decides the namespaces it may cover: a RemediationPolicy its own namespace only
 * (as NetworkPolicy and PodDisruptionBudget), a ClusterRemediationPolicy the namespaces its
 * targets.namespaceSelector selects.
 */
export type PolicyScope = { scope: 'Namespaced'; namespace: string } | { scope: 'Cluster' };

/** Namespace name -> that Namespace object's labels, for a cluster policy's namespaceSelector. */
export type NamespaceLabels = ReadonlyMap<string, Record<string, string>>;

export function namespacedScope(namespace: string): PolicyScope {
  return { scope: 'Namespaced', namespace };
}

/**
 * Whether a policy covers a namespace. A cluster policy with no (or an empty) namespaceSelector covers every
 * namespace; with a non-empty one, a namespace whose labels are unknown is not covered: the engine never acts
 * where it cannot tell that the selector allows it.
 */
export function coversNamespace(
  policy: PolicyScope,
  spec: PolicySpec,
  namespace: string,
  namespaceLabels?: NamespaceLabels,
): boolean {
  if (policy.scope === 'Namespaced') return namespace === policy.namespace;
  const selector = spec.targets.namespaceSelector;
  if (!selector || isEmptySelector(selector)) return true;
  const labels = namespaceLabels?.get(namespace);
  return labels !== undefined && matchesSelector(selector, labels);
}

function isEmptySelector(selector: NonNullable<PolicySpec['targets']['namespaceSelector']>): boolean {
  return (
    Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0
  );
}

/** Workloads a policy selects, in a stable order: kind, namespace, name. */
export function selectTargets(
  policy: PolicyScope,
  spec: PolicySpec,
  workloads: Iterable<Workload>,
  namespaceLabels?: NamespaceLabels,
): TargetRef[] {
  const kinds = new Set(spec.targets.kinds);
  const covered = new Map<string, boolean>();
  const covers = (namespace: string) => {
    let answer = covered.get(namespace);
    if (answer === undefined) {
      answer = coversNamespace(policy, spec, namespace, namespaceLabels);
      covered.set(namespace, answer);
    }
    return answer;
  };
  const selected: TargetRef[] = [];
  for (const w of workloads) {
    if (!kinds.has(w.kind) || w.deleting || !covers(w.namespace)) continue;
    if (w.kind === 'Pod' && w.controlled) continue;
    if (!matchesSelector(spec.targets.selector, w.labels)) continue;
    if (isExcluded(spec, w)) continue;
    selected.push({ kind: w.kind, namespace: w.namespace, name: w.name });
  }
  return selected.sort(
    (a, b) =>
      a.kind.localeCompare(b.kind) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name),
  );
}

function isExcluded(spec: PolicySpec, w: Workload): boolean {
  return spec.targets.exclude.some(
    (ex) =>
      (ex.kind === undefined || ex.kind === w.kind) &&
      (ex.namespace === undefined || ex.namespace === w.namespace) &&
      (ex.name === undefined || ex.name === w.name) &&
      (ex.selector === undefined || matchesSelector(ex.selector, w.labels)),
  );
}

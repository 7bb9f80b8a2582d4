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

/** Namespaces a policy covers: the listed ones, or its own (as NetworkPolicy and PodDisruptionBudget do). */
export function coveredNamespaces(policyNamespace: string, spec: PolicySpec): string[] {
  return spec.targets.namespaces.length > 0 ? spec.targets.namespaces : [policyNamespace];
}

/** Workloads a policy selects, in a stable order: kind, namespace, name. */
export function selectTargets(
  policyNamespace: string,
  spec: PolicySpec,
  workloads: Iterable<Workload>,
): TargetRef[] {
  const namespaces = new Set(coveredNamespaces(policyNamespace, spec));
  const kinds = new Set(spec.targets.kinds);
  const selected: TargetRef[] = [];
  for (const w of workloads) {
    if (!kinds.has(w.kind) || !namespaces.has(w.namespace) || w.deleting) continue;
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

/** Identity of the policy APIs: one place for the strings the CRDs, clients and tests share. */
export const POLICY_GROUP = 'coordination-engine.io';
export const POLICY_VERSION = 'v1alpha1';
export const POLICY_API_VERSION = `${POLICY_GROUP}/${POLICY_VERSION}`;
/** Namespaced: covers workloads in its own namespace only. */
export const POLICY_KIND = 'RemediationPolicy';
export const POLICY_PLURAL = 'remediationpolicies';
/** Cluster-scoped: covers the namespaces its targets.namespaceSelector selects (all when absent). */
export const CLUSTER_POLICY_KIND = 'ClusterRemediationPolicy';
export const CLUSTER_POLICY_PLURAL = 'clusterremediationpolicies';

export type PolicyKind = typeof POLICY_KIND | typeof CLUSTER_POLICY_KIND;
/** The scope of a policy kind, as the CRD's spec.scope spells it. */
export type PolicyScopeName = 'Namespaced' | 'Cluster';

export function scopeOfKind(kind: PolicyKind): PolicyScopeName {
  return kind === CLUSTER_POLICY_KIND ? 'Cluster' : 'Namespaced';
}

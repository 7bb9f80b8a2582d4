import type { KubeObject } from '../kube/kube-object.js';
import { CLUSTER_POLICY_KIND, POLICY_KIND, type PolicyKind, scopeOfKind } from '../policy/api-group.js';
import { namespacedScope, type PolicyScope } from '../policy/target-selection.js';

const isPolicyKind = (kind: string | undefined): kind is PolicyKind =>
  kind === POLICY_KIND || kind === CLUSTER_POLICY_KIND;

/**
 * Where a policy object applies: a RemediationPolicy its own namespace, a ClusterRemediationPolicy the namespaces
 * its namespaceSelector picks. The kind decides (the API server sets it on every custom resource it returns); an
 * object without a known kind is judged by where it lives, as only cluster-scoped objects have no namespace.
 */
export function policyScopeOf(policy: KubeObject): PolicyScope {
  const scope = isPolicyKind(policy.kind)
    ? scopeOfKind(policy.kind)
    : policy.metadata.namespace === undefined
      ? 'Cluster'
      : 'Namespaced';
  return scope === 'Cluster' ? { scope } : namespacedScope(policy.metadata.namespace ?? 'default');
}

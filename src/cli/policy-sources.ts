import type { CacheGroup } from '../controller/cache-group.js';
import { type InformerHandler, keyOf } from '../controller/informer.js';
import { policyScopeOf } from '../controller/policy-scope.js';
import { ValidatedPolicies } from '../controller/validated-policies.js';
import type { KubeObject } from '../kube/kube-object.js';
import { CLUSTER_POLICY_PLURAL, POLICY_GROUP, POLICY_PLURAL, POLICY_VERSION } from '../policy/api-group.js';
import { coversNamespace, type NamespaceLabels, type PolicyScope } from '../policy/target-selection.js';
import type { PolicyValidation } from '../policy/validate.js';

/** Builds one informer cache; `clusterScoped` ones are listed cluster-wide whatever --namespaces says. */
export type CacheFactory = (
  resource: string,
  groupVersionPath: string,
  plural: string,
  clusterScoped?: boolean,
) => CacheGroup;

/**
 * Both policy kinds as one source, plus the Namespace labels a ClusterRemediationPolicy's namespaceSelector is
 * matched against. Keys are the informers' (keyOf): `namespace/name` for a RemediationPolicy, `name` for a
 * ClusterRemediationPolicy. Object names never contain '/', so the two kinds never share a key.
 */
export interface PolicySources {
  /** The policy and Namespace caches, for starting, stopping, sync and health. */
  readonly caches: readonly CacheGroup[];
  /** Every policy of both kinds. */
  list(): KubeObject[];
  get(key: string): KubeObject | undefined;
  scopeOf(policy: KubeObject): PolicyScope;
  /** A Namespace's labels; undefined when the Namespace is not (yet) known. */
  namespaceLabels(namespace: string): Record<string, string> | undefined;
  namespaceLabelMap(): NamespaceLabels;
  /** Moves whenever a Namespace (and so maybe its labels) changes: namespaceLabelMap() is current until then. */
  namespacesRevision(): number;
  /** Keys of the valid policies that cover a namespace: those a change to a workload there concerns. */
  coveringNamespace(namespace: string): string[];
  /** The policy's validation, remembered per uid and generation (validated-policies.ts). */
  validate(policy: KubeObject): PolicyValidation;
  /**
   * Calls `enqueue` with the key of every policy that changed, and of every cluster policy when a Namespace
   * appears, goes away or changes its labels (a namespaceSelector may now match it, or no longer).
   */
  onChange(enqueue: (key: string) => void): void;
  /**
   * Calls `listener` when a policy of either kind appears or goes, gets a new generation (its spec was edited) or
   * starts being deleted: what can make a policy due at once, or end it. Not for status-only updates.
   */
  onSpecChange(listener: () => void): void;
}

export function createPolicySources(cache: CacheFactory): PolicySources {
  const apiPath = `/apis/${POLICY_GROUP}/${POLICY_VERSION}`;
  const policies = cache('remediationpolicies', apiPath, POLICY_PLURAL);
  const clusterPolicies = cache(CLUSTER_POLICY_PLURAL, apiPath, CLUSTER_POLICY_PLURAL, true);
  const namespaces = cache('namespaces', '/api/v1', 'namespaces', true);

  const labelsOf = (namespace: KubeObject) => namespace.metadata.labels ?? {};
  const namespaceLabels = (name: string) => {
    const namespace = namespaces.get(name);
    return namespace ? labelsOf(namespace) : undefined;
  };
  const namespaceLabelMap = (): NamespaceLabels =>
    new Map(namespaces.list().map((ns) => [ns.metadata.name, labelsOf(ns)]));
  const list = () => [...policies.list(), ...clusterPolicies.list()];
  const validated = new ValidatedPolicies();
  // RemediationPolicies by the namespace they cover (their own): a workload event looks at those of its
  // namespace, not at every policy in the cluster.
  const byNamespace = new Map<string, Map<string, KubeObject>>();
  // coveringNamespace's answer per namespace, until a policy or Namespace changes: the 10,000 pod events of a
  // sync (or a rollout) in one namespace ask the same question.
  const covering = new Map<string, string[]>();
  namespaces.on(() => covering.clear());
  policies.on((type, policy) => {
    covering.clear();
    const scope = policyScopeOf(policy);
    const namespace = scope.scope === 'Namespaced' ? scope.namespace : '';
    if (type === 'delete') {
      byNamespace.get(namespace)?.delete(keyOf(policy));
      validated.forget(policy);
      return;
    }
    const here = byNamespace.get(namespace) ?? new Map<string, KubeObject>();
    byNamespace.set(namespace, here);
    here.set(keyOf(policy), policy);
  });
  clusterPolicies.on((type, policy) => {
    covering.clear();
    if (type === 'delete') validated.forget(policy);
  });

  return {
    caches: [policies, clusterPolicies, namespaces],
    list,
    get: (key) => (key.includes('/') ? policies.get(key) : clusterPolicies.get(key)),
    scopeOf: policyScopeOf,
    namespaceLabels,
    namespaceLabelMap,
    namespacesRevision: () => namespaces.revision(),
    coveringNamespace(namespace) {
      const remembered = covering.get(namespace);
      if (remembered) return [...remembered];
      // Only this namespace's labels are needed: no map of every Namespace on each workload event.
      const known = namespaceLabels(namespace);
      const labels: NamespaceLabels = new Map(known ? [[namespace, known]] : []);
      const keys: string[] = [];
      const candidates = [...(byNamespace.get(namespace)?.values() ?? []), ...clusterPolicies.list()];
      for (const policy of candidates) {
        const validation = validated.validate(policy);
        if (validation.valid && coversNamespace(policyScopeOf(policy), validation.spec, namespace, labels)) {
          keys.push(keyOf(policy));
        }
      }
      covering.set(namespace, keys);
      return [...keys];
    },
    validate: (policy) => validated.validate(policy),
    onSpecChange(listener) {
      const onPolicy: InformerHandler = (type, policy, previous) => {
        if (
          type !== 'update' ||
          policy.metadata.generation !== previous?.metadata.generation ||
          Boolean(policy.metadata.deletionTimestamp) !== Boolean(previous?.metadata.deletionTimestamp)
        )
          listener();
      };
      policies.on(onPolicy);
      clusterPolicies.on(onPolicy);
    },
    onChange(enqueue) {
      const onPolicy = (type: string, policy: KubeObject) => {
        if (type !== 'delete') enqueue(keyOf(policy));
      };
      policies.on(onPolicy);
      clusterPolicies.on(onPolicy);
      // Remember each Namespace's labels, to tell a label change from any other update.
      const seen = new Map<string, string>();
      namespaces.on((type, namespace) => {
        const name = namespace.metadata.name;
        const labels = JSON.stringify(Object.entries(labelsOf(namespace)).sort());
        if (type === 'delete') seen.delete(name);
        else if (seen.get(name) === labels) return;
        else seen.set(name, labels);
        for (const policy of clusterPolicies.list()) enqueue(keyOf(policy));
      });
    },
  };
}

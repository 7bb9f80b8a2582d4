import type { JsonObject } from '../../src/json/json-value.js';
import type { AuthorizationRecord } from '../../src/sandbox/access-control.js';
import { authorize, type RbacObjects } from '../../src/sandbox/rbac.js';
import type { KubeManifest } from '../support/helm-chart.js';
import {
  type RbacObject,
  type RbacRule,
  type RuleRef,
  rulesOf,
  sameRole,
  withoutRule,
} from './rbac-cluster.js';
import type { RbacScenario } from './rbac-scenarios.js';

/**
 * Necessity computed from the sandbox's record of a full-rules run: which rule authorised each of the engine's
 * requests, and which of those requests the same authorizer denies once that rule (or one verb of it) is gone.
 */

export const EVERY_SCENARIO = '(every scenario: the engine cannot start)';

export function rbacObjects(docs: readonly KubeManifest[]): RbacObjects {
  const of = (kind: string) => docs.filter((d) => d.kind === kind) as unknown as JsonObject[];
  return {
    roles: of('Role'),
    clusterRoles: of('ClusterRole'),
    roleBindings: of('RoleBinding'),
    clusterRoleBindings: of('ClusterRoleBinding'),
  };
}

const grantedBy = (ref: RuleRef) => (d: AuthorizationRecord) => {
  const g = d.decision.grant;
  return g !== undefined && g.role.kind === ref.kind && g.role.name === ref.name && g.rule === ref.index;
};

/** The requests this rule allowed that nothing else allows: denied when it is removed. */
export function deniedWithout(
  rbac: readonly KubeManifest[],
  decisions: readonly AuthorizationRecord[],
  ref: RuleRef,
): AuthorizationRecord[] {
  const reduced = rbacObjects(withoutRule(rbac, ref));
  return decisions.filter(grantedBy(ref)).filter((d) => !authorize(d.attributes, reduced).allowed);
}

/** One verb on one resource of one rule, e.g. `create pods/eviction`. */
export interface VerbGrant {
  ref: RuleRef;
  resource: string;
  verb: string;
}

/** Every (resource, verb) a rule grants: the finest thing a chart author could leave out. */
export function verbGrants(rbac: readonly KubeManifest[]): VerbGrant[] {
  return rulesOf(rbac).flatMap(({ ref, rule }) =>
    rule.resources.flatMap((resource) => rule.verbs.map((verb) => ({ ref, resource, verb }))),
  );
}

/** The RBAC objects with one verb on one resource taken out of a rule (the rest of the rule kept). */
function withoutVerb(rbac: readonly KubeManifest[], g: VerbGrant): KubeManifest[] {
  return rbac.map((doc) => {
    if (!sameRole(g.ref, doc)) return doc;
    const rules = (doc as RbacObject).rules.flatMap((rule, i): RbacRule[] => {
      if (i !== g.ref.index) return [rule];
      const others = rule.resources.filter((r) => r !== g.resource);
      const verbs = rule.verbs.filter((v) => v !== g.verb);
      return [
        ...(others.length > 0 ? [{ ...rule, resources: others }] : []),
        ...(verbs.length > 0 ? [{ ...rule, resources: [g.resource], verbs }] : []),
      ];
    });
    return { ...doc, rules };
  });
}

export function deniedWithoutVerb(
  rbac: readonly KubeManifest[],
  decisions: readonly AuthorizationRecord[],
  g: VerbGrant,
): AuthorizationRecord[] {
  const reduced = rbacObjects(withoutVerb(rbac, g));
  return decisions.filter(grantedBy(g.ref)).filter((d) => !authorize(d.attributes, reduced).allowed);
}

/**
 * The named scenarios a request serves: by the namespace it is in, or the cluster-scoped object it names. Events in
 * "default" are about ClusterRemediationPolicies, as are lists of records in all namespaces; anything else cluster-wide (the informers' lists and watches)
 * serves every scenario, since the engine does not start without it.
 */
export function scenariosOf(scenarios: readonly RbacScenario[], d: AuthorizationRecord): string[] {
  const { namespace, name, resource } = d.attributes;
  const clusterPolicies = (s: RbacScenario) => (s.clusterObjects ?? []).length > 0;
  const own = scenarios.filter((s) =>
    namespace
      ? s.namespaces.includes(namespace) || (namespace === 'default' && clusterPolicies(s))
      : name !== undefined
        ? (s.clusterObjects ?? []).includes(name)
        : // A cluster policy's records are listed in all namespaces at once.
          resource === 'remediations' && clusterPolicies(s),
  );
  return own.length > 0 ? own.map((s) => s.name.split(':')[0] ?? s.name) : [EVERY_SCENARIO];
}

import { describe, expect, it } from 'vitest';
import { findManifest, type KubeManifest, renderChart } from '../support/helm-chart.js';

// The chart's RBAC: exactly the verbs the engine's code sends (each rule's comment in _helpers.tpl names the code),
// nothing on Secrets, cluster-wide by default and namespaced Roles for a namespace list. Whether the engine really
// works with no more than these rules, and needs each, is proved by running it as the chart's ServiceAccount
// (test/e2e/rbac-least-privilege.test.ts, rbac-rule-removal.test.ts).

const NS = 'coordination-engine';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
type RbacObject = KubeManifest & { rules: Rule[] };
type Binding = KubeManifest & {
  roleRef: { kind: string; name: string };
  subjects: { kind: string; name: string; namespace: string }[];
};

/** Every rule split into (group, resource, verb[, name]) grants, sorted, to compare permission sets. */
function grants(rules: readonly Rule[]): string[] {
  const out = new Set<string>();
  for (const r of rules) {
    for (const g of r.apiGroups)
      for (const res of r.resources)
        for (const v of r.verbs) out.add([g || 'core', res, v, ...(r.resourceNames ?? [])].join(' '));
  }
  return [...out].sort();
}

const rbac = (documents: readonly KubeManifest[]) =>
  documents.filter((d) => d.kind === 'Role' || d.kind === 'ClusterRole') as RbacObject[];

/** The namespaced rules, as the ClusterRole grants them in all namespaces and a Role in each watched one. */
const NAMESPACED = [
  'coordination-engine.io remediationpolicies get',
  'coordination-engine.io remediationpolicies list',
  'coordination-engine.io remediationpolicies watch',
  'coordination-engine.io remediationpolicies/status patch',
  'coordination-engine.io remediations create',
  'coordination-engine.io remediations get',
  'coordination-engine.io remediations list',
  'coordination-engine.io remediations patch',
  'coordination-engine.io remediations delete',
  'coordination-engine.io remediations/status update',
  'core pods get',
  'core pods list',
  'core pods watch',
  'core pods/eviction create',
  'core events create',
  'core events patch',
  'apps deployments get',
  'apps deployments list',
  'apps deployments watch',
  'apps deployments patch',
  'apps statefulsets get',
  'apps statefulsets list',
  'apps statefulsets watch',
  'apps statefulsets patch',
  'apps deployments/scale get',
  'apps deployments/scale update',
  'apps statefulsets/scale get',
  'apps statefulsets/scale update',
  'apps replicasets list',
  'apps replicasets watch',
  'apps controllerrevisions list',
  'autoscaling horizontalpodautoscalers list',
  'autoscaling horizontalpodautoscalers watch',
].sort();
/** In a watched namespace's Role: the same, but `list` on remediations, which the ClusterRole grants everywhere. */
const NAMESPACED_ROLE = NAMESPACED.filter((g) => g !== 'coordination-engine.io remediations list');
const CLUSTER_SCOPED = [
  'coordination-engine.io clusterremediationpolicies get',
  'coordination-engine.io clusterremediationpolicies list',
  'coordination-engine.io clusterremediationpolicies watch',
  'coordination-engine.io clusterremediationpolicies/status patch',
  'core namespaces list',
  'core namespaces watch',
].sort();

describe('chart RBAC', () => {
  it('grants cluster-wide exactly the verbs the engine uses, and the Lease only in the release namespace', async () => {
    const { documents } = await renderChart({}, { namespace: NS });
    const clusterRole = findManifest(documents, 'ClusterRole') as RbacObject;
    expect(grants(clusterRole.rules)).toEqual([...NAMESPACED, ...CLUSTER_SCOPED].sort());
    const roles = documents.filter((d) => d.kind === 'Role') as RbacObject[];
    expect(roles.map((r) => `${r.metadata.namespace}/${r.metadata.name}`)).toEqual([
      `${NS}/coordination-engine-leader-election`,
    ]);
    const deployment = JSON.stringify(findManifest(documents, 'Deployment'));
    expect(deployment).toContain(
      '{"name":"LEADER_ELECTION_LEASE_NAME","value":"coordination-engine-leader"}',
    );
    expect(grants(roles[0]?.rules ?? [])).toEqual([
      'coordination.k8s.io leases create',
      'coordination.k8s.io leases get coordination-engine-leader',
      'coordination.k8s.io leases update coordination-engine-leader',
    ]);
  });

  it('never mentions Secrets, and has no wildcards or escalation verbs, in any mode', async () => {
    const modes = [{}, { watchNamespaces: ['shop', 'payments'] }, { watchNamespaces: ['default'] }];
    for (const values of modes) {
      const { documents, yaml } = await renderChart(values, { namespace: NS });
      const rules = rbac(documents).flatMap((r) => r.rules);
      expect(rules.length).toBeGreaterThan(0);
      expect(JSON.stringify(rules)).not.toMatch(/secret/i);
      expect(yaml).not.toMatch(/resources: \[[^\]]*secrets/i);
      for (const rule of rules) {
        expect([...rule.apiGroups, ...rule.resources, ...rule.verbs]).not.toContain('*');
        for (const verb of ['bind', 'escalate', 'impersonate', 'deletecollection'])
          expect(rule.verbs).not.toContain(verb);
      }
    }
  });

  it('for a namespace list: a Role per namespace, and in the ClusterRole only what cannot be namespaced', async () => {
    const { documents } = await renderChart({ watchNamespaces: ['shop', 'payments'] }, { namespace: NS });
    const clusterRole = findManifest(documents, 'ClusterRole') as RbacObject;
    expect(grants(clusterRole.rules)).toEqual(
      [...CLUSTER_SCOPED, 'coordination-engine.io remediations list'].sort(),
    );
    for (const namespace of ['shop', 'payments']) {
      const role = documents.find(
        (d) => d.kind === 'Role' && d.metadata.namespace === namespace,
      ) as RbacObject;
      expect(grants(role.rules)).toEqual(NAMESPACED_ROLE);
      const binding = documents.find(
        (d) => d.kind === 'RoleBinding' && d.metadata.namespace === namespace,
      ) as Binding;
      expect(binding.roleRef).toMatchObject({ kind: 'Role', name: role.metadata.name });
    }
    // Events about ClusterRemediationPolicies are written to "default".
    const defaultRole = documents.find(
      (d) => d.kind === 'Role' && d.metadata.namespace === 'default',
    ) as RbacObject;
    expect(grants(defaultRole.rules)).toEqual(['core events create', 'core events patch']);
    // Nothing is granted in a namespace that is not watched, the release namespace included (the Lease aside).
    const namespaces = new Set(
      rbac(documents)
        .map((r) => r.metadata.namespace)
        .filter(Boolean),
    );
    expect([...namespaces].sort()).toEqual([NS, 'default', 'payments', 'shop'].sort());
    const env = JSON.stringify(findManifest(documents, 'Deployment'));
    expect(env).toContain('{"name":"NAMESPACES","value":"shop,payments"}');
  });

  it('needs no extra Role in "default" when "default" is watched', async () => {
    const { documents } = await renderChart({ watchNamespaces: ['default'] }, { namespace: NS });
    const inDefault = rbac(documents).filter((r) => r.metadata.namespace === 'default');
    expect(inDefault).toHaveLength(1);
    expect(grants(inDefault[0]?.rules ?? [])).toEqual(NAMESPACED_ROLE);
  });

  it('binds every Role and ClusterRole to the engine ServiceAccount only', async () => {
    for (const values of [
      {},
      { watchNamespaces: ['shop'] },
      { serviceAccount: { create: false, name: 'ops-sa' } },
    ]) {
      const { documents } = await renderChart(values, { namespace: NS });
      const roles = rbac(documents);
      const bindings = documents.filter((d) => d.kind.endsWith('Binding')) as Binding[];
      expect(bindings).toHaveLength(roles.length);
      const account = (values as { serviceAccount?: { name: string } }).serviceAccount?.name ?? NS;
      for (const binding of bindings) {
        expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: account, namespace: NS }]);
        const role = roles.find(
          (r) =>
            r.kind === binding.roleRef.kind &&
            r.metadata.name === binding.roleRef.name &&
            r.metadata.namespace === binding.metadata.namespace,
        );
        expect(role, `${binding.kind} ${binding.metadata.name}`).toBeDefined();
      }
      expect(documents.some((d) => d.kind === 'ServiceAccount')).toBe(account === NS);
    }
  });
});

import { describe, expect, it } from 'vitest';
import type { PolicyScopeName } from '../src/policy/api-group.js';
import {
  coversNamespace,
  namespacedScope,
  type PolicyScope,
  selectTargets,
  type Workload,
} from '../src/policy/target-selection.js';
import { validatePolicySpec } from '../src/policy/validate.js';
import { testPolicy } from './support/policy-fixtures.js';

const workloads: Workload[] = [
  { kind: 'Deployment', namespace: 'own', name: 'api', labels: { tier: 'web' } },
  { kind: 'Deployment', namespace: 'own', name: 'db', labels: { tier: 'data' } },
  { kind: 'StatefulSet', namespace: 'other', name: 'cache', labels: { tier: 'web' } },
  { kind: 'Deployment', namespace: 'other', name: 'api', labels: { tier: 'web' } },
  { kind: 'Deployment', namespace: 'kube-system', name: 'dns', labels: { tier: 'web' } },
  { kind: 'Pod', namespace: 'own', name: 'debug', labels: { tier: 'web' } },
  { kind: 'Pod', namespace: 'own', name: 'api-123', labels: { tier: 'web' }, controlled: true },
  { kind: 'Deployment', namespace: 'own', name: 'old', labels: { tier: 'web' }, deleting: true },
];

const namespaceLabels = new Map<string, Record<string, string>>([
  ['own', { team: 'payments', env: 'prod' }],
  ['other', { team: 'search', env: 'prod' }],
  ['kube-system', { 'kubernetes.io/metadata.name': 'kube-system' }],
]);

function spec(targets: Record<string, unknown> | undefined, scope: PolicyScopeName = 'Namespaced') {
  const v = validatePolicySpec({ ...testPolicy().buildSpec(), ...(targets ? { targets } : {}) }, scope);
  if (!v.valid) throw new Error(JSON.stringify(v.errors));
  return v.spec;
}

const CLUSTER: PolicyScope = { scope: 'Cluster' };
const names = (refs: { namespace: string; name: string }[]) => refs.map((t) => `${t.namespace}/${t.name}`);

describe('selectTargets for a RemediationPolicy (namespaced)', () => {
  it('covers its own namespace, standalone Pods only, never objects being deleted', () => {
    expect(names(selectTargets(namespacedScope('own'), spec(undefined), workloads))).toEqual([
      'own/api',
      'own/db',
      'own/debug',
    ]);
  });

  it('never selects a workload of another namespace, whatever the selector or the namespace labels say', () => {
    const s = spec({ selector: { matchLabels: { tier: 'web' } } });
    const selected = selectTargets(namespacedScope('own'), s, workloads, namespaceLabels);
    expect(selected.every((t) => t.namespace === 'own')).toBe(true);
    // Even a spec carrying a namespaceSelector (only a cluster policy may) cannot widen a namespaced policy.
    const widened = spec({ namespaceSelector: {} }, 'Cluster');
    expect(
      names(selectTargets(namespacedScope('own'), widened, workloads, namespaceLabels)).every((n) =>
        n.startsWith('own/'),
      ),
    ).toBe(true);
    expect(coversNamespace(namespacedScope('own'), widened, 'other', namespaceLabels)).toBe(false);
    expect(coversNamespace(namespacedScope('own'), widened, 'own')).toBe(true);
  });

  it('honours selector, kinds and exclusions', () => {
    const s = spec({
      selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] },
      kinds: ['Deployment', 'Pod'],
      exclude: [{ name: 'debug', kind: 'Pod' }],
    });
    expect(selectTargets(namespacedScope('own'), s, workloads)).toEqual([
      { kind: 'Deployment', namespace: 'own', name: 'api' },
    ]);
  });
});

describe('selectTargets for a ClusterRemediationPolicy', () => {
  it('without a namespaceSelector covers every namespace, in a stable order', () => {
    const s = spec(
      { selector: { matchLabels: { tier: 'web' } }, kinds: ['Deployment', 'StatefulSet'] },
      'Cluster',
    );
    expect(names(selectTargets(CLUSTER, s, workloads))).toEqual([
      'kube-system/dns',
      'other/api',
      'own/api',
      'other/cache',
    ]);
  });

  it('an empty namespaceSelector also covers every namespace, even ones whose labels are unknown', () => {
    const s = spec({ namespaceSelector: {} }, 'Cluster');
    expect(coversNamespace(CLUSTER, s, 'unlisted', namespaceLabels)).toBe(true);
    expect(coversNamespace(CLUSTER, s, 'unlisted')).toBe(true);
  });

  it('honours the namespaceSelector against the Namespace objects’ labels', () => {
    const prod = spec(
      { namespaceSelector: { matchLabels: { env: 'prod' } }, kinds: ['Deployment', 'StatefulSet'] },
      'Cluster',
    );
    expect(names(selectTargets(CLUSTER, prod, workloads, namespaceLabels))).toEqual([
      'other/api',
      'own/api',
      'own/db',
      'other/cache',
    ]);
    const notSearch = spec(
      {
        namespaceSelector: {
          matchExpressions: [
            { key: 'team', operator: 'NotIn', values: ['search'] },
            { key: 'team', operator: 'Exists' },
          ],
        },
        kinds: ['Deployment'],
      },
      'Cluster',
    );
    expect(names(selectTargets(CLUSTER, notSearch, workloads, namespaceLabels))).toEqual([
      'own/api',
      'own/db',
    ]);
  });

  it('does not cover a namespace whose labels it does not know when the selector is not empty', () => {
    const s = spec(
      { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] } },
      'Cluster',
    );
    expect(coversNamespace(CLUSTER, s, 'kube-system', namespaceLabels)).toBe(true);
    expect(coversNamespace(CLUSTER, s, 'unlisted', namespaceLabels)).toBe(false);
    expect(selectTargets(CLUSTER, s, workloads)).toEqual([]);
  });
});

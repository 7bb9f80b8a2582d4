import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/json/json-value.js';
import {
  authorize,
  forbiddenMessage,
  type RbacObjects,
  type RequestAttributes,
  serviceAccountUser,
  type UserInfo,
  verbForRequest,
} from '../../src/sandbox/rbac.js';

const engine = serviceAccountUser('ops', 'engine');
const alice: UserInfo = { name: 'alice', groups: ['devs'] };

function role(namespace: string, name: string, rules: JsonObject[]): JsonObject {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace }, rules };
}
function clusterRole(name: string, rules: JsonObject[], extra: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name },
    rules,
    ...extra,
  };
}
function binding(
  kind: 'RoleBinding' | 'ClusterRoleBinding',
  name: string,
  ns: string | undefined,
  ref: [string, string],
  subjects: JsonObject[],
): JsonObject {
  return {
    kind,
    metadata: ns ? { name, namespace: ns } : { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: ref[0], name: ref[1] },
    subjects,
  };
}

const rbac: RbacObjects = {
  roles: [
    role('default', 'pod-deleter', [
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'delete'] },
    ]),
    role('default', 'one-config', [
      {
        apiGroups: [''],
        resources: ['configmaps'],
        resourceNames: ['engine-config'],
        verbs: ['get', 'update'],
      },
    ]),
  ],
  clusterRoles: [
    clusterRole('scaler', [
      { apiGroups: ['apps'], resources: ['deployments', 'deployments/scale'], verbs: ['get', 'patch'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
    ]),
    clusterRole('node-reader', [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] }]),
    clusterRole('metrics', [{ nonResourceURLs: ['/metrics', '/debug/*'], verbs: ['get'] }]),
    clusterRole('status-writer', [{ apiGroups: ['*'], resources: ['*/status'], verbs: ['*'] }]),
    clusterRole('monitoring', [], {
      aggregationRule: {
        clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate-to-monitoring': 'true' } }],
      },
    }),
    {
      kind: 'ClusterRole',
      metadata: { name: 'lease-piece', labels: { 'rbac.example.com/aggregate-to-monitoring': 'true' } },
      rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['*'] }],
    },
  ],
  roleBindings: [
    binding(
      'RoleBinding',
      'engine-pods',
      'default',
      ['Role', 'pod-deleter'],
      [{ kind: 'ServiceAccount', name: 'engine', namespace: 'ops' }],
    ),
    binding(
      'RoleBinding',
      'engine-scale',
      'prod',
      ['ClusterRole', 'scaler'],
      [{ kind: 'Group', name: 'system:serviceaccounts:ops' }],
    ),
    binding(
      'RoleBinding',
      'local-sa',
      'ops',
      ['ClusterRole', 'scaler'],
      [{ kind: 'ServiceAccount', name: 'engine' }],
    ),
    binding(
      'RoleBinding',
      'alice-config',
      'default',
      ['Role', 'one-config'],
      [{ kind: 'User', name: 'alice' }],
    ),
    binding(
      'RoleBinding',
      'dangling',
      'staging',
      ['Role', 'missing-role'],
      [{ kind: 'User', name: 'alice' }],
    ),
  ],
  clusterRoleBindings: [
    binding(
      'ClusterRoleBinding',
      'devs-nodes',
      undefined,
      ['ClusterRole', 'node-reader'],
      [{ kind: 'Group', name: 'devs' }],
    ),
    binding(
      'ClusterRoleBinding',
      'all-sa-metrics',
      undefined,
      ['ClusterRole', 'metrics'],
      [{ kind: 'Group', name: 'system:serviceaccounts' }],
    ),
    binding(
      'ClusterRoleBinding',
      'engine-monitoring',
      undefined,
      ['ClusterRole', 'monitoring'],
      [{ kind: 'User', name: 'system:serviceaccount:ops:engine' }],
    ),
    binding(
      'ClusterRoleBinding',
      'alice-status',
      undefined,
      ['ClusterRole', 'status-writer'],
      [{ kind: 'User', name: 'alice' }],
    ),
  ],
};

function req(
  user: UserInfo,
  verb: string,
  resource: string,
  extra: Partial<RequestAttributes> = {},
): RequestAttributes {
  return { user, verb, apiGroup: '', resource, ...extra };
}
const allowed = (a: RequestAttributes) => authorize(a, rbac).allowed;

describe('authorize', () => {
  it('lets system:masters do anything', () => {
    const admin = { name: 'admin', groups: ['system:masters'] };
    expect(allowed(req(admin, 'delete', 'namespaces', { name: 'kube-system' }))).toBe(true);
    expect(allowed({ ...req(admin, 'get', ''), nonResourcePath: '/anything' })).toBe(true);
  });

  it('grants a Role through a RoleBinding only in its namespace', () => {
    expect(allowed(req(engine, 'delete', 'pods', { namespace: 'default', name: 'web-1' }))).toBe(true);
    expect(allowed(req(engine, 'delete', 'pods', { namespace: 'other', name: 'web-1' }))).toBe(false);
    expect(allowed(req(engine, 'create', 'pods', { namespace: 'default' }))).toBe(false);
    expect(allowed(req(engine, 'list', 'pods'))).toBe(false); // cluster-wide list needs a ClusterRoleBinding
  });

  it('explains which binding allowed the request', () => {
    expect(authorize(req(engine, 'delete', 'pods', { namespace: 'default', name: 'x' }), rbac).reason).toBe(
      'RBAC: allowed by RoleBinding "engine-pods/default" of Role "pod-deleter" to ServiceAccount "engine/ops"',
    );
    expect(authorize(req(alice, 'list', 'nodes'), rbac).reason).toBe(
      'RBAC: allowed by ClusterRoleBinding "devs-nodes" of ClusterRole "node-reader" to Group "devs"',
    );
  });

  it('matches service accounts by implied groups and by binding-local namespace', () => {
    expect(
      allowed(
        req(engine, 'patch', 'deployments', {
          apiGroup: 'apps',
          subresource: 'scale',
          namespace: 'prod',
          name: 'web',
        }),
      ),
    ).toBe(true);
    // Groups are derived from the username even when the caller forgot them.
    const bare = { name: 'system:serviceaccount:ops:engine', groups: [] };
    expect(allowed(req(bare, 'get', 'deployments', { apiGroup: 'apps', namespace: 'prod' }))).toBe(true);
    expect(allowed(req(engine, 'get', 'deployments', { apiGroup: 'apps', namespace: 'ops' }))).toBe(true);
    const other = serviceAccountUser('other', 'engine');
    expect(allowed(req(other, 'get', 'deployments', { apiGroup: 'apps', namespace: 'ops' }))).toBe(false);
  });

  it('treats subresources as separate resources, with */sub wildcards', () => {
    const base = { apiGroup: 'apps', namespace: 'prod', name: 'web' };
    expect(allowed(req(engine, 'update', 'deployments', { ...base, subresource: 'scale' }))).toBe(false);
    expect(allowed(req(engine, 'get', 'pods', { namespace: 'prod', subresource: 'log' }))).toBe(true);
    expect(allowed(req(engine, 'get', 'pods', { namespace: 'prod' }))).toBe(false);
    expect(allowed(req(alice, 'update', 'deployments', { ...base, subresource: 'status' }))).toBe(true);
    expect(allowed(req(alice, 'update', 'deployments', base))).toBe(false);
  });

  it('honours resourceNames', () => {
    const cm = { namespace: 'default' };
    expect(allowed(req(alice, 'get', 'configmaps', { ...cm, name: 'engine-config' }))).toBe(true);
    expect(allowed(req(alice, 'get', 'configmaps', { ...cm, name: 'other' }))).toBe(false);
    expect(allowed(req(alice, 'list', 'configmaps', cm))).toBe(false);
  });

  it('matches nonResourceURLs with trailing *', () => {
    const path = (p: string, u: UserInfo = engine) => ({ ...req(u, 'get', ''), nonResourcePath: p });
    expect(allowed(path('/metrics'))).toBe(true);
    expect(allowed(path('/debug/pprof/heap'))).toBe(true);
    expect(allowed(path('/metricsz'))).toBe(false);
    expect(allowed(path('/metrics', alice))).toBe(false);
    expect(allowed({ ...path('/metrics'), verb: 'post' })).toBe(false);
  });

  it('allows discovery, health and self reviews to every authenticated user but not anonymous', () => {
    const nobody = { name: 'nobody', groups: ['system:authenticated'] };
    for (const p of [
      '/api',
      '/api/v1',
      '/apis',
      '/apis/apps/v1',
      '/version',
      '/openapi/v2',
      '/openapi/v3/apis/apps/v1',
      '/healthz',
    ]) {
      expect(allowed({ ...req(nobody, 'get', ''), nonResourcePath: p })).toBe(true);
    }
    expect(
      allowed(req(nobody, 'create', 'selfsubjectaccessreviews', { apiGroup: 'authorization.k8s.io' })),
    ).toBe(true);
    expect(allowed(req(nobody, 'list', 'pods', { namespace: 'default' }))).toBe(false);
    const anonymous = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
    expect(allowed({ ...req(anonymous, 'get', ''), nonResourcePath: '/apis' })).toBe(false);
    expect(allowed({ ...req(anonymous, 'get', ''), nonResourcePath: '/version' })).toBe(true);
  });

  it('aggregates ClusterRoles selected by label', () => {
    expect(
      allowed(
        req(engine, 'update', 'leases', {
          apiGroup: 'coordination.k8s.io',
          namespace: 'ops',
          name: 'leader',
        }),
      ),
    ).toBe(true);
    expect(allowed(req(engine, 'update', 'leases', { apiGroup: 'apps', namespace: 'ops' }))).toBe(false);
  });

  it('reports missing roles in the deny reason', () => {
    const d = authorize(req(alice, 'get', 'pods', { namespace: 'staging' }), rbac);
    expect(d).toEqual({
      allowed: false,
      reason: 'RBAC: role.rbac.authorization.k8s.io "missing-role" not found',
    });
    expect(authorize(req(alice, 'get', 'pods', { namespace: 'default' }), rbac)).toEqual({
      allowed: false,
      reason: '',
    });
  });

  it('survives malformed objects', () => {
    const junk: RbacObjects = {
      roles: [{ metadata: 'x' }],
      clusterRoles: [
        { rules: 'nope' },
        {
          metadata: { name: 'agg' },
          aggregationRule: { clusterRoleSelectors: [{ matchExpressions: [{ key: 'a', operator: 'Bad' }] }] },
        },
      ],
      roleBindings: [{ subjects: 'x' }],
      clusterRoleBindings: [
        { roleRef: { kind: 'ClusterRole', name: 'agg' }, subjects: [{ kind: 'User', name: 'alice' }] },
      ],
    };
    expect(authorize(req(alice, 'get', 'pods', { namespace: 'default' }), junk).allowed).toBe(false);
  });
});

describe('verbForRequest', () => {
  it('maps HTTP methods like the apiserver', () => {
    expect(verbForRequest('GET', { collection: false, watch: false })).toBe('get');
    expect(verbForRequest('GET', { collection: true, watch: false })).toBe('list');
    expect(verbForRequest('GET', { collection: true, watch: true })).toBe('watch');
    expect(verbForRequest('GET', { collection: false, watch: true })).toBe('get');
    expect(verbForRequest('HEAD', { collection: false, watch: false })).toBe('get');
    expect(verbForRequest('POST', { collection: true, watch: false })).toBe('create');
    expect(verbForRequest('PUT', { collection: false, watch: false })).toBe('update');
    expect(verbForRequest('PATCH', { collection: false, watch: false })).toBe('patch');
    expect(verbForRequest('DELETE', { collection: false, watch: false })).toBe('delete');
    expect(verbForRequest('DELETE', { collection: true, watch: false })).toBe('deletecollection');
    expect(verbForRequest('delete', { collection: true, watch: false })).toBe('deletecollection');
  });
});

describe('forbiddenMessage', () => {
  it('matches the apiserver text for named, listed, cluster-scoped, subresource and path requests', () => {
    expect(forbiddenMessage(req(engine, 'delete', 'pods', { namespace: 'default', name: 'web-1' }))).toBe(
      'pods "web-1" is forbidden: User "system:serviceaccount:ops:engine" cannot delete resource "pods" in API group "" in the namespace "default"',
    );
    expect(forbiddenMessage(req(engine, 'list', 'pods', { namespace: 'default' }))).toBe(
      'pods is forbidden: User "system:serviceaccount:ops:engine" cannot list resource "pods" in API group "" in the namespace "default"',
    );
    expect(forbiddenMessage(req(alice, 'list', 'nodes'))).toBe(
      'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope',
    );
    expect(
      forbiddenMessage(
        req(alice, 'patch', 'deployments', {
          apiGroup: 'apps',
          subresource: 'scale',
          namespace: 'x',
          name: 'web',
        }),
      ),
    ).toBe(
      'deployments.apps "web" is forbidden: User "alice" cannot patch resource "deployments/scale" in API group "apps" in the namespace "x"',
    );
    expect(forbiddenMessage({ ...req(alice, 'get', ''), nonResourcePath: '/metrics' })).toBe(
      'forbidden: User "alice" cannot get path "/metrics"',
    );
    expect(
      forbiddenMessage(
        req(alice, 'get', 'pods', { namespace: 'staging' }),
        'RBAC: role.rbac.authorization.k8s.io "missing-role" not found',
      ),
    ).toBe(
      'pods is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "staging": RBAC: role.rbac.authorization.k8s.io "missing-role" not found',
    );
  });
});

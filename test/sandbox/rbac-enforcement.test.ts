import { ApiException, CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/sandbox.js';
import { podFixture } from './fixtures.js';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ rbac: true });
  const admin = sandbox.kubeConfig();
  const core = admin.makeApiClient(CoreV1Api);
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespace({ body: { metadata: { name: 'ops' } } });
  await core.createNamespacedPod({ namespace: 'ops', body: podFixture('p') });
  await rbac.createNamespacedRole({
    namespace: 'ops',
    body: {
      metadata: { name: 'pod-reader' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: 'ops',
    body: {
      metadata: { name: 'engine-reads-pods' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'engine', namespace: 'ops' }],
    },
  });
});
afterAll(async () => {
  await sandbox.stop();
});

async function status(call: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await call;
    return { code: 200, message: '' };
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    // client-node drops the body of a 401 (its generated code types it as void).
    const body =
      typeof err.body === 'string' ? (JSON.parse(err.body) as { message: string }) : { message: '' };
    return { code: err.code, message: body.message };
  }
}

describe('sandbox RBAC', () => {
  it('allows what a service account is bound to and forbids the rest with the apiserver wording', async () => {
    const engine = sandbox
      .kubeConfig(sandbox.authenticator.tokenForServiceAccount('ops', 'engine'))
      .makeApiClient(CoreV1Api);
    expect((await engine.listNamespacedPod({ namespace: 'ops' })).items).toHaveLength(1);
    const other = await status(engine.listNamespacedPod({ namespace: 'default' }));
    expect(other).toEqual({
      code: 403,
      message:
        'pods is forbidden: User "system:serviceaccount:ops:engine" cannot list resource "pods" in API group "" in the namespace "default"',
    });
    const del = await status(engine.deleteNamespacedPod({ name: 'p', namespace: 'ops' }));
    expect(del.code).toBe(403);
    expect(del.message).toContain('cannot delete resource "pods"');
  });

  it('authorises a list narrowed to one name by fieldSelector against resourceNames, like kubectl get x -w', async () => {
    const admin = sandbox.kubeConfig();
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: 'ops',
      body: {
        metadata: { name: 'one-cm' },
        rules: [
          {
            apiGroups: [''],
            resources: ['configmaps'],
            resourceNames: ['settings'],
            verbs: ['list', 'watch'],
          },
        ],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: 'ops',
      body: {
        metadata: { name: 'one-cm' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'one-cm' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: 'ops' }],
      },
    });
    const reader = sandbox
      .kubeConfig(sandbox.authenticator.tokenForServiceAccount('ops', 'reader'))
      .makeApiClient(CoreV1Api);
    expect(
      (
        await status(
          reader.listNamespacedConfigMap({ namespace: 'ops', fieldSelector: 'metadata.name=settings' }),
        )
      ).code,
    ).toBe(200);
    expect((await status(reader.listNamespacedConfigMap({ namespace: 'ops' }))).code).toBe(403);
  });

  it('records each decision about a non-admin user, naming the rule that allowed it', async () => {
    const seq = sandbox.requests.at(-1)?.seq ?? 0;
    const since = () => sandbox.authorizations.filter((a) => a.seq > seq);
    await sandbox.kubeConfig().makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'ops' });
    expect(since()).toEqual([]);
    const engine = sandbox
      .kubeConfig(sandbox.authenticator.tokenForServiceAccount('ops', 'engine'))
      .makeApiClient(CoreV1Api);
    await engine.readNamespacedPod({ name: 'p', namespace: 'ops' });
    expect((await status(engine.deleteNamespacedPod({ name: 'p', namespace: 'ops' }))).code).toBe(403);
    const [read, removal] = since();
    expect(read?.attributes).toMatchObject({ verb: 'get', resource: 'pods', namespace: 'ops', name: 'p' });
    expect(read?.attributes.user.name).toBe('system:serviceaccount:ops:engine');
    expect(read?.decision.grant).toEqual({
      binding: { kind: 'RoleBinding', namespace: 'ops', name: 'engine-reads-pods' },
      role: { kind: 'Role', namespace: 'ops', name: 'pod-reader' },
      rule: 0,
    });
    expect(removal?.attributes).toMatchObject({ verb: 'delete', resource: 'pods', name: 'p' });
    expect(removal?.decision).toEqual({ allowed: false, reason: '' });
    expect(sandbox.requests.find((r) => r.seq === removal?.seq)?.status).toBe(403);
  });

  it('rejects requests without a known token with 401', async () => {
    const res = await fetch(`${sandbox.url}/api/v1/namespaces/ops/pods`);
    expect(res.status).toBe(401);
    const forged = sandbox.kubeConfig('not-a-token').makeApiClient(CoreV1Api);
    expect((await status(forged.listNamespacedPod({ namespace: 'ops' }))).code).toBe(401);
  });
});

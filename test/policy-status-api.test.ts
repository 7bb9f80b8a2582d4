import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusWriter } from '../src/controller/status-writer.js';
import type { JsonObject } from '../src/json/json-value.js';
import { type KubeObject, kubeObjectSchema } from '../src/kube/kube-object.js';
import { PolicyStatusApi, policyPath } from '../src/kube/policy-status-api.js';
import { OWNED_STATUS_FIELDS } from '../src/policy/status-types.js';
import { sandboxWithCrd } from './e2e/engine-harness.js';
import { testPolicy } from './support/policy-fixtures.js';

const silent = pino({ level: 'silent' });
const API = '/apis/coordination-engine.io/v1alpha1';

describe('policyPath', () => {
  it.each([
    ['shop', 'web', `${API}/namespaces/shop/remediationpolicies/web`],
    // No namespace: a cluster-scoped ClusterRemediationPolicy, never a namespace called "" or "default".
    [undefined, 'wide', `${API}/clusterremediationpolicies/wide`],
    ['', 'wide', `${API}/clusterremediationpolicies/wide`],
    ['a b', 'c/d', `${API}/namespaces/a%20b/remediationpolicies/c%2Fd`],
  ])('namespace %j, name %j -> %s', (namespace, name, path) => {
    expect(policyPath(namespace, name)).toBe(path);
  });
});

describe('PolicyStatusApi against the sandbox: both policy kinds', () => {
  let env: Awaited<ReturnType<typeof sandboxWithCrd>>;
  beforeAll(async () => {
    env = await sandboxWithCrd();
  });
  afterAll(async () => {
    await env.cleanup();
  });

  const since = (seq: number) => env.sandbox.requests.filter((r) => r.seq > seq && !r.watch);
  const lastSeq = () => env.sandbox.requests.at(-1)?.seq ?? 0;
  const create = async (path: string, body: unknown): Promise<KubeObject> =>
    kubeObjectSchema.parse(await env.rest.request({ method: 'POST', path, body }));

  it('reads a cluster policy and a namespaced one of the same name as two objects', async () => {
    await create(`${API}/clusterremediationpolicies`, testPolicy('same').clusterWide().build());
    await create(`${API}/namespaces/default/remediationpolicies`, testPolicy('same').build());
    const api = new PolicyStatusApi(env.rest);
    expect((await api.get(undefined, 'same'))?.kind).toBe('ClusterRemediationPolicy');
    expect((await api.get('default', 'same'))?.kind).toBe('RemediationPolicy');
    expect(await api.get(undefined, 'missing')).toBeUndefined();
  });

  it('writes a cluster policy status to its own /status, and re-reads it there on a conflict', async () => {
    const stale = await create(
      `${API}/clusterremediationpolicies`,
      testPolicy('wide')
        .clusterWide({ matchLabels: { env: 'prod' } })
        .build(),
    );
    expect(stale.metadata.namespace).toBeUndefined();
    await env.rest.request({
      method: 'PATCH',
      path: `${API}/clusterremediationpolicies/wide/status`,
      body: { status: { phase: 'Pending' } },
      contentType: 'application/merge-patch+json',
    });
    const writer = new StatusWriter(new PolicyStatusApi(env.rest), silent, OWNED_STATUS_FIELDS);
    const mark = lastSeq();
    const result = await writer.write(stale, () => ({
      phase: 'Active',
      targets: { total: 2, healthy: 0, anomalous: 0, insufficientData: 2 },
    }));
    expect(result).toBe('written');
    const object = `${API}/clusterremediationpolicies/wide`;
    expect(since(mark).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      `PATCH ${object}/status 409`,
      `GET ${object} 200`,
      `PATCH ${object}/status 200`,
    ]);
    const stored = env.sandbox.getObject(
      'coordination-engine.io',
      'clusterremediationpolicies',
      undefined,
      'wide',
    );
    expect((stored?.status as JsonObject | undefined)?.targets).toMatchObject({ total: 2 });
  });
});

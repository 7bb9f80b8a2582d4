import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventRecorder } from '../src/controller/event-recorder.js';
import { StatusWriter } from '../src/controller/status-writer.js';
import type { JsonObject } from '../src/json/json-value.js';
import { KubeEventSink } from '../src/kube/event-sink.js';
import { type KubeObject, kubeObjectSchema } from '../src/kube/kube-object.js';
import { PolicyStatusApi } from '../src/kube/policy-status-api.js';
import { OWNED_STATUS_FIELDS } from '../src/policy/status-types.js';
import { systemClock } from '../src/time/clock.js';
import { sandboxWithCrd } from './e2e/engine-harness.js';
import { testPolicy } from './support/policy-fixtures.js';

const silent = pino({ level: 'silent' });
const POLICIES = '/apis/coordination-engine.io/v1alpha1/namespaces/default/remediationpolicies';

describe('status writer and Event recorder against the sandbox (exact requests)', () => {
  let env: Awaited<ReturnType<typeof sandboxWithCrd>>;
  beforeAll(async () => {
    env = await sandboxWithCrd();
  });
  afterAll(async () => {
    await env.cleanup();
  });

  const create = async (name: string): Promise<KubeObject> =>
    kubeObjectSchema.parse(
      await env.rest.request({
        method: 'POST',
        path: POLICIES,
        body: testPolicy(name).build() as JsonObject,
      }),
    );
  const since = (seq: number) => env.sandbox.requests.filter((r) => r.seq > seq && !r.watch);
  const lastSeq = () => env.sandbox.requests.at(-1)?.seq ?? 0;

  it('patches only /status with the changed fields, and sends nothing when the status is unchanged', async () => {
    const writer = new StatusWriter(new PolicyStatusApi(env.rest), silent, OWNED_STATUS_FIELDS);
    const policy = await create('a');
    const mark = lastSeq();
    expect(
      await writer.write(policy, () => ({
        phase: 'Active',
        targets: { total: 1, healthy: 0, anomalous: 0, insufficientData: 1 },
      })),
    ).toBe('written');
    const requests = since(mark);
    expect(requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      `PATCH ${POLICIES}/a/status 200`,
    ]);
    expect(requests[0]?.contentType).toContain('application/merge-patch+json');
    expect(JSON.parse(requests[0]?.body ?? '{}')).toEqual({
      metadata: { resourceVersion: policy.metadata.resourceVersion },
      status: { phase: 'Active', targets: { total: 1, healthy: 0, anomalous: 0, insufficientData: 1 } },
    });

    const fresh = await new PolicyStatusApi(env.rest).get('default', 'a');
    const mark2 = lastSeq();
    expect(
      await writer.write(fresh as KubeObject, () => ({
        phase: 'Active',
        targets: { total: 1, healthy: 0, anomalous: 0, insufficientData: 1 },
      })),
    ).toBe('unchanged');
    expect(since(mark2)).toEqual([]);
  });

  it('on a conflict re-reads the object and recomputes from fresh data', async () => {
    const writer = new StatusWriter(new PolicyStatusApi(env.rest), silent, OWNED_STATUS_FIELDS);
    const stale = await create('b');
    // Someone else writes status after our snapshot was taken.
    await env.rest.request({
      method: 'PATCH',
      path: `${POLICIES}/b/status`,
      body: { status: { phase: 'Pending' } },
      contentType: 'application/merge-patch+json',
    });
    const seen: unknown[] = [];
    const mark = lastSeq();
    const result = await writer.write(stale, (current) => {
      seen.push(current.status ?? null);
      return { phase: 'Active' };
    });
    expect(result).toBe('written');
    expect(seen).toEqual([null, { phase: 'Pending' }]);
    expect(since(mark).map((r) => `${r.method} ${r.status}`)).toEqual(['PATCH 409', 'GET 200', 'PATCH 200']);
  });

  it('never removes a status field it does not own (one a newer engine version added)', async () => {
    // A newer CRD version knows status.foo; this (older) engine does not.
    const crdPath =
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/remediationpolicies.coordination-engine.io';
    const crd = (await env.rest.request({ method: 'GET', path: crdPath })) as JsonObject;
    const versions = (crd.spec as { versions: Array<{ schema: { openAPIV3Schema: JsonObject } }> }).versions;
    for (const version of versions) {
      const status = (version.schema.openAPIV3Schema.properties as Record<string, JsonObject>).status as {
        properties: Record<string, JsonObject>;
      };
      status.properties.foo = { type: 'string' };
    }
    await env.rest.request({ method: 'PUT', path: crdPath, body: crd });

    await create('d');
    await env.rest.request({
      method: 'PATCH',
      path: `${POLICIES}/d/status`,
      body: { status: { phase: 'Pending', foo: 'kept' } },
      contentType: 'application/merge-patch+json',
    });
    const api = new PolicyStatusApi(env.rest);
    const withFoo = (await api.get('default', 'd')) as KubeObject;
    expect(withFoo.status).toEqual({ phase: 'Pending', foo: 'kept' });

    const writer = new StatusWriter(api, silent, OWNED_STATUS_FIELDS);
    const mark = lastSeq();
    // What the engine computes never mentions foo; an owned field it drops (phase) is removed.
    expect(await writer.write(withFoo, () => ({ observedGeneration: 1 }))).toBe('written');
    expect(JSON.parse(since(mark)[0]?.body ?? '{}').status).toEqual({ phase: null, observedGeneration: 1 });
    const after = (await api.get('default', 'd')) as KubeObject;
    expect(after.status).toEqual({ observedGeneration: 1, foo: 'kept' });
    // Nothing owned differs: no request at all, even though the stored status has a field the engine lacks.
    const mark2 = lastSeq();
    expect(await writer.write(after, () => ({ observedGeneration: 1 }))).toBe('unchanged');
    expect(since(mark2)).toEqual([]);
  });

  it('aggregates repeated Events into one with a growing count', async () => {
    const recorder = new EventRecorder({
      sink: new KubeEventSink(env.rest),
      clock: systemClock,
      logger: silent,
      component: 'coordination-engine',
      instance: 'test',
    });
    const policy = await create('c');
    for (let i = 0; i < 3; i++) await recorder.record(policy, 'Warning', 'InvalidSpec', 'spec.actions: bad');
    await recorder.record(policy, 'Warning', 'InvalidSpec', 'spec.safety: different');
    const events = env.sandbox.store
      .list('events', 'default')
      .filter((e) => (e.involvedObject as JsonObject).name === 'c');
    expect(events.map((e) => [e.message, e.count]).sort()).toEqual([
      ['spec.actions: bad', 3],
      ['spec.safety: different', 1],
    ]);
  });
});

import { CoreV1Api, EventsV1Api, type KubeConfig, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/sandbox.js';
import { waitFor } from '../support/wait-for.js';
import { podFixture } from './fixtures.js';

let sandbox: Sandbox;
let kc: KubeConfig;
let core: CoreV1Api;

beforeAll(async () => {
  sandbox = await startSandbox();
  kc = sandbox.kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
});
afterAll(async () => {
  await sandbox.stop();
});

describe('sandbox behaviour tests rely on', () => {
  it('ends a watch cleanly after timeoutSeconds', async () => {
    let ended = false;
    const started = Date.now();
    await new Watch(kc).watch(
      '/api/v1/namespaces/default/pods',
      { timeoutSeconds: 1 },
      () => {},
      () => {
        ended = true;
      },
    );
    await waitFor('the watch to end', () => ended, { timeoutMs: 5_000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('delays matching requests when told to', async () => {
    sandbox.faults.delayNext({ count: 1, path: '/api/v1/namespaces/default/secrets', delayMs: 300 });
    const started = Date.now();
    await core.listNamespacedSecret({ namespace: 'default' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('survives an outage: suspended it refuses connections, resumed it serves the same data on the same port', async () => {
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'kept' } } });
    const port = sandbox.port;
    await sandbox.suspend();
    await expect(fetch(`${sandbox.url}/version`)).rejects.toThrow();
    await sandbox.resume();
    expect(sandbox.port).toBe(port);
    const cm = await core.readNamespacedConfigMap({ name: 'kept', namespace: 'default' });
    expect(cm.metadata?.name).toBe('kept');
  });

  it('shares Events between core/v1 and events.k8s.io/v1, as one storage', async () => {
    const events = kc.makeApiClient(EventsV1Api);
    await events.createNamespacedEvent({
      namespace: 'default',
      body: {
        metadata: { name: 'e1' },
        eventTime: new Date('2026-11-23T10:00:00.000000Z') as never,
        reason: 'Remediated',
        note: 'restarted pod web-1',
        type: 'Normal',
        action: 'RestartPod',
        reportingController: 'coordination-engine.io/engine',
        reportingInstance: 'engine-0',
        regarding: { kind: 'Pod', name: 'web-1', namespace: 'default' },
      },
    });
    const asCore = await core.readNamespacedEvent({ name: 'e1', namespace: 'default' });
    expect(asCore.message).toBe('restarted pod web-1');
    expect(asCore.involvedObject.name).toBe('web-1');
    expect(asCore.reportingComponent).toBe('coordination-engine.io/engine');
    const byField = await core.listNamespacedEvent({
      namespace: 'default',
      fieldSelector: 'involvedObject.name=web-1,reason=Remediated',
    });
    expect(byField.items).toHaveLength(1);
  });

  it('deletes what a namespace holds when the namespace is deleted', async () => {
    await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    await core.createNamespacedPod({ namespace: 'doomed', body: podFixture('x') });
    await core.deleteNamespace({ name: 'doomed' });
    expect(
      (await core.listPodForAllNamespaces({ fieldSelector: 'metadata.namespace=doomed' })).items,
    ).toHaveLength(0);
    const missing = await core
      .createNamespacedPod({ namespace: 'doomed', body: podFixture('y') })
      .catch((err: { code: number }) => err.code);
    expect(missing).toBe(404);
  });

  it('answers kubectl-style Table requests with server-side columns', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: podFixture('tbl') });
    const res = await fetch(`${sandbox.url}/api/v1/namespaces/default/pods`, {
      headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' },
    });
    const table = (await res.json()) as {
      kind: string;
      columnDefinitions: Array<{ name: string }>;
      rows: Array<{ cells: unknown[] }>;
    };
    expect(table.kind).toBe('Table');
    // kube-apiserver's pod columns: the wide ones are always sent (priority 1), RESTARTS is a string cell.
    expect(table.columnDefinitions.map((c) => c.name)).toEqual([
      'Name',
      'Ready',
      'Status',
      'Restarts',
      'Age',
      'IP',
      'Node',
      'Nominated Node',
      'Readiness Gates',
    ]);
    expect(table.rows.find((r) => r.cells[0] === 'tbl')?.cells.slice(0, 4)).toEqual([
      'tbl',
      '0/1',
      'Pending',
      '0',
    ]);
  });

  it('answers 415 naming the media types it accepts for CBOR, and for protobuf of a kind it cannot decode', async () => {
    const cbor = await fetch(`${sandbox.url}/apis/apps/v1/namespaces/default/deployments`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/cbor' },
      body: Buffer.from([0xa0]),
    });
    expect(cbor.status).toBe(415);
    expect(await cbor.json()).toMatchObject({
      reason: 'UnsupportedMediaType',
      message: expect.stringContaining('application/json, application/vnd.kubernetes.protobuf'),
    });
    // A served kind without a protobuf definition: its envelope names it, the sandbox says what to send instead.
    const envelope = Buffer.concat([
      Buffer.from('k8s\u0000', 'latin1'),
      Buffer.from([0x0a, 0x1f, 0x0a, 0x16]),
      Buffer.from('coordination.k8s.io/v1'),
      Buffer.from([0x12, 0x05]),
      Buffer.from('Lease'),
    ]);
    const lease = await fetch(`${sandbox.url}/apis/coordination.k8s.io/v1/namespaces/default/leases`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' },
      body: envelope,
    });
    expect(lease.status).toBe(415);
    expect(await lease.json()).toMatchObject({
      reason: 'UnsupportedMediaType',
      message: expect.stringContaining(
        'Lease (coordination.k8s.io/v1) - accepted media types include: application/json',
      ),
    });
  });
});

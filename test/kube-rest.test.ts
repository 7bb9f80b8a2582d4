import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isStatus, KubeApiError, KubeRest } from '../src/kube/rest-client.js';
import { type Sandbox, startSandbox } from '../src/sandbox/sandbox.js';
import { waitFor } from './support/wait-for.js';

const LEASES = '/apis/coordination.k8s.io/v1/namespaces/default/leases';

interface Lease {
  metadata: { name: string; resourceVersion: string };
  spec: { holderIdentity?: string; renewTime?: unknown; leaseDurationSeconds?: number };
}
interface WatchLine {
  type: string;
  object: { code?: number; metadata?: { name?: string } };
}

function lease(name: string, spec: Lease['spec'] = {}) {
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name }, spec };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe('KubeRest against the sandbox', () => {
  let sandbox: Sandbox;
  let rest: KubeRest;

  beforeEach(async () => {
    sandbox = await startSandbox({ port: 0, bookmarkIntervalMs: 60_000 });
    rest = new KubeRest(sandbox.kubeConfig());
  });
  afterEach(async () => {
    await sandbox.stop();
  });

  it('keeps objects plain JSON (timestamps stay strings) and sends merge patches with their content type', async () => {
    const renewTime = '2026-01-02T03:04:05.123456Z';
    await rest.request({
      method: 'POST',
      path: LEASES,
      body: lease('a', { holderIdentity: 'x', renewTime }),
    });
    const read = await rest.request<Lease>({ method: 'GET', path: `${LEASES}/a` });
    expect(read.spec.renewTime).toBe(renewTime);
    expect(read).toEqual(sandbox.getObject('coordination.k8s.io', 'leases', 'default', 'a'));

    const patched = await rest.request<Lease>({
      method: 'PATCH',
      path: `${LEASES}/a`,
      body: { spec: { holderIdentity: 'y' } },
      contentType: 'application/merge-patch+json',
    });
    expect(patched.spec).toEqual({ holderIdentity: 'y', renewTime });
    const logged = sandbox.requests.filter((r) => r.method === 'PATCH');
    expect(logged.map((r) => [r.contentType, r.status])).toEqual([['application/merge-patch+json', 200]]);
  });

  it('turns API errors into KubeApiError with status, reason and the Status body', async () => {
    const missing = await rejection(rest.request({ method: 'GET', path: `${LEASES}/nope` }));
    expect(missing).toBeInstanceOf(KubeApiError);
    expect(isStatus(missing, 404)).toBe(true);
    expect((missing as KubeApiError).reason).toBe('NotFound');
    expect((missing as KubeApiError).body).toMatchObject({ kind: 'Status', code: 404 });
    expect((missing as KubeApiError).message).toContain(`GET ${LEASES}/nope: 404`);

    const created = await rest.request<Lease>({ method: 'POST', path: LEASES, body: lease('b') });
    await rest.request({
      method: 'PATCH',
      path: `${LEASES}/b`,
      body: { spec: { holderIdentity: 'z' } },
      contentType: 'application/merge-patch+json',
    });
    const stale = await rejection(
      rest.request({
        method: 'PUT',
        path: `${LEASES}/b`,
        body: { ...lease('b'), metadata: { name: 'b', resourceVersion: created.metadata.resourceVersion } },
      }),
    );
    expect(isStatus(stale, 409)).toBe(true);
    expect((stale as KubeApiError).reason).toBe('Conflict');
  });

  it('sends query parameters (limit/continue paging)', async () => {
    for (const name of ['p1', 'p2', 'p3'])
      await rest.request({ method: 'POST', path: LEASES, body: lease(name) });
    type Page = { items: Lease[]; metadata: { continue?: string } };
    const first = await rest.request<Page>({
      method: 'GET',
      path: LEASES,
      query: { limit: 2, continue: undefined },
    });
    expect(first.items.map((l) => l.metadata.name)).toEqual(['p1', 'p2']);
    expect(first.metadata.continue).toBeTruthy();
    const second = await rest.request<Page>({
      method: 'GET',
      path: LEASES,
      query: { limit: 2, continue: first.metadata.continue },
    });
    expect(second.items.map((l) => l.metadata.name)).toEqual(['p3']);
  });

  it('fails a request that outlives its timeout naming it, and lets the caller cancel one', async () => {
    sandbox.faults.delayNext({ count: 1, path: `${LEASES}/slow`, delayMs: 3_000 });
    const timedOut = await rejection(rest.request({ method: 'GET', path: `${LEASES}/slow`, timeoutMs: 100 }));
    expect((timedOut as Error).message).toBe(`GET ${LEASES}/slow timed out after 100 ms`);

    sandbox.faults.delayNext({ count: 1, path: `${LEASES}/cancelled`, delayMs: 3_000 });
    const abort = new AbortController();
    const pending = rejection(
      rest.request({ method: 'GET', path: `${LEASES}/cancelled`, signal: abort.signal }),
    );
    await waitFor('request reached the server', () =>
      sandbox.requests.some((r) => r.path.endsWith('/cancelled')),
    );
    abort.abort();
    const cancelled = await pending;
    expect(cancelled).not.toBeInstanceOf(KubeApiError);
    expect((cancelled as Error).message).not.toContain('timed out');
  });

  it('watches: onOpen, events from a resourceVersion, and a clean end when the server closes the stream', async () => {
    await rest.request({ method: 'POST', path: LEASES, body: lease('before') });
    const list = await rest.request<{ metadata: { resourceVersion: string } }>({
      method: 'GET',
      path: LEASES,
    });
    const lines: WatchLine[] = [];
    let opened = false;
    const done = rest.stream(
      {
        method: 'GET',
        path: LEASES,
        query: { watch: 1, resourceVersion: list.metadata.resourceVersion, timeoutSeconds: 1 },
      },
      (value) => lines.push(value as WatchLine),
      () => {
        opened = true;
      },
    );
    await waitFor('watch opened', () => opened);
    await rest.request({ method: 'POST', path: LEASES, body: lease('after') });
    await done;
    expect(lines.map((l) => `${l.type} ${l.object.metadata?.name}`)).toEqual(['ADDED after']);
    const watchRequest = sandbox.requests.find((r) => r.watch);
    expect(watchRequest?.query.get('resourceVersion')).toBe(list.metadata.resourceVersion);
  });

  it('watches: a refused watch is a KubeApiError (410 → isStatus), an expired resourceVersion an ERROR event', async () => {
    sandbox.faults.failNext({ count: 1, method: 'GET', path: LEASES, status: 410 });
    let opened = false;
    const refused = await rejection(
      rest.stream(
        { method: 'GET', path: LEASES, query: { watch: 1 } },
        () => {},
        () => {
          opened = true;
        },
      ),
    );
    expect(isStatus(refused, 410)).toBe(true);
    expect((refused as KubeApiError).message).toContain(`GET ${LEASES} (watch): 410`);
    expect(opened).toBe(false);

    sandbox.faults.forceGoneOnNextWatch({ path: LEASES });
    const lines: WatchLine[] = [];
    // The server sends the 410 Status as an ERROR event and ends the stream: the watch resolves after it.
    await rest.stream({ method: 'GET', path: LEASES, query: { resourceVersion: '1' } }, (value) =>
      lines.push(value as WatchLine),
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
  });

  it('watches: the caller’s signal ends an open watch, or one still waiting for headers, and the connection closes', async () => {
    const openAbort = new AbortController();
    let opened = false;
    const open = rest.stream(
      { method: 'GET', path: LEASES, signal: openAbort.signal },
      () => {},
      () => {
        opened = true;
      },
    );
    await waitFor('watch opened', () => opened && sandbox.api.openWatchCount === 1);
    openAbort.abort();
    expect((await rejection(open)) as Error).toBeInstanceOf(Error);
    await waitFor('server saw the watch close', () => sandbox.api.openWatchCount === 0);

    // The server holds the headers back; aborting must not wait for them.
    sandbox.faults.delayNext({ count: 1, path: LEASES, delayMs: 1_500 });
    const earlyAbort = new AbortController();
    let openedLate = false;
    const early = rest.stream(
      { method: 'GET', path: LEASES, signal: earlyAbort.signal },
      () => {},
      () => {
        openedLate = true;
      },
    );
    await waitFor(
      'watch request reached the server',
      () => sandbox.requests.filter((r) => r.watch).length === 2,
    );
    earlyAbort.abort();
    const error = await rejection(early);
    expect((error as Error).message).toBe(`watch ${LEASES} aborted`);
    const entry = sandbox.requests.filter((r) => r.watch)[1];
    await waitFor(
      'late watch connection closed',
      () => entry?.status !== undefined && sandbox.api.openWatchCount === 0,
    );
    expect(openedLate).toBe(false);
  });
});

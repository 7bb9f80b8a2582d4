import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/sandbox.js';
import { waitFor } from '../support/wait-for.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.stop();
});

const pod = (name: string, owner: { name: string; uid: string }) => ({
  metadata: {
    name,
    namespace: 'default',
    ownerReferences: [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner.name, uid: owner.uid, controller: true },
    ],
  },
  spec: { containers: [{ name: 'app', image: 'nginx' }] },
});

describe('garbage collection of objects created for an owner that is gone', () => {
  it('deletes a pod whose only owner does not exist (or is another object of that name), keeps one whose owner lives', async () => {
    const rs = sandbox.create('apps', 'v1', 'replicasets', {
      metadata: { name: 'live', namespace: 'default' },
      spec: {
        selector: { matchLabels: { app: 'x' } },
        template: {
          metadata: { labels: { app: 'x' } },
          spec: { containers: [{ name: 'app', image: 'nginx' }] },
        },
      },
    });
    const liveUid = String((rs.metadata as { uid: string }).uid);
    sandbox.create('', 'v1', 'pods', pod('orphan-missing', { name: 'gone', uid: 'no-such-uid' }));
    sandbox.create('', 'v1', 'pods', pod('orphan-stale-uid', { name: 'live', uid: 'old-incarnation' }));
    sandbox.create('', 'v1', 'pods', pod('owned', { name: 'live', uid: liveUid }));
    await waitFor('both orphans collected', () => sandbox.store.list('pods', 'default').length === 1);
    expect(sandbox.store.list('pods', 'default').map((p) => (p.metadata as { name: string }).name)).toEqual([
      'owned',
    ]);
  });
});

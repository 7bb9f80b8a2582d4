import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds, SHOP_NAMESPACE } from '../src/demo/demo-cluster.js';
import { DemoObserver } from '../src/demo/demo-observer.js';
import { demoPolicies, ML_POLICY } from '../src/demo/demo-policies.js';
import { KubeRest } from '../src/kube/rest-client.js';
import { type Sandbox, startSandbox } from '../src/sandbox/sandbox.js';

const POLICIES = `/apis/coordination-engine.io/v1alpha1/namespaces/${SHOP_NAMESPACE}/remediationpolicies`;

/**
 * The cause of the demo e2e test's flaky first judgement ("3 targets insufficient" once in 3 runs): the timeline
 * printed its first table right away, and when the engine had reconciled a policy but not yet evaluated it, the
 * status (rightly) counted every selected target as not judged, i.e. insufficient data. The test took that row for
 * the first evaluation. The table is now printed only once every policy has been evaluated.
 */
describe('the demo status table', () => {
  let sandbox: Sandbox;
  let rest: KubeRest;
  const dir = mkdtempSync(join(tmpdir(), 'ce-observer-'));

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, kubeconfigPath: join(dir, 'kubeconfig') });
    rest = new KubeRest(sandbox.kubeConfig());
    await installCrds(rest);
    await rest.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { metadata: { name: SHOP_NAMESPACE } },
    });
    for (const policy of demoPolicies('10s'))
      await rest.request({ method: 'POST', path: POLICIES, body: policy });
  });
  afterAll(async () => {
    await sandbox?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const setStatus = async (name: string, status: object) =>
    rest.request({
      method: 'PATCH',
      path: `${POLICIES}/${name}/status`,
      contentType: 'application/merge-patch+json',
      body: { status },
    });

  it('is not printed while a policy has not been evaluated, since its counts would judge nothing', async () => {
    const lines: string[] = [];
    const observer = new DemoObserver(rest, 'http://127.0.0.1:1', (line) => lines.push(line), 10_000);
    // What the engine writes on its first reconcile, before the first evaluation.
    const reconciled = {
      phase: 'Active',
      targets: { total: 3, healthy: 0, anomalous: 0, insufficientData: 3 },
    };
    for (const p of demoPolicies('10s') as { metadata: { name: string } }[])
      await setStatus(p.metadata.name, reconciled);
    await observer.printTableIfDue();
    expect(lines).toEqual([]);

    const evaluatedAt = new Date().toISOString();
    for (const p of demoPolicies('10s') as { metadata: { name: string } }[]) {
      await setStatus(p.metadata.name, {
        lastEvaluationTime: evaluatedAt,
        targets: { total: 3, healthy: 3, anomalous: 0, insufficientData: 0 },
      });
    }
    await observer.printTableIfDue();
    const row = lines.find((l) => l.trim().startsWith(ML_POLICY));
    expect(row?.trim().split(/\s{2,}/)).toEqual([
      ML_POLICY,
      'Active',
      '-',
      '-',
      '3',
      '3',
      '0',
      '0',
      expect.stringMatching(/^\d+s ago$/),
    ]);
  });
});

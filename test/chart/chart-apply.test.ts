import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type Sandbox, startSandbox } from '../../src/sandbox/sandbox.js';
import { renderChart } from '../support/helm-chart.js';

// The rendered chart applied to the sandbox with the real kubectl, as `helm template | kubectl apply -f -` would be:
// every object is accepted (kinds, fields, CRDs), reads back as rendered, and a second apply changes nothing.
const run = promisify(execFile);
let sandbox: Sandbox;
let dir: string;

/**
 * prometheus-operator's ServiceMonitor and PrometheusRule, reduced to what a cluster needs to store them: the real
 * CRDs are large and not ours to copy; these accept any spec, so the test proves the kinds and metadata apply.
 */
const MONITORING_CRDS = ['ServiceMonitor', 'PrometheusRule'].map((kind) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${kind.toLowerCase()}s.monitoring.coreos.com` },
  spec: {
    group: 'monitoring.coreos.com',
    scope: 'Namespaced',
    names: { kind, listKind: `${kind}List`, plural: `${kind.toLowerCase()}s`, singular: kind.toLowerCase() },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
}));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chart-apply-'));
  sandbox = await startSandbox({ kubeconfigPath: join(dir, 'kubeconfig') });
});
afterAll(async () => {
  await sandbox.stop();
  await rm(dir, { recursive: true, force: true });
});

async function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache')];
  try {
    const { stdout, stderr } = await run('kubectl', [...base, ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function file(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function applyClean(path: string): Promise<string[]> {
  const applied = await kubectl('apply', '-f', path);
  expect(applied.stderr).toBe('');
  expect(applied.code).toBe(0);
  return applied.stdout.trim().split('\n');
}

describe('the rendered chart applied with kubectl', () => {
  it('installs everything, monitoring and NetworkPolicy included, and re-applies unchanged', async () => {
    expect((await kubectl('create', 'namespace', 'ce-system')).code).toBe(0);
    await applyClean(
      await file('monitoring-crds.yaml', MONITORING_CRDS.map((c) => stringify(c)).join('---\n')),
    );
    const { documents, yaml } = await renderChart(
      {
        serviceMonitor: { enabled: true },
        prometheusRule: { enabled: true },
        networkPolicy: { enabled: true, egress: { enabled: true } },
        webhook: { tokenSecretName: 'coordination-engine-webhook' },
        prometheus: { url: 'http://prometheus-operated.monitoring.svc:9090' },
      },
      { namespace: 'ce-system', releaseName: 'ce', includeCrds: true },
    );
    const manifest = await file('chart.yaml', yaml);
    const lines = await applyClean(manifest);
    // One "created" line per document, the chart's CRDs first (--include-crds puts them ahead of the templates).
    expect(lines).toHaveLength(documents.length);
    for (const line of lines) expect(line).toMatch(/ created$/);
    expect(
      lines.slice(0, 3).every((l) => l.startsWith('customresourcedefinition.apiextensions.k8s.io/')),
    ).toBe(true);
    for (const kind of [
      'networkpolicy',
      'poddisruptionbudget',
      'servicemonitor',
      'prometheusrule',
      'deployment',
    ]) {
      expect(
        lines.some((l) => l.startsWith(`${kind}.`) || l.startsWith(`${kind}/`)),
        kind,
      ).toBe(true);
    }

    const stored = await kubectl('get', '-f', manifest, '-o', 'json');
    expect(stored.code).toBe(0);
    const items = (JSON.parse(stored.stdout) as { items: { kind: string; spec?: unknown }[] }).items;
    expect(items.map((i) => i.kind).sort()).toEqual(documents.map((d) => d.kind).sort());
    const deployment = items.find((i) => i.kind === 'Deployment') as {
      spec: { template: { spec: { containers: { securityContext: unknown }[] } } };
    };
    expect(deployment.spec.template.spec.containers[0]?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });

    // A PodDisruptionBudget is "configured" on every apply, against a real cluster too: its spec.selector has
    // patchStrategy "replace", so kubectl's strategic merge patch is never empty even for an identical object.
    const again = await applyClean(manifest);
    for (const line of again) {
      if (line.startsWith('poddisruptionbudget.policy/')) expect(line).toMatch(/ configured$/);
      else expect(line).toMatch(/ unchanged$/);
    }
  });

  it('installs for a namespace list: Roles in each watched namespace and in default', async () => {
    for (const ns of ['scoped-system', 'shop', 'payments']) {
      expect((await kubectl('create', 'namespace', ns)).code).toBe(0);
    }
    const { documents, yaml } = await renderChart(
      { watchNamespaces: ['shop', 'payments'] },
      { namespace: 'scoped-system', releaseName: 'scoped' },
    );
    const lines = await applyClean(await file('scoped.yaml', yaml));
    expect(lines).toHaveLength(documents.length);
    for (const ns of ['shop', 'payments', 'default']) {
      const roles = await kubectl('get', 'roles,rolebindings', '-n', ns, '-o', 'name');
      expect(roles.stdout.trim().split('\n').sort(), ns).toEqual(
        ns === 'default'
          ? [
              'role.rbac.authorization.k8s.io/scoped-coordination-engine-cluster-policy-events',
              'rolebinding.rbac.authorization.k8s.io/scoped-coordination-engine-cluster-policy-events',
            ]
          : [
              'role.rbac.authorization.k8s.io/scoped-coordination-engine',
              'rolebinding.rbac.authorization.k8s.io/scoped-coordination-engine',
            ],
      );
    }
  });
});

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runHelmRender } from '../support/helm-chart.js';

// tools/helm-render against a fixture chart: the Helm semantics the coordination-engine chart relies on, each as
// `helm template` behaves (values as float64, missing keys as empty, install order, partials, Helm's functions).
const FIXTURE = fileURLToPath(new URL('./fixtures/semantics/', import.meta.url));

async function render(overrides: Record<string, unknown> = {}, args: string[] = []) {
  const result = await runHelmRender(['--name', 'rel', '--namespace', 'ns', ...args], overrides, FIXTURE);
  if (result.code !== 0) throw new Error(result.stderr);
  const docs = parseAllDocuments(result.stdout, { version: '1.1' })
    .map((d) => d.toJS() as { kind: string; metadata: { name: string }; data?: Record<string, string> })
    .filter((d) => d !== null);
  return { text: result.stdout, docs };
}

async function failure(overrides: Record<string, unknown>): Promise<string> {
  const result = await runHelmRender([], overrides, FIXTURE);
  expect(result.code).not.toBe(0);
  return result.stderr.trim();
}

describe('helm-render renders as helm template does', () => {
  it('orders documents by install order, unknown kinds last by kind, each under its # Source comment', async () => {
    const { text, docs } = await render();
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'ServiceAccount/rel',
      'ConfigMap/rel-config',
      'Deployment/rel',
      'Aardvark/a',
      'Zebra/z',
    ]);
    expect(text.startsWith('---\n# Source: semantics/templates/workloads.yaml\napiVersion: v1\n')).toBe(true);
    // Partials and NOTES.txt are not manifests.
    expect(text).not.toContain('_helpers.tpl');
    expect(text).not.toContain('Installed rel');
  });

  it('gives templates .Values, .Release, .Chart, .Capabilities and .Template as Helm fills them', async () => {
    const data = (await render()).docs.find((d) => d.kind === 'ConfigMap')?.data ?? {};
    expect(data).toMatchObject({
      // Values go through YAML -> JSON -> float64, so a large integer prints in exponent form unless converted.
      big: '1e+06',
      bigInt: '1000000',
      ratio: '0.5',
      // missingkey=zero, and "<no value>" removed.
      missing: '',
      missingNested: '',
      hasApps: 'true',
      hasMonitoring: 'false',
      kubeMinor: '32',
      kubeVersion: 'v1.32.0',
      chart: 'semantics-1.2.3-4.5',
      install: 'true-false-1-Helm',
      template: 'semantics/templates/config.yaml in semantics/templates',
      sprig: '1,2,3',
    });
    const more = await render({}, [
      '--api-versions',
      'monitoring.coreos.com/v1',
      '--kube-version',
      'v1.29.4',
    ]);
    expect(more.docs.find((d) => d.kind === 'ConfigMap')?.data).toMatchObject({
      hasMonitoring: 'true',
      kubeMinor: '29',
      kubeVersion: 'v1.29.4',
    });
  });

  it('has Helm functions: include, tpl, toYaml (sorted keys), toJson, fromYaml, lookup (empty without a cluster)', async () => {
    const { text, docs } = await render();
    const data = docs.find((d) => d.kind === 'ConfigMap')?.data ?? {};
    expect(data.tpl).toBe('rel-hello');
    expect(data.labelsYaml).toBe('alpha: "true"\nzeta: "1"\n');
    expect(data.nestedYaml).toBe('drop: dropped\nkeep: kept\nlist:\n- b\n- a\n');
    expect(JSON.parse(data.json ?? '')).toEqual({ drop: 'dropped', keep: 'kept', list: ['b', 'a'] });
    expect(data.fromYaml).toBe('2');
    expect(data.fromYamlError).toBe('true');
    expect(data.lookupEmpty).toBe('0');
    expect(text).toContain('    app: semantics\n    release: rel\n');
    // Templates are parsed deeper paths first: the top-level file's define wins, as in Helm.
    expect(data.defined).toBe('top-level');
  });

  it('coalesces values: overrides win, maps merge, a null deletes a default', async () => {
    const { docs } = await render({ greeting: 'hi', nested: { keep: 'changed', drop: null, list: ['x'] } });
    const data = docs.find((d) => d.kind === 'ConfigMap')?.data ?? {};
    expect(data.tpl).toBe('rel-hi');
    expect(data.nestedYaml).toBe('keep: changed\nlist:\n- x\n');
    const shown = await runHelmRender(['--show-values'], { nested: { drop: null }, extra: 1 }, FIXTURE);
    expect(JSON.parse(shown.stdout)).toMatchObject({ nested: { keep: 'kept', list: ['b', 'a'] }, extra: 1 });
    expect(JSON.parse(shown.stdout).nested).not.toHaveProperty('drop');
  });

  it('fails like helm: required and fail with their message and location, YAML errors naming the file', async () => {
    expect(await failure({ requireIt: true })).toBe(
      'Error: execution error at (semantics/templates/guards.yaml:2:10): fixture.value is required',
    );
    expect(await failure({ failIt: true })).toBe(
      'Error: execution error at (semantics/templates/guards.yaml:5:4): failIt was set',
    );
    expect(await failure({ broken: true })).toMatch(
      /^Error: YAML parse error on semantics\/templates\/guards\.yaml/,
    );
    // Helm removes env and expandenv from Sprig: templates cannot read the renderer's environment.
    expect(await failure({ snippet: '{{ env "HOME" }}' })).toMatch(/function "env" not defined/);
  });

  it("refuses a Kubernetes version outside the chart's kubeVersion, as helm does", async () => {
    // The coordination-engine chart requires >=1.25.0-0.
    const old = await runHelmRender(['--kube-version', 'v1.24.9']);
    expect(old.code).not.toBe(0);
    expect(old.stderr).toContain(
      'chart requires kubeVersion: >=1.25.0-0 which is incompatible with Kubernetes v1.24.9',
    );
    expect((await runHelmRender(['--kube-version', 'v1.25.0'])).code).toBe(0);
  });

  it('refuses what it does not implement (hooks) instead of rendering it wrongly', async () => {
    expect(await failure({ hook: true })).toMatch(/hooks \(helm\.sh\/hook: pre-install\) are not supported/);
  });

  it('prints crds/ verbatim and first with --include-crds, and NOTES.txt with --notes', async () => {
    const { text } = await render({}, ['--include-crds']);
    expect(text.startsWith('---\n# Source: semantics/crds/thing.yaml\n# Printed verbatim')).toBe(true);
    expect(text).toContain('never templated: {{ .Release.Name }} stays as written');
    const notes = await runHelmRender(['--name', 'rel', '--notes'], {}, FIXTURE);
    expect(notes.stdout).toBe('Installed rel (semantics).\n');
  });
});

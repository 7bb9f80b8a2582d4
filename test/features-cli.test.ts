import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type ClusterDataset, generateCluster } from '../src/demo/cluster-metrics.js';
import {
  type BackfilledPrometheus,
  freePort,
  startBackfilledPrometheus,
} from '../src/demo/prometheus-launcher.js';
import { FEATURE_NAMES, featureIndex } from '../src/metrics/feature-catalogue.js';
import { startSandbox } from '../src/sandbox/sandbox.js';
import { expectedFeatures } from './support/expected-features.js';

const ROOT = resolve(import.meta.dirname, '..');
const TSX = resolve(ROOT, 'node_modules/.bin/tsx');

/** Runs the CLI the way a user does (tsx on the entry point) and returns exit code and output. */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(TSX, ['src/cli/main.ts', ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** `features --prometheus-url <harness> --namespace shop` plus the given flags. */
let shopFeatures: (extra: string[]) => ReturnType<typeof cli>;

const outputSchema = z.object({
  schemaVersion: z.string(),
  featureNames: z.array(z.string()),
  evaluatedAt: z.string(),
  evaluatedAtUnix: z.number(),
  status: z.enum(['ok', 'unavailable']),
  reason: z.string().optional(),
  pods: z.array(
    z.object({
      namespace: z.string(),
      pod: z.string(),
      node: z.string().nullable(),
      state: z.enum(['complete', 'insufficient_data']),
      values: z.array(z.number().nullable()),
      missing: z.record(z.string(), z.string()),
    }),
  ),
});

describe('coordination-engine features', () => {
  let dataset: ClusterDataset;
  let prom: BackfilledPrometheus;
  let t: number;

  beforeAll(async () => {
    const endMs = Math.floor(Date.now() / 1000) * 1000;
    dataset = generateCluster({ seed: 3, nodeCount: 3, podCount: 20, namespaces: ['shop'], endMs });
    prom = await startBackfilledPrometheus(dataset);
    t = Math.floor((endMs - 60_000) / 60_000) * 60_000;
    shopFeatures = (extra) =>
      cli(['features', '--prometheus-url', prom.url, '--namespace', 'shop', ...extra]);
  });
  afterAll(async () => {
    await prom?.stop();
  });

  it('--output json prints the schema version, the 45 names, and values or explicit missing markers', async () => {
    const run = await shopFeatures(['--at', String(t / 1000), '--output', 'json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = outputSchema.parse(JSON.parse(run.stdout));
    expect(out.schemaVersion).toBe('v1');
    expect(out.featureNames).toEqual(FEATURE_NAMES);
    expect(out.evaluatedAtUnix).toBe(t / 1000);
    expect(out.pods).toHaveLength(dataset.pods.length);

    const regular = out.pods.find((p) => p.pod === dataset.pods[0]?.name);
    expect(regular?.state).toBe('complete');
    const expected = expectedFeatures(dataset, { namespace: 'shop', name: regular?.pod ?? '' }, t, {
      stepSeconds: 60,
      rateWindowSeconds: 300,
    });
    regular?.values.forEach((v, i) => {
      expect(v, FEATURE_NAMES[i]).toBeCloseTo(expected[i] ?? Number.NaN, 9);
    });

    const noLimit = out.pods.find((p) => p.pod === dataset.scenarios?.noMemoryLimit.name);
    expect(noLimit?.state).toBe('insufficient_data');
    expect(noLimit?.values[featureIndex('pod_memory_usage.value')]).toBeNull();
    expect(noLimit?.missing['pod_memory_usage.value']).toBe('no_series');
    expect(noLimit?.values[featureIndex('pod_cpu_usage.value')]).toEqual(expect.any(Number));
  });

  it('--pod with an RFC 3339 --at prints one readable table (--timeout takes a duration)', async () => {
    const pod = dataset.pods[1]?.name ?? '';
    const at = new Date(t).toISOString();
    const run = await shopFeatures(['--pod', pod, '--at', at, '--timeout', '10s']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`evaluated at ${at}, 1 pod(s)`);
    expect(run.stdout).toContain(`shop/${pod}`);
    expect(run.stdout.split('\n').filter((l) => /^(node|pod|container)_/.test(l))).toHaveLength(5);
  });

  it('--pod that Prometheus knows nothing about says "not found" and exits 1, printing no vector', async () => {
    const run = await shopFeatures(['--pod', 'nope', '--at', String(t / 1000), '--output', 'json']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `coordination-engine: pod nope not found in namespace shop (Prometheus has no kube_pod_info and no series ` +
        `for it at ${new Date(t).toISOString()})\n`,
    );
  });

  it('exits 2 with status unavailable when Prometheus is down', async () => {
    const port = await freePort();
    const run = await cli([
      'features',
      '--prometheus-url',
      `http://127.0.0.1:${port}`,
      '--namespace',
      'shop',
      '--output',
      'json',
    ]);
    expect(run.code).toBe(2);
    const out = outputSchema.parse(JSON.parse(run.stdout));
    expect(out).toMatchObject({ status: 'unavailable', reason: 'unreachable', pods: [] });
  });

  it('--kubeconfig takes pods and nodes from the Kubernetes API and skips the kube_pod_info join', async () => {
    const listed = dataset.pods.slice(0, 3);
    const dir = await mkdtemp(join(tmpdir(), 'ce-kube-'));
    const kubeconfig = join(dir, 'config');
    const sandbox = await startSandbox({ kubeconfigPath: kubeconfig });
    try {
      sandbox.create('', 'v1', 'namespaces', { metadata: { name: 'shop' } });
      for (const p of listed) {
        sandbox.create('', 'v1', 'pods', {
          metadata: { name: p.name, namespace: p.namespace },
          spec: { nodeName: p.node, containers: [{ name: 'app', image: 'shop:1' }] },
        });
      }
      const run = await shopFeatures([
        '--kubeconfig',
        kubeconfig,
        '--at',
        String(t / 1000),
        '--output',
        'json',
      ]);
      expect(run.stderr).toBe('');
      const out = outputSchema.extend({ queries: z.number() }).parse(JSON.parse(run.stdout));
      expect(sandbox.requests.map((r) => r.path)).toContain('/api/v1/namespaces/shop/pods');
      expect(out.pods.map((p) => [p.pod, p.node])).toEqual(listed.map((p) => [p.name, p.node]));
      expect(out.queries).toBe(5);
      expect(out.pods.every((p) => p.state === 'complete')).toBe(true);

      const missing = await shopFeatures(['--kubeconfig', kubeconfig, '--pod', 'nope']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe(
        'coordination-engine: pod nope not found in namespace shop (the Kubernetes API lists no such pod)\n',
      );
    } finally {
      await sandbox.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a bad --at, naming the flag', async () => {
    const run = await shopFeatures(['--at', 'yesterday']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('--at');
  });
});

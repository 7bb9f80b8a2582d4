import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Registry } from 'prom-client';
import { startEngine } from '../cli/engine.js';
import { resolveConfig } from '../config/settings.js';
import { installCrds } from '../demo/demo-cluster.js';
import { KubeRest } from '../kube/rest-client.js';
import { startSandbox } from '../sandbox/sandbox.js';
import { EngineEndpoints } from '../server/http-servers.js';
import type { MetricFamily } from './reference-tables.js';

/** Nothing listens on the discard port: the engine registers its metrics whether its dependencies answer or not. */
const UNREACHABLE = 'http://127.0.0.1:9';

export interface EngineMetricsSnapshot {
  /** What the registry holds, from its metric objects (names, types, help, label names). */
  registry: Omit<MetricFamily, 'withMl'>[];
  /** The families /metrics exposes (its `# TYPE` lines), for checking the two agree. */
  exposed: { name: string; type: string }[];
}

/**
 * Starts the real engine in-process against a throwaway sandbox, as the composition root builds it for `config`
 * (plus the given settings), and reads its metric registry and its /metrics page; then stops both.
 */
export async function engineMetricsSnapshot(flags: Record<string, string>): Promise<EngineMetricsSnapshot> {
  const dir = await mkdtemp(join(tmpdir(), 'ce-metrics-'));
  const sandbox = await startSandbox({ port: 0, kubeconfigPath: join(dir, 'kubeconfig') });
  try {
    await installCrds(new KubeRest(sandbox.kubeConfig()));
    const config = resolveConfig(
      { kubeconfig: join(dir, 'kubeconfig'), port: '0', metricsPort: '0', leaderElection: 'false', ...flags },
      {},
    );
    const endpoints = await EngineEndpoints.listen(0, 0);
    let registry: Registry | undefined;
    const attach = endpoints.attach.bind(endpoints);
    endpoints.attach = (view) => {
      registry = view.registry;
      attach(view);
    };
    const engine = await startEngine(config, pino({ level: 'silent' }), {
      endpoints,
      onLostLeadership: () => {},
    });
    try {
      if (!registry) throw new Error('the engine attached no metric registry');
      const families = registry.getMetricsAsArray().map((m) => ({
        name: m.name,
        type: String(m.type),
        help: m.help,
        labels: [...((m as { labelNames?: readonly string[] }).labelNames ?? [])],
      }));
      const page = await (await fetch(`http://127.0.0.1:${engine.metricsPort}/metrics`)).text();
      const exposed = [...page.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => ({
        name: m[1] ?? '',
        type: m[2] ?? '',
      }));
      return { registry: families, exposed };
    } finally {
      await engine.stop();
    }
  } finally {
    await sandbox.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Every metric family the engine can expose: with Prometheus and the ML service configured, and which of them
 * exist only with the ML service.
 */
export async function engineMetricFamilies(): Promise<MetricFamily[]> {
  const base = await engineMetricsSnapshot({ prometheusUrl: UNREACHABLE });
  const full = await engineMetricsSnapshot({ prometheusUrl: UNREACHABLE, mlServiceUrl: UNREACHABLE });
  const always = new Set(base.registry.map((f) => f.name));
  return full.registry.map((f) => ({ ...f, withMl: !always.has(f.name) }));
}

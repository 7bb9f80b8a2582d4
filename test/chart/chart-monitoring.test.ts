import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createMlMetrics } from '../../src/ml/ml-metrics.js';
import { EngineMetrics } from '../../src/server/engine-metrics.js';
import { findManifest, type KubeManifest, renderChart } from '../support/helm-chart.js';

// The optional monitoring objects: the ServiceMonitor scrapes what the Service exposes, and the PrometheusRule's
// alerts use metrics the engine really registers, load in Debian's promtool and fire (or stay quiet) on series
// shaped like the engine's, in promtool's rule unit tests.
const run = promisify(execFile);
const NS = 'coordination-engine';
const SELECTOR = `namespace="${NS}", job="coordination-engine"`;

interface AlertRule {
  alert: string;
  expr: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
type RuleObject = KubeManifest & { spec: { groups: { name: string; rules: AlertRule[] }[] } };

let dir: string;
let documents: KubeManifest[];
let rules: AlertRule[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chart-monitoring-'));
  ({ documents } = await renderChart(
    {
      serviceMonitor: { enabled: true },
      prometheusRule: { enabled: true },
      networkPolicy: { enabled: true },
    },
    { namespace: NS },
  ));
  const rule = findManifest(documents, 'PrometheusRule') as RuleObject;
  await writeFile(join(dir, 'rules.yaml'), stringify({ groups: rule.spec.groups }));
  rules = rule.spec.groups.flatMap((g) => g.rules);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function promtool(...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd: dir, timeout: 30_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** One alert, as promtool expects it: its labels plus the series', its annotations with $value filled in. */
function firing(name: string, value = ''): Record<string, unknown> {
  const rule = rules.find((r) => r.alert === name);
  if (!rule) throw new Error(`no alert ${name}`);
  const annotations = Object.fromEntries(
    Object.entries(rule.annotations).map(([k, v]) => [k, v.replace('{{ $value | humanize }}', value)]),
  );
  return {
    exp_labels: { ...rule.labels, namespace: NS, job: 'coordination-engine' },
    exp_annotations: annotations,
  };
}

const series = (name: string, values: string, extra = '') => ({
  series: `${name}{${SELECTOR}${extra ? `, ${extra}` : ''}}`,
  values,
});

describe('monitoring objects', () => {
  it('scrape the Service port named metrics, in the release namespace', () => {
    const monitor = findManifest(documents, 'ServiceMonitor') as KubeManifest & {
      spec: {
        selector: { matchLabels: Record<string, string> };
        endpoints: { port: string; path: string }[];
      };
    };
    const service = findManifest(documents, 'Service') as KubeManifest & {
      spec: { ports: { name: string }[] };
    };
    expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    expect(service.spec.ports.map((p) => p.name)).toContain(monitor.spec.endpoints[0]?.port);
    expect(monitor.spec.endpoints[0]?.path).toBe('/metrics');
  });

  it('alert on metrics the engine registers, under their real names', async () => {
    const metrics = new EngineMetrics();
    createMlMetrics(metrics.registry);
    const registered = new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
    const used = new Set(rules.flatMap((r) => r.expr.match(/coordination_engine_[a-z_]+/g) ?? []));
    expect([...used].sort()).toEqual([
      'coordination_engine_escalations_total',
      'coordination_engine_leader',
      'coordination_engine_ml_circuit_breaker_state',
      'coordination_engine_reconcile_total',
      'coordination_engine_remediation_skips_total',
    ]);
    for (const name of used) expect(registered, name).toContain(name);
  });

  it('load in promtool', async () => {
    const checked = await promtool('check', 'rules', 'rules.yaml');
    expect(checked.output).toContain('SUCCESS: 5 rules found');
    expect(checked.code).toBe(0);
  });

  it('fire on the situations they name, and only on those (promtool test rules)', async () => {
    const test = (input: object[], evalTime: string, alertname: string, expected: object[]) => ({
      interval: '1m',
      input_series: input,
      alert_rule_test: [{ eval_time: evalTime, alertname, exp_alerts: expected }],
    });
    const state = 'coordination_engine_ml_circuit_breaker_state';
    const tests = [
      // The breaker flips between open (1) and half-open (2) while the service stays down: still an outage.
      test([series(state, '0 1 2 1 2 1 2 1 2 1 2 1')], '10m', 'CoordinationEngineMLCircuitBreakerOpen', [
        firing('CoordinationEngineMLCircuitBreakerOpen'),
      ]),
      // Closed once in the last five minutes: recovering, no alert.
      test([series(state, '1 1 1 1 1 1 1 0 1 1 1')], '10m', 'CoordinationEngineMLCircuitBreakerOpen', []),
      // Two replicas, neither leading for more than five minutes; then one that leads.
      test(
        [
          series('coordination_engine_leader', '0x10', 'pod="a"'),
          series('coordination_engine_leader', '0x10', 'pod="b"'),
        ],
        '7m',
        'CoordinationEngineNoLeader',
        [firing('CoordinationEngineNoLeader')],
      ),
      test(
        [
          series('coordination_engine_leader', '1x10', 'pod="a"'),
          series('coordination_engine_leader', '0x10', 'pod="b"'),
        ],
        '7m',
        'CoordinationEngineNoLeader',
        [],
      ),
      // No engine series at all: nothing scrapes it, which is no leader too.
      test([series('up', '1x10')], '7m', 'CoordinationEngineNoLeader', [
        firing('CoordinationEngineNoLeader'),
      ]),
      // One failed reconcile per second for 20 minutes; successes alone never fire.
      test(
        [
          series(
            'coordination_engine_reconcile_total',
            '0+60x25',
            'controller="remediationpolicy", result="error"',
          ),
        ],
        '20m',
        'CoordinationEngineReconcileErrors',
        [firing('CoordinationEngineReconcileErrors', '1')],
      ),
      test(
        [
          series(
            'coordination_engine_reconcile_total',
            '0+60x25',
            'controller="remediationpolicy", result="success"',
          ),
        ],
        '20m',
        'CoordinationEngineReconcileErrors',
        [],
      ),
      test(
        [series('coordination_engine_escalations_total', '0 0 1 1 1')],
        '4m',
        'CoordinationEngineEscalations',
        [firing('CoordinationEngineEscalations')],
      ),
      test(
        [series('coordination_engine_escalations_total', '3x40')],
        '40m',
        'CoordinationEngineEscalations',
        [],
      ),
      test(
        [series('coordination_engine_remediation_skips_total', '0 2 4 6', 'reason="StormActive"')],
        '3m',
        'CoordinationEngineRemediationStorm',
        [firing('CoordinationEngineRemediationStorm')],
      ),
      test(
        [series('coordination_engine_remediation_skips_total', '0 2 4 6', 'reason="Cooldown"')],
        '3m',
        'CoordinationEngineRemediationStorm',
        [],
      ),
    ];
    await writeFile(
      join(dir, 'tests.yaml'),
      stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests }),
    );
    const result = await promtool('test', 'rules', 'tests.yaml');
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('restrict traffic to the named container ports when the NetworkPolicy is on', async () => {
    const policy = findManifest(documents, 'NetworkPolicy') as KubeManifest & {
      spec: { policyTypes: string[]; ingress: { ports: { port: string }[] }[]; egress?: unknown[] };
    };
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(policy.spec.ingress.flatMap((r) => r.ports.map((p) => p.port))).toEqual(['api', 'metrics']);
    const egress = await renderChart(
      {
        networkPolicy: {
          enabled: true,
          egress: { enabled: true, extra: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] },
        },
      },
      { namespace: NS },
    );
    const restricted = findManifest(egress.documents, 'NetworkPolicy') as KubeManifest & {
      spec: {
        policyTypes: string[];
        egress: { ports?: { port: number; protocol: string }[]; to?: unknown[] }[];
      };
    };
    expect(restricted.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(restricted.spec.egress[0]?.ports).toEqual([
      { port: 53, protocol: 'UDP' },
      { port: 53, protocol: 'TCP' },
    ]);
    expect(restricted.spec.egress[1]?.ports?.map((p) => p.port)).toEqual([443, 6443]);
    expect(restricted.spec.egress[2]?.to).toEqual([{ ipBlock: { cidr: '10.0.0.0/8' } }]);
  });
});

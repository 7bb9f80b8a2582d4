import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockMlServer, startMockMlServer } from '../../mock-ml-server/src/server.js';
import {
  prometheusAvailable,
  type RunningPrometheus,
  startScrapingPrometheus,
} from '../../src/demo/prometheus-launcher.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import type { Simulator } from '../../src/simulator/simulator.js';
import { testPolicy } from '../support/policy-fixtures.js';
import { waitFor } from '../support/wait-for.js';
import {
  type EngineProcess,
  policyStatus,
  type sandboxWithCrd,
  startEngineProcess,
} from './engine-harness.js';
import { startLivingCluster, stopLivingCluster } from './living-cluster.js';
import { clusterViews } from './remediation-views.js';
import { appDeployment } from './workload-fixtures.js';

/**
 * Pattern analysis on a living cluster (docs/ml-guidance.md, "Pattern: stand down on what is expected"). Three
 * `daily-peak` Deployments, each bursting now, with two days of history backfilled into Prometheus:
 * - `usual`: its history peaks every day at this hour. The ML service finds the daily spike in the events the
 *   engine derives from Prometheus, so the anomaly is expected: skipped as ExpectedPattern, nothing restarted.
 * - `unusual`: its history peaks twelve hours away; it bursts now only because its peak hour was moved to this hour
 *   after the backfill. The same spike at an unusual hour: rollout-restarted.
 * - `ml-down`: like `usual`, but its policy only appears once the ML service is down: pattern analysis is
 *   unavailable, so the anomaly is acted on as the rules decide, and the record, the Event and the policy's
 *   history say why.
 * The pattern endpoint is asked once per candidate target, never per pod or per cycle (counted on the mock).
 */
let env: Awaited<ReturnType<typeof sandboxWithCrd>>;
let sandbox: Sandbox;
let simulator: Simulator;
let prometheus: RunningPrometheus;
let engine: EngineProcess;
let ml: MockMlServer;

const USUAL = 'usual';
const UNUSUAL = 'unusual';
const DOWN = 'ml-down';
const PATTERN = '/api/v1/pattern/analyze';
const SIM = 'sandbox.coordination-engine.io/';
const HEALTHY_REPLICAS = 3;
const PEAK_REPLICAS = 2;
/** Pods the engine watches: `api` and `web` in usual, one `api` each in unusual and ml-down. */
const PODS = PEAK_REPLICAS + HEALTHY_REPLICAS + 2;

// The burst lasts 75 minutes from <hour>:00. Taking the hour of 5 minutes ago, it covers now with at least 10
// minutes to spare, whatever the minute the test starts at, and both hours a decision can fall in hold bursts of
// the previous days, so the pattern explains an anomaly at either (test/simulator/daily-peak-patterns.test.ts
// checks this for every minute).
const usualHour = new Date(Date.now() - 5 * 60_000).getUTCHours();
const otherHour = (usualHour + 12) % 24;
const peak = (hour: number) => ({
  [`${SIM}behaviour`]: 'daily-peak',
  [`${SIM}peak-hour`]: String(hour),
  [`${SIM}peak-width`]: '75m',
  // 100m so the 3x burst (300m) stays under the 500m limit, and above twice the day's median CPU.
  [`${SIM}cpu-baseline`]: '100m',
});

const views = clusterViews(() => sandbox);
type Entry = { result: string; reason?: string; message?: string; action: string };
const history = (ns: string) =>
  ((policyStatus(sandbox, ns, ns) as { history?: Entry[] } | undefined)?.history ?? []) as Entry[];
const actions = (ns: string) => views.records(ns).flatMap((r) => (r.status?.actions ?? []) as Entry[]);
const eventsOn = (ns: string, reason: string) =>
  views.events(ns, reason, 'Deployment') as unknown as Array<{ type: string; message: string }>;

/** A policy of one namespace: a pod above half its memory limit is anomalous; pattern analysis may stand it down. */
const peakPolicy = (ns: string) =>
  testPolicy(ns)
    .inNamespace(ns)
    .targeting({ tier: 'app' })
    // The burst lifts memory at once (a rule on the 5-minute CPU rate would take minutes to fire).
    .withRule({
      name: 'memory-peak',
      feature: 'pod_memory_usage.value',
      operator: '>',
      value: 0.5,
      for: '0s',
    })
    // Two days of 75-minute bursts make a daily_spike of confidence 0.7 to 0.8 (the share of the first hour).
    .withMl({ endpoints: ['pattern'], pattern: { window: '48h', minConfidence: 0.6 } })
    .withActions({ name: 'roll', type: 'RolloutRestart', verificationWindow: '30s' })
    .withSafety({ dryRun: false })
    .withSpecField('evaluationInterval', '10s')
    .build();
const createPolicy = (ns: string) =>
  sandbox.create('coordination-engine.io', 'v1alpha1', 'remediationpolicies', peakPolicy(ns) as never);

function diagnostics(): string {
  const ns = [USUAL, UNUSUAL, DOWN];
  return `\nml: ${JSON.stringify(ml.counts().byPath)}\n${ns
    .map(
      (n) =>
        `${n}: records ${JSON.stringify(views.records(n).map((r) => r.status?.actions))}\n  history ${JSON.stringify(history(n))}`,
    )
    .join('\n')}\nengine: ${engine.proc
    .output()
    .split('\n')
    .filter((l) => /remediation|pattern|warn|error/i.test(l))
    .slice(-30)
    .join('\n')}`;
}

/** Waits until the policy of `ns` has been evaluated `n` more times. */
async function evaluations(ns: string, n: number): Promise<void> {
  const seen = new Set<number>();
  const first = views.lastEvaluation(ns, ns);
  await waitFor(
    `${n} more evaluations of ${ns}`,
    () => {
      const t = views.lastEvaluation(ns, ns);
      if (Number.isFinite(t) && t !== first) seen.add(t);
      return seen.size >= n;
    },
    { timeoutMs: 15_000 * n, intervalMs: 100 },
  );
}

beforeAll(async () => {
  let cluster: Awaited<ReturnType<typeof startLivingCluster>>;
  [ml, cluster] = await Promise.all([startMockMlServer({ port: 0, faults: {} }), startLivingCluster(USUAL)]);
  ({ env, sandbox, simulator } = cluster);
  const { post } = cluster;
  await Promise.all([
    post('/api/v1/namespaces', { metadata: { name: UNUSUAL } }),
    post('/api/v1/namespaces', { metadata: { name: DOWN } }),
  ]);
  const deploy = (ns: string, name: string, replicas: number, annotations: Record<string, string> = {}) =>
    post(
      `/apis/apps/v1/namespaces/${ns}/deployments`,
      appDeployment({ name, imagePrefix: ns, replicas, annotations, labels: { tier: 'app' } }),
    );
  await Promise.all([
    deploy(USUAL, 'api', PEAK_REPLICAS, peak(usualHour)),
    deploy(USUAL, 'web', HEALTHY_REPLICAS),
    deploy(UNUSUAL, 'api', 1, peak(otherHour)),
    deploy(DOWN, 'api', 1, peak(usualHour)),
  ]);
  await waitFor(
    `${PODS} pods Running`,
    () =>
      [USUAL, UNUSUAL, DOWN]
        .flatMap((ns) => sandbox.store.list('pods', ns))
        .filter((p) => (p.status as { phase?: string } | undefined)?.phase === 'Running').length === PODS,
    { timeoutMs: 30_000 },
  );
  // Three days at a 2-minute step, for the policies' 48-hour window. The window's first 5-minute rate reaches
  // 5 minutes further back, and late in the hour that sample is all the window holds of the burst two days ago:
  // with only 48 hours of history it had no data, the burst counted on one earlier day instead of two, and a
  // decision in the hour's last minutes found no daily pattern (seen at 22:59 UTC).
  const past = await simulator.history(3 * 86_400, 120);
  // From now on `unusual` peaks at this hour too: its past (above) peaked twelve hours away.
  await env.rest.request({
    method: 'PATCH',
    path: `/apis/apps/v1/namespaces/${UNUSUAL}/deployments/api`,
    contentType: 'application/merge-patch+json',
    body: { metadata: { annotations: { [`${SIM}peak-hour`]: String(usualHour) } } },
  });
  prometheus = await startScrapingPrometheus(
    { targets: [new URL(simulator.exporter?.url ?? '').host], intervalSeconds: 5 },
    past,
  );
  createPolicy(USUAL);
  createPolicy(UNUSUAL);
  engine = await startEngineProcess(`${env.dir}/kubeconfig`, 'patterns', [
    '--prometheus-url',
    prometheus.url,
    '--ml-service-url',
    ml.url,
  ]);
}, 180_000);

afterAll(async () => {
  await stopLivingCluster({ engine, prometheus, simulator, ml, env });
});

describe.skipIf(!prometheusAvailable())('pattern analysis', () => {
  it('stands down on a daily peak at its usual hour, acts on the same spike at an unusual hour', async () => {
    try {
      const usualPods = views.podUids(USUAL).sort();
      const [skipped, restartedAt] = await Promise.all([
        waitFor(
          'usual skipped as ExpectedPattern',
          () => actions(USUAL).find((a) => a.result === 'Skipped' && a.reason === 'ExpectedPattern'),
          { timeoutMs: 90_000, intervalMs: 200 },
        ),
        waitFor('unusual rollout-restarted', () => views.restartedAt(UNUSUAL), {
          timeoutMs: 90_000,
          intervalMs: 200,
        }),
      ]);
      // The record says which pattern explained it, at this hour.
      expect(skipped.action).toBe('RolloutRestart');
      expect(skipped.message).toMatch(
        /expected: daily_spike of high_cpu \(confidence 0\.\d+ ≥ 0\.6\) recurs at \d\d:00 UTC/,
      );
      // Where an SRE looks: the policy's history, a Normal Event on the Deployment, the skips metric.
      const entry = await waitFor('the skip in the policy history', () =>
        history(USUAL).find((h) => h.reason === 'ExpectedPattern'),
      );
      expect(entry.result).toBe('Skipped');
      const [event] = await waitFor('the ExpectedPattern Event on the Deployment', () => {
        const found = eventsOn(USUAL, 'ExpectedPattern');
        return found.length > 0 ? found : undefined;
      });
      expect(event?.type).toBe('Normal');
      expect(event?.message).toContain('daily_spike');
      await waitFor(
        'the ExpectedPattern skip counted',
        async () =>
          ((await engine.metric('coordination_engine_remediation_skips_total', 'reason="ExpectedPattern"')) ??
            0) >= 1,
        { intervalMs: 200 },
      );

      // The same burst an hour the history does not know: acted on, and the record says the pattern was asked.
      expect(restartedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      await waitFor('a ReplicaSet of the restarted template', () =>
        views.replicaSets(UNUSUAL).includes(restartedAt),
      );
      const acted = await waitFor('the restart recorded', () =>
        actions(UNUSUAL).find((a) => a.action === 'RolloutRestart' && a.result === 'Succeeded'),
      );
      expect(acted.message).toMatch(
        /no recurring pattern at confidence ≥ 0\.6 explains it now \(patterns: .*daily_spike/,
      );
      expect(actions(UNUSUAL).some((a) => a.reason === 'ExpectedPattern')).toBe(false);

      // Stood down for good: three more evaluations later `usual` is still untouched and still expected...
      await evaluations(USUAL, 3);
      expect(views.restartedAt(USUAL)).toBeUndefined();
      expect(views.podUids(USUAL).sort()).toEqual(usualPods);
      expect(actions(USUAL).filter((a) => a.result !== 'Skipped')).toEqual([]);
      expect(actions(USUAL).filter((a) => a.reason === 'ExpectedPattern')).toHaveLength(1);
      // ...and the pattern endpoint was asked once per candidate target (usual/api, unusual/api), never about the
      // healthy web, nor per pod (PODS of them) or per cycle (at least four of each policy by now).
      expect(ml.counts().byPath[PATTERN]).toBe(2);
    } catch (error) {
      throw new Error(`${String(error)}${diagnostics()}`);
    }
  }, 150_000);

  it('acts as the rules decide while the ML service is down, and says pattern analysis was unavailable', async () => {
    try {
      await ml.close();
      // Its history peaks at this hour like `usual`'s: only the outage makes the difference.
      createPolicy(DOWN);
      const restartedAt = await waitFor('ml-down rollout-restarted', () => views.restartedAt(DOWN), {
        timeoutMs: 60_000,
        intervalMs: 200,
      });
      await waitFor('a ReplicaSet of the restarted template', () =>
        views.replicaSets(DOWN).includes(restartedAt),
      );
      const unavailable = /pattern analysis unavailable \(ML unavailable .*\); acted on rules and anomaly/;
      const acted = await waitFor('the restart recorded', () =>
        actions(DOWN).find((a) => a.action === 'RolloutRestart' && a.result === 'Succeeded'),
      );
      expect(acted.message).toMatch(unavailable);
      const entry = await waitFor('the restart in the policy history', () =>
        history(DOWN).find((h) => h.action === 'RolloutRestart' && h.reason === 'Remediated'),
      );
      expect(entry.message).toMatch(unavailable);
      const [event] = await waitFor('the Remediated Event on the Deployment', () => {
        const found = eventsOn(DOWN, 'Remediated');
        return found.length > 0 ? found : undefined;
      });
      expect(event?.message).toMatch(unavailable);
    } catch (error) {
      throw new Error(`${String(error)}${diagnostics()}`);
    }
  }, 90_000);
});

import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvaluationLoop } from '../../src/controller/evaluation-loop.js';
import { type RunningPrometheus, startScrapingPrometheus } from '../../src/demo/prometheus-launcher.js';
import { AssessmentStore } from '../../src/detection/assessment-store.js';
import { DetectionCycle, type PolicyTargets } from '../../src/detection/detection-cycle.js';
import { RuleTracker } from '../../src/detection/rule-tracker.js';
import type { KubeObject } from '../../src/kube/kube-object.js';
import { FeatureVectorBuilder } from '../../src/metrics/feature-vector-builder.js';
import { PrometheusClient } from '../../src/metrics/prometheus-client.js';
import type { SampleSeries } from '../../src/simulator/sample-series.js';
import { FakeClock } from '../support/fake-clock.js';
import { testPolicy } from '../support/policy-fixtures.js';
import { waitFor } from '../support/wait-for.js';

/**
 * One labelled scenario, played twice against a real Prometheus: a pod whose memory working set jumps from 39 % to
 * 94 % of its limit 10 s after the engine's first cycle, judged by `pod_memory_usage.value > 0.9 for 30s` every
 * 30 s. The only difference between the two plays is where in the minute the first cycle falls: second 5 or
 * second 55. The engine itself runs in-process (the real EvaluationLoop, DetectionCycle, FeatureVectorBuilder and
 * PrometheusClient) on a fake clock, so the phase is exact and the cycles are counted, not timed.
 *
 * With the instant rounded down to the minute, the two phases detected on the 4th and the 5th cycle (at second 55
 * the samples after the jump stayed invisible until the next minute), and with the loop that drifted (a cycle
 * every 29 s) on the 5th and the 6th.
 */
const MI = 1024 * 1024;
const SCRAPE_MS = 10_000;
/** Never on a whole second: a sample never sits exactly on an evaluation instant or a window edge. */
const SCRAPE_PHASE_MS = -3_217;
const JUMP_AFTER_MS = 10_000;
const HISTORY_BEFORE_MS = 12 * 60_000;
const HISTORY_AFTER_MS = 4 * 60_000;

interface Scenario {
  namespace: string;
  node: string;
  /** The first cycle's time. */
  t0: number;
}

/** The exporters' series for one play, every sample placed relative to its first cycle. */
function scenarioSeries({ namespace, node, t0 }: Scenario): SampleSeries[] {
  const times: number[] = [];
  for (let t = t0 - HISTORY_BEFORE_MS + SCRAPE_PHASE_MS; t <= t0 + HISTORY_AFTER_MS; t += SCRAPE_MS)
    times.push(t);
  const series = (name: string, labels: Record<string, string>, value: (t: number) => number) => ({
    name,
    labels,
    times,
    values: times.map(value),
  });
  const pod = { namespace, pod: 'web-0', container: 'app' };
  const since = (t: number) => (t - t0 + HISTORY_BEFORE_MS) / 1000;
  return [
    series('node_cpu_seconds_total', { instance: node, cpu: '0', mode: 'idle' }, (t) => 1e5 + 0.7 * since(t)),
    series('node_memory_MemAvailable_bytes', { instance: node }, () => 6 * 1024 * MI),
    series('node_memory_MemTotal_bytes', { instance: node }, () => 16 * 1024 * MI),
    series('container_cpu_usage_seconds_total', pod, (t) => 50 + 0.2 * since(t)),
    series('container_memory_working_set_bytes', pod, (t) => (t >= t0 + JUMP_AFTER_MS ? 240 : 100) * MI),
    series(
      'kube_pod_container_resource_limits',
      { ...pod, resource: 'memory', unit: 'byte' },
      () => 256 * MI,
    ),
    series('kube_pod_container_status_restarts_total', pod, () => 0),
  ];
}

function policyObject(namespace: string): KubeObject {
  const built = testPolicy('memory')
    .inNamespace(namespace)
    .withSpecField('evaluationInterval', '30s')
    .withRule({
      name: 'near-limit',
      feature: 'pod_memory_usage.value',
      operator: '>',
      value: 0.9,
      for: '30s',
    })
    .build() as KubeObject;
  return { ...built, metadata: { ...built.metadata, name: 'memory', namespace, generation: 1 } };
}

interface Cycle {
  /** Seconds after the first cycle. */
  at: number;
  state: string | undefined;
}

/** Runs the engine's loop on a fake clock starting at the scenario's first cycle; stops at the first detection. */
async function play(url: string, scenario: Scenario): Promise<Cycle[]> {
  const clock = new FakeClock(scenario.t0);
  const rules = new RuleTracker();
  const store = new AssessmentStore();
  const key = `${scenario.namespace}/memory`;
  const target: PolicyTargets['targets'][number] = {
    target: { kind: 'StatefulSet', namespace: scenario.namespace, name: 'web' },
    pods: [{ namespace: scenario.namespace, name: 'web-0', uid: 'uid-web-0', nodeName: scenario.node }],
  };
  const detection = new DetectionCycle({
    features: new FeatureVectorBuilder(new PrometheusClient({ url, timeoutMs: 10_000, maxConcurrency: 4 })),
    rules,
  });
  const cycles: Cycle[] = [];
  let settled = 0;
  const loop = new EvaluationLoop({
    ready: () => true,
    policies: () => [policyObject(scenario.namespace)],
    targetsFor: () => [target],
    detection: {
      run: (due, nowMs) => {
        cycles.push({ at: (nowMs - scenario.t0) / 1000, state: undefined });
        return detection.run(due, nowMs);
      },
    },
    store,
    rules,
    clock,
    tickMs: 1_000,
    onEvaluated: () => {
      const cycle = cycles[settled++];
      if (cycle) cycle.state = store.get(key)?.assessment.targets[0]?.state;
    },
    logger: pino({ level: 'silent' }),
  });
  loop.start();
  try {
    // One second of engine time at a time; each cycle (real queries to a real Prometheus) settles before the next.
    while (!cycles.some((c) => c.state === 'anomalous') && cycles.length < 10) {
      clock.advance(1_000);
      await waitFor('the cycle to settle', () => settled === cycles.length, { timeoutMs: 20_000 });
    }
  } finally {
    await loop.stop();
  }
  return cycles;
}

describe('detection does not depend on where in the minute the first cycle falls', () => {
  let prometheus: RunningPrometheus;
  const minute = Math.floor(Date.now() / 60_000) * 60_000 - 6 * 60_000;
  const atSecond5: Scenario = { namespace: 'phase-05', node: 'node-05', t0: minute + 5_000 };
  const atSecond55: Scenario = { namespace: 'phase-55', node: 'node-55', t0: minute + 55_000 };

  beforeAll(async () => {
    prometheus = await startScrapingPrometheus(undefined, [
      ...scenarioSeries(atSecond5),
      ...scenarioSeries(atSecond55),
    ]);
  });

  afterAll(async () => {
    await prometheus?.stop();
  });

  it('detects in the same number of cycles with the first cycle at second 5 and at second 55', async () => {
    const early = await play(prometheus.url, atSecond5);
    const late = await play(prometheus.url, atSecond55);
    const detectedOn = (cycles: Cycle[]) => cycles.findIndex((c) => c.state === 'anomalous') + 1;
    expect({ atSecond55: detectedOn(late) }).toEqual({ atSecond55: detectedOn(early) });
    expect(late.map((c) => c.state)).toEqual(early.map((c) => c.state));
    // Cycle 1 (0 s) sees the pod healthy; cycle 2 (30 s) sees the jump, 20 s old at most; cycle 3 (60 s) has
    // watched it hold for 30 s.
    expect(early.map((c) => c.state)).toEqual(['healthy', 'healthy', 'anomalous']);
    // Both on the same 30 s grid from their first cycle.
    expect(late.map((c) => c.at)).toEqual([0, 30, 60]);
    expect(early.map((c) => c.at)).toEqual([0, 30, 60]);
  });
});

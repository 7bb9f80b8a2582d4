import { describe, expect, it } from 'vitest';
import { analyzePatterns } from '../../mock-ml-server/src/pattern-analysis.js';
import type { TargetAssessment } from '../../src/detection/assessment.js';
import type { KubeObject } from '../../src/kube/kube-object.js';
import { type HistoryTarget, PrometheusPatternHistory } from '../../src/metrics/pattern-history.js';
import type { RangeSeries } from '../../src/metrics/prometheus-api.js';
import type { PatternEvent, PatternRequest } from '../../src/ml/contract.js';
import { PatternGuidance } from '../../src/ml/pattern-guidance.js';
import type { PatternDecision } from '../../src/ml/resilient-ml-service.js';
import { type PolicySpec, policySpecSchema } from '../../src/policy/spec-schema.js';
import { testPolicy } from '../support/policy-fixtures.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const policy: KubeObject = {
  kind: 'RemediationPolicy',
  metadata: { name: 'p', namespace: 'shop', uid: 'p-uid' },
};
const web: KubeObject = { kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', uid: 'web-uid' } };
const assessed = { target: { kind: 'Deployment', namespace: 'shop', name: 'web' } } as TargetAssessment;

const specWith = (ml: Record<string, unknown>): PolicySpec =>
  policySpecSchema.parse(
    testPolicy('p')
      .withMode('Hybrid')
      .withMl({ endpoints: ['anomaly', 'pattern'], ...ml })
      .withActions({ name: 'roll', type: 'RolloutRestart' })
      .buildSpec(),
  );

/** high_cpu every 5 minutes during 14:00-14:59 UTC on each of three days. */
const dailyAt14: PatternEvent[] = [0, 1, 2].flatMap((d) =>
  Array.from({ length: 12 }, (_, i) => ({
    timestamp: new Date(T0 + d * DAY + 14 * HOUR + i * 300_000).toISOString(),
    type: 'high_cpu',
    value: 0.9,
  })),
);

function setup(
  options: { events?: PatternEvent[]; history?: () => Promise<PatternEvent[]>; ml?: 'up' | 'down' } = {},
) {
  let now = T0 + 3 * DAY + 14 * HOUR + 20 * 60_000; // day 4, 14:20 UTC
  const calls = { history: 0, ml: 0 };
  const requests: PatternRequest[] = [];
  const guidance = new PatternGuidance({
    history: {
      events: async (_t: HistoryTarget) => {
        calls.history++;
        return options.history ? options.history() : (options.events ?? dailyAt14);
      },
    },
    ml: {
      analyzePatterns: async (_key, request): Promise<PatternDecision> => {
        calls.ml++;
        requests.push(request);
        if (options.ml === 'down')
          return {
            source: 'rules',
            patterns: [],
            correlations: [],
            note: 'ML unavailable (connection) and no cached analysis',
          };
        const r = analyzePatterns(request);
        return {
          source: 'ml',
          patterns: r.patterns,
          correlations: r.correlations ?? [],
          note: 'ML service analysis',
        };
      },
    },
    clock: { now: () => now },
    ttlMs: 10 * 60_000,
  });
  return {
    calls,
    requests,
    ask: (spec: PolicySpec) => guidance.expected(policy, spec, web, assessed),
    at: (ms: number) => {
      now = ms;
    },
  };
}

describe('PatternGuidance', () => {
  it('calls a daily spike at this hour expected, with the window as the request time range', async () => {
    const g = setup();
    const verdict = await g.ask(specWith({}));
    expect(verdict?.expected).toBe(true);
    expect(verdict?.message).toMatch(/daily_spike of high_cpu \(confidence 1 ≥ 0\.8\) recurs at 14:00 UTC/);
    expect(g.requests[0]?.historical_data.time_range).toBe('72h');
  });

  it('does not explain an anomaly at another hour, nor below minConfidence', async () => {
    const g = setup();
    g.at(T0 + 3 * DAY + 3 * HOUR);
    expect((await g.ask(specWith({})))?.expected).toBe(false);
    const mixed = [
      ...dailyAt14,
      ...Array.from({ length: 30 }, (_, i) => ({
        timestamp: new Date(T0 + i * 2 * HOUR + 5 * 60_000).toISOString(),
        type: 'high_cpu',
      })),
    ];
    const low = setup({ events: mixed }); // the 14:00 hour holds about 60% of the events
    const verdict = await low.ask(specWith({ pattern: { minConfidence: 0.9 } }));
    expect(verdict?.expected).toBe(false);
    expect(verdict?.message).toContain('no recurring pattern at confidence ≥ 0.9');
    // The same analysis (cached) is a daily spike at a lower confidence: it explains the anomaly at 0.5.
    expect((await low.ask(specWith({ pattern: { minConfidence: 0.5 } })))?.expected).toBe(true);
  });

  it('needs the hour on two earlier days: one past incident plus today is not yet daily', async () => {
    // Yesterday 14:00-14:59 and today's spike so far (14:00-14:20): two days at this hour, one of them today.
    const yesterdayAndToday = dailyAt14
      .filter((e) => Date.parse(e.timestamp) >= T0 + 2 * DAY)
      .concat(
        Array.from({ length: 5 }, (_, i) => ({
          timestamp: new Date(T0 + 3 * DAY + 14 * HOUR + i * 300_000).toISOString(),
          type: 'high_cpu',
          value: 0.9,
        })),
      );
    const g = setup({ events: yesterdayAndToday });
    const verdict = await g.ask(specWith({}));
    expect(verdict?.expected).toBe(false);
  });

  it('is not asked about policies without the pattern endpoint', async () => {
    const g = setup();
    expect(await g.ask(specWith({ endpoints: ['anomaly'] }))).toBeUndefined();
    expect(g.calls).toEqual({ history: 0, ml: 0 });
  });

  it('keeps an analysis per target for the TTL, then asks again', async () => {
    const g = setup();
    const start = T0 + 3 * DAY + 14 * HOUR;
    g.at(start);
    await g.ask(specWith({}));
    g.at(start + 9 * 60_000);
    expect((await g.ask(specWith({})))?.expected).toBe(true);
    expect(g.calls).toEqual({ history: 1, ml: 1 });
    g.at(start + 10 * 60_000);
    await g.ask(specWith({}));
    expect(g.calls).toEqual({ history: 2, ml: 2 });
  });

  it('answers "not expected" and says why when the ML service or Prometheus is down, and asks again next time', async () => {
    const down = setup({ ml: 'down' });
    const verdict = await down.ask(specWith({}));
    expect(verdict).toEqual({
      expected: false,
      message:
        'pattern analysis unavailable (ML unavailable (connection) and no cached analysis); acted on rules and anomaly',
    });
    await down.ask(specWith({}));
    expect(down.calls.ml).toBe(2);

    const noProm = setup({
      history: async () => {
        throw new Error('Prometheus unreachable');
      },
    });
    const v = await noProm.ask(specWith({}));
    expect(v?.expected).toBe(false);
    expect(v?.message).toContain('history from Prometheus: Prometheus unreachable');
    expect(noProm.calls.ml).toBe(0);
  });

  it('never calls a sustained condition a recurring pattern, however the evaluations fall', async () => {
    // CPU quiet for three days, then pinned for the last 30 minutes: an incident, not a pattern. Sampled by the
    // history at its 5-minute step, the run is six events exactly 300 s apart, which the mock (like any model
    // fitting gaps) calls periodic_high_cpu every 300 s at confidence 1. A period no longer than the history's
    // step is the sampling, not a recurrence: it must explain nothing, at any evaluation (a 5-minute interval
    // would otherwise fall on "one is due now" every time and stand the incident down forever).
    const start = T0 + 3 * DAY + 14 * HOUR;
    const series = (nowMs: number, startMs: number, step: number): RangeSeries[] => {
      const times: number[] = [];
      const values: number[] = [];
      for (let t = startMs; t <= nowMs; t += step * 1000) {
        times.push(t);
        values.push(t > start - 30 * 60_000 ? 0.9 : 0.05);
      }
      return [{ labels: { namespace: 'shop', pod: 'web-1-a' }, times, values }];
    };
    let now = start;
    const guidance = new PatternGuidance({
      history: new PrometheusPatternHistory({
        range: async (query, startMs, endMs, step) =>
          query.includes('container_cpu_usage_seconds_total') ? series(endMs, startMs, step) : [],
      }),
      ml: {
        analyzePatterns: async (_key, request): Promise<PatternDecision> => {
          const r = analyzePatterns(request);
          return { source: 'ml', patterns: r.patterns, correlations: [], note: 'ML service analysis' };
        },
      },
      clock: { now: () => now },
      ttlMs: 10 * 60_000,
    });
    const spec = specWith({ pattern: { window: '72h', minConfidence: 0.8 } });
    const verdicts: Array<{ expected: boolean; message: string } | undefined> = [];
    for (let k = 0; k < 6; k++) {
      now = start + k * 5 * 60_000;
      verdicts.push(await guidance.expected(policy, spec, web, assessed));
    }
    expect(verdicts[0]?.message).toContain('periodic_high_cpu 1');
    expect(verdicts.map((v) => v?.expected)).toEqual([false, false, false, false, false, false]);
  });

  it('calls a recurrence slower than the history step expected when one is due', async () => {
    // One high sample every 2 hours for three days (a cron job): periodic every 7200 s, due at the next 2-hour mark.
    const cron: PatternEvent[] = Array.from({ length: 36 }, (_, i) => ({
      timestamp: new Date(T0 + i * 2 * HOUR).toISOString(),
      type: 'high_cpu',
      value: 0.9,
    }));
    const g = setup({ events: cron });
    g.at(T0 + 72 * HOUR + 2 * 60_000);
    const due = await g.ask(specWith({}));
    expect(due?.message).toMatch(/periodic_high_cpu of high_cpu \(confidence 1 ≥ 0\.8\) recurs every 7200s/);
    expect(due?.expected).toBe(true);
    g.at(T0 + 73 * HOUR);
    expect((await g.ask(specWith({})))?.expected).toBe(false);
  });
});

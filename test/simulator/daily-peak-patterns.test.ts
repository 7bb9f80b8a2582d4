import { describe, expect, it } from 'vitest';
import { analyzePatterns } from '../../mock-ml-server/src/pattern-analysis.js';
import { eventsFromSeries } from '../../src/metrics/pattern-history.js';
import type { RangeSeries } from '../../src/metrics/prometheus-api.js';
import { judge } from '../../src/ml/pattern-guidance.js';
import { defaultParams } from '../../src/simulator/behaviour-spec.js';
import { ContainerLoad } from '../../src/simulator/load-profile.js';

/**
 * The simulator's burst-shaped daily peak, sampled the way the engine's pattern history samples Prometheus (a
 * 5-minute CPU rate every 5 minutes over the window), analysed by the mock ML service and judged by the engine:
 * the setup of test/e2e/remediation-patterns.test.ts, at every minute it can start at, without waiting for the
 * wall clock to get there.
 */
const MI = 1024 * 1024;
const STEP = 300;
const WINDOW = 48 * 3600;
const DAY0 = Date.UTC(2026, 11, 2) / 1000;

const load = (peakHour: number) =>
  new ContainerLoad(
    7,
    { cpuLimit: 0.5, memoryLimit: 128 * MI },
    { ...defaultParams('daily-peak'), peakHour, peakWidth: 75 * 60, cpuBaseline: 0.1 },
    4,
  );

/** One pod's pattern-history CPU series up to `now`; its peak hour moved from `before` to `after` at `movedAt`. */
function series(now: number, before: ContainerLoad, after = before, movedAt = now): RangeSeries {
  const used = (a: number, b: number) =>
    before.cpuIntegral('daily-peak', a, Math.min(b, movedAt)) +
    after.cpuIntegral('daily-peak', Math.max(a, movedAt), b);
  const times: number[] = [];
  const values: number[] = [];
  for (let t = now - WINDOW; t <= now; t += STEP) {
    times.push(t * 1000);
    values.push(used(t - STEP, t) / STEP);
  }
  return { labels: { namespace: 'usual', pod: 'api-1-a' }, times, values };
}

function verdict(cpu: RangeSeries, decidedAt: number) {
  const events = eventsFromSeries([cpu], []);
  const { patterns } = analyzePatterns({ historical_data: { time_range: '48h', events } });
  return judge({ patterns, events, note: 'ML service analysis' }, 0.6, '48h', decidedAt * 1000);
}

describe('a daily burst as pattern analysis sees it', () => {
  const hour = 8;
  // The e2e takes the hour of 5 minutes before its start, so it starts 5 to 65 minutes into the burst (every
  // 37 s of that, so the 5-minute samples fall differently each time), and decides within minutes of its start.
  const starts = Array.from({ length: 98 }, (_, i) => DAY0 + hour * 3600 + 5 * 60 + i * 37);

  it('explains a burst at its usual hour, whichever minute the decision falls on', () => {
    for (const start of starts) {
      for (const decidedAt of [start, start + 3 * 60, start + 6 * 60]) {
        const v = verdict(series(decidedAt, load(hour)), decidedAt);
        expect(v.expected, `${new Date(decidedAt * 1000).toISOString()}: ${v.message}`).toBe(true);
        expect(v.message).toMatch(/^expected: daily_spike of high_cpu \(confidence 0\.[78]\d* ≥ 0\.6\)/);
      }
    }
  });

  it('does not explain the same burst at an hour its history peaked twelve hours away from', () => {
    for (const start of starts) {
      for (const decidedAt of [start, start + 3 * 60, start + 6 * 60]) {
        const cpu = series(decidedAt, load(hour + 12), load(hour), start - 20);
        const v = verdict(cpu, decidedAt);
        expect(v.expected, `${new Date(decidedAt * 1000).toISOString()}: ${v.message}`).toBe(false);
        expect(v.message).toMatch(/daily_spike 0\.[78]/);
      }
    }
  });
});

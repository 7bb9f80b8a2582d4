import { describe, expect, it } from 'vitest';
import { analyzePatterns } from '../mock-ml-server/src/pattern-analysis.js';
import {
  eventsFromSeries,
  historyQueries,
  PrometheusPatternHistory,
  podNameRegex,
} from '../src/metrics/pattern-history.js';
import type { RangeSeries } from '../src/metrics/prometheus-api.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const STEP = 300_000;

/** One pod's CPU every 5 minutes for `hours`, `base` cores except `peak` cores during `peakHour` UTC each day. */
function dailyPeakCpu(pod: string, hours: number, base: number, peak: number, peakHour: number): RangeSeries {
  const times: number[] = [];
  const values: number[] = [];
  for (let t = T0; t < T0 + hours * 3_600_000; t += STEP) {
    times.push(t);
    values.push(new Date(t).getUTCHours() === peakHour ? peak : base);
  }
  return { labels: { namespace: 'shop', pod }, times, values };
}

describe('pattern history from Prometheus series', () => {
  it('turns samples above twice the pod median into high_cpu events, at their times', () => {
    const events = eventsFromSeries([dailyPeakCpu('web-1-a', 72, 0.1, 0.9, 14)], []);
    expect(events).toHaveLength(3 * 12); // one hour of 5-minute samples on each of three days
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['high_cpu']));
    expect(events.every((e) => new Date(e.timestamp).getUTCHours() === 14)).toBe(true);
    expect(events[0]).toEqual({
      timestamp: '2026-01-01T14:00:00.000Z',
      type: 'high_cpu',
      value: 0.9,
      labels: { pod: 'web-1-a' },
    });
  });

  it('gives the events the shape the pattern endpoint recognises as a daily spike', () => {
    const events = eventsFromSeries([dailyPeakCpu('web-1-a', 72, 0.1, 0.9, 14)], []);
    const { patterns } = analyzePatterns({ historical_data: { time_range: '72h', events } });
    expect(patterns).toContainEqual(
      expect.objectContaining({
        pattern: 'daily_spike',
        event_type: 'high_cpu',
        confidence: 1,
        period_seconds: 86_400,
      }),
    );
  });

  it('finds no CPU peak in a flat or idle pod', () => {
    const flat = dailyPeakCpu('web-1-a', 24, 0.3, 0.3, 0);
    const idle = dailyPeakCpu('web-1-b', 24, 0, 0.005, 3); // above 2x median (0) but under the floor
    expect(eventsFromSeries([flat, idle], [])).toEqual([]);
  });

  it('makes restart events from restart increases of at least one, oldest first across pods', () => {
    const restarts: RangeSeries[] = [
      { labels: { pod: 'web-1-b' }, times: [T0 + STEP, T0 + 2 * STEP], values: [0.4, 2.2] },
      { labels: { pod: 'web-1-a' }, times: [T0, T0 + 3 * STEP], values: [1, Number.NaN] },
    ];
    expect(eventsFromSeries([], restarts)).toEqual([
      { timestamp: new Date(T0).toISOString(), type: 'restart', value: 1, labels: { pod: 'web-1-a' } },
      {
        timestamp: new Date(T0 + 2 * STEP).toISOString(),
        type: 'restart',
        value: 2,
        labels: { pod: 'web-1-b' },
      },
    ]);
  });

  it('matches every pod a target had, by the controller naming, and refuses names that are not names', () => {
    // As Prometheus reads it: the PromQL string unescaped, the regex anchored.
    const matcher = (kind: string, name: string) =>
      new RegExp(`^(?:${podNameRegex({ kind, namespace: 'shop', name }).replace(/\\\\/g, '\\')})$`);
    const web = matcher('Deployment', 'web.v2');
    expect(web.test('web.v2-66b6c48dd5-x2z9k')).toBe(true);
    expect(web.test('web.v2-7d4b9c-bbm9n')).toBe(true);
    expect(web.test('webxv2-66b6c48dd5-x2z9k')).toBe(false);
    // Not a StatefulSet's pods whose name starts with the Deployment's, nor another Deployment's.
    expect(matcher('Deployment', 'web').test('web-db-0')).toBe(false);
    expect(matcher('Deployment', 'web').test('web-db-12')).toBe(false);
    expect(matcher('Deployment', 'web').test('web-api-66b6c48dd5-x2z9k')).toBe(false);
    // A long name: the generated prefix <replicaset>- is cut at 58 characters before the 5 random ones.
    const generated = (deployment: string, hash: string) => `${`${deployment}-${hash}-`.slice(0, 58)}x2z9k`;
    for (const length of [46, 47, 50, 57, 58, 63]) {
      const long = 'a'.repeat(length - 1).concat('z');
      for (const hash of ['5d4b9c7f6', '66b6c48dd5', '7']) {
        expect(matcher('Deployment', long).test(generated(long, hash)), `${length} ${hash}`).toBe(true);
      }
    }

    expect(podNameRegex({ kind: 'StatefulSet', namespace: 'shop', name: 'db' })).toBe('db-[0-9]+');
    expect(podNameRegex({ kind: 'Pod', namespace: 'shop', name: 'solo' })).toBe('solo');
    expect(() => podNameRegex({ kind: 'Pod', namespace: 'shop', name: 'x"}) or vector(1' })).toThrow();
    const q = historyQueries({ kind: 'StatefulSet', namespace: 'shop', name: 'db' }, 300);
    expect(q.cpu).toContain('namespace="shop",pod=~"db-[0-9]+"');
    expect(q.restarts).toContain('increase(kube_pod_container_status_restarts_total{');
  });

  it('asks Prometheus for the window ending now, at its step', async () => {
    const calls: [string, number, number, number][] = [];
    const history = new PrometheusPatternHistory({
      range: async (query, start, end, step) => {
        calls.push([query, start, end, step]);
        return query.includes('cpu') ? [dailyPeakCpu('web-1-a', 48, 0.1, 1, 9)] : [];
      },
    });
    const now = T0 + 48 * 3_600_000;
    const events = await history.events(
      { kind: 'Deployment', namespace: 'shop', name: 'web' },
      48 * 3_600_000,
      now,
    );
    expect(events).toHaveLength(24);
    expect(calls.map((c) => c.slice(1))).toEqual([
      [T0, now, 300],
      [T0, now, 300],
    ]);
  });
});

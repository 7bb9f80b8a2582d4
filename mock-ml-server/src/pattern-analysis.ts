/**
 * Pattern analysis of historical events, per event type, over the requested time range (ending at the newest
 * event):
 * - spike: events are counted in 24 equal buckets; a bucket whose count has a robust z-score >= 3.5 against
 *   all buckets (median and MAD, scale floored at 0.5 events) and holds at least 3 events is a `<type>_spike`.
 * - daily: over at least two distinct days, when one hour of the day holds at least half of the events and
 *   events on at least two days, that is a `daily_spike` (confidence = that share).
 * - periodic: with at least 4 events whose gaps have a coefficient of variation below 0.25, a
 *   `periodic_<type>` with the mean gap as period (confidence = 1 - CV).
 * Correlations: type B follows type A within 5 minutes for at least half of A's events (A seen at least twice).
 */
import type { Correlation, Pattern, PatternRequest, PatternResponse } from '../../src/ml/contract.js';

const Z_CUTOFF = 3.5;
const BUCKETS = 24;
const CORRELATION_WINDOW_S = 300;

export function parseRangeSeconds(range: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(range);
  if (!match) return 86_400;
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

export function analyzePatterns(request: PatternRequest): PatternResponse {
  const rangeS = parseRangeSeconds(request.historical_data.time_range);
  const all = request.historical_data.events.map((e) => ({
    type: e.type,
    t: Date.parse(e.timestamp) / 1000,
  }));
  if (all.length === 0) return { patterns: [], correlations: [] };
  const end = Math.max(...all.map((e) => e.t));
  const start = end - rangeS;
  const events = all.filter((e) => e.t >= start).sort((a, b) => a.t - b.t);
  const byType = new Map<string, number[]>();
  for (const e of events) byType.set(e.type, [...(byType.get(e.type) ?? []), e.t]);

  const patterns: Pattern[] = [];
  for (const [type, times] of byType) {
    patterns.push(...spikes(type, times, start, rangeS), ...daily(type, times), ...periodic(type, times));
  }
  return { patterns, correlations: correlations(byType) };
}

function spikes(type: string, times: readonly number[], start: number, rangeS: number): Pattern[] {
  const width = rangeS / BUCKETS;
  const counts = new Array<number>(BUCKETS).fill(0);
  for (const t of times) {
    const i = Math.min(BUCKETS - 1, Math.floor((t - start) / width));
    counts[i] = (counts[i] ?? 0) + 1;
  }
  const m = median(counts);
  const scale = Math.max(1.4826 * median(counts.map((c) => Math.abs(c - m))), 0.5);
  const peak = Math.max(...counts);
  const z = (peak - m) / scale;
  if (z < Z_CUTOFF || peak < 3) return [];
  const confidence = 1 / (1 + Math.exp(-(z - Z_CUTOFF)));
  return [{ pattern: `${type}_spike`, confidence: round(Math.max(0.5, confidence)), event_type: type }];
}

function daily(type: string, times: readonly number[]): Pattern[] {
  const days = new Set(times.map((t) => Math.floor(t / 86_400)));
  if (days.size < 2) return [];
  const byHour = new Map<number, Set<number>>();
  const hourCounts = new Array<number>(24).fill(0);
  for (const t of times) {
    const hour = Math.floor((t % 86_400) / 3600);
    hourCounts[hour] = (hourCounts[hour] ?? 0) + 1;
    const set = byHour.get(hour) ?? new Set<number>();
    set.add(Math.floor(t / 86_400));
    byHour.set(hour, set);
  }
  const peakHour = hourCounts.indexOf(Math.max(...hourCounts));
  const share = (hourCounts[peakHour] ?? 0) / times.length;
  if (share < 0.5 || (byHour.get(peakHour)?.size ?? 0) < 2) return [];
  return [{ pattern: 'daily_spike', confidence: round(share), event_type: type, period_seconds: 86_400 }];
}

function periodic(type: string, times: readonly number[]): Pattern[] {
  if (times.length < 4) return [];
  const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
  const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
  if (mean <= 0) return [];
  const sd = Math.sqrt(gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / gaps.length);
  const cv = sd / mean;
  if (cv >= 0.25) return [];
  return [
    { pattern: `periodic_${type}`, confidence: round(1 - cv), event_type: type, period_seconds: round(mean) },
  ];
}

function correlations(byType: ReadonlyMap<string, number[]>): Correlation[] {
  const result: Correlation[] = [];
  for (const [a, aTimes] of byType) {
    if (aTimes.length < 2) continue;
    for (const [b, bTimes] of byType) {
      if (a === b) continue;
      const lags: number[] = [];
      for (const t of aTimes) {
        const next = bTimes.find((u) => u >= t && u - t <= CORRELATION_WINDOW_S);
        if (next !== undefined) lags.push(next - t);
      }
      const share = lags.length / aTimes.length;
      if (share >= 0.5)
        result.push({ events: [a, b], confidence: round(share), lag_seconds: round(median(lags)) });
    }
  }
  return result;
}

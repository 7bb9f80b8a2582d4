/**
 * "Is this anomaly expected?" for the remediation runner: the target's history (pattern events from Prometheus)
 * goes to the ML pattern endpoint, and an anomaly that a recurring pattern explains now, at the policy's
 * minConfidence, is expected. Recurring means:
 * - a daily pattern (`period_seconds` 86400, e.g. `daily_spike`): the current UTC hour of day holds events of its
 *   type on at least two distinct days of the window ("a daily spike at this hour");
 * - another periodic pattern: now falls within 10% of the period of a recurrence after the type's last event, and
 *   the period is at least twice the history's resolution. A condition that simply lasts is sampled as events one
 *   step apart, which a model fitting the gaps calls periodic at the step; such a "pattern" is the incident itself,
 *   and on an evaluation interval that is a multiple of the step it would be "due now" every time, for ever.
 * A one-off spike explains nothing. Only targets about to be acted on are asked (the runner's budget); each
 * target's analysis is kept for `ttlMs`. When Prometheus or the ML service cannot answer (and the resilient
 * service has no cached analysis), the answer is "not expected", with a message saying why, so the engine acts as
 * it would without pattern analysis; such answers are not kept, the next candidate pass asks again.
 */
import type { TargetAssessment } from '../detection/assessment.js';
import type { KubeObject } from '../kube/kube-object.js';
import type { HistoryTarget } from '../metrics/pattern-history.js';
import { parseDuration } from '../policy/duration.js';
import type { PolicySpec } from '../policy/spec-schema.js';
import type { Clock } from '../time/clock.js';
import type { Pattern, PatternEvent, PatternRequest } from './contract.js';
import type { PatternDecision } from './resilient-ml-service.js';

export interface PatternHistorySource {
  events(target: HistoryTarget, windowMs: number, nowMs: number): Promise<PatternEvent[]>;
  /** The spacing of the history's samples (PrometheusPatternHistory: its step); 0 or absent when unknown. */
  readonly resolutionMs?: number;
}

export interface PatternAnalyzer {
  analyzePatterns(key: string, request: PatternRequest): Promise<PatternDecision>;
}

export interface PatternVerdict {
  expected: boolean;
  message: string;
}

interface Analysis {
  patterns: Pattern[];
  events: PatternEvent[];
  note: string;
  storedAt: number;
}

const DAY_S = 86_400;
const HOUR_MS = 3_600_000;
/** How close to a recurrence (as a share of the period) a periodic pattern explains an anomaly. */
const PHASE_TOLERANCE = 0.1;
export const DEFAULT_PATTERN_TTL_MS = 10 * 60_000;
const MAX_ENTRIES = 1000;

export class PatternGuidance {
  private readonly analyses = new Map<string, Analysis>();
  private readonly ttlMs: number;

  constructor(
    private readonly deps: {
      history: PatternHistorySource;
      ml: PatternAnalyzer;
      clock: Pick<Clock, 'now'>;
      ttlMs?: number;
    },
  ) {
    this.ttlMs = deps.ttlMs ?? DEFAULT_PATTERN_TTL_MS;
  }

  async expected(
    _policy: KubeObject,
    spec: PolicySpec,
    target: KubeObject,
    assessed: TargetAssessment,
  ): Promise<PatternVerdict | undefined> {
    const { ml } = spec.detection;
    if (!ml.endpoints.includes('pattern')) return undefined;
    const { window, minConfidence } = ml.pattern;
    const nowMs = this.deps.clock.now();
    const key = `${target.metadata.uid ?? `${assessed.target.namespace}/${assessed.target.name}`}|${window}`;
    let analysis = this.analyses.get(key);
    if (!analysis || nowMs - analysis.storedAt >= this.ttlMs) {
      const fresh = await this.analyze(key, assessed.target, window, nowMs);
      if ('unavailable' in fresh) return { expected: false, message: fresh.unavailable };
      analysis = fresh;
      this.remember(key, analysis, nowMs);
    }
    return judge(analysis, minConfidence, window, nowMs, this.deps.history.resolutionMs ?? 0);
  }

  private async analyze(
    key: string,
    target: HistoryTarget,
    window: string,
    nowMs: number,
  ): Promise<Analysis | { unavailable: string }> {
    let events: PatternEvent[];
    try {
      events = await this.deps.history.events(target, parseDuration(window), nowMs);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return {
        unavailable: `pattern analysis unavailable (history from Prometheus: ${why}); acted on rules and anomaly`,
      };
    }
    if (events.length === 0)
      return { patterns: [], events, note: 'no events in the window', storedAt: nowMs };
    const decision = await this.deps.ml.analyzePatterns(key, {
      historical_data: { time_range: window, events },
    });
    if (decision.source === 'rules')
      return { unavailable: `pattern analysis unavailable (${decision.note}); acted on rules and anomaly` };
    return { patterns: decision.patterns, events, note: decision.note, storedAt: nowMs };
  }

  private remember(key: string, analysis: Analysis, nowMs: number): void {
    if (this.analyses.size >= MAX_ENTRIES) {
      for (const [k, a] of this.analyses) if (nowMs - a.storedAt >= this.ttlMs) this.analyses.delete(k);
      const oldest = this.analyses.keys().next();
      if (this.analyses.size >= MAX_ENTRIES && !oldest.done) this.analyses.delete(oldest.value);
    }
    this.analyses.set(key, analysis);
  }
}

/** Whether one of the analysis's confident recurring patterns explains an anomaly now. Pure. */
export function judge(
  analysis: Omit<Analysis, 'storedAt'>,
  minConfidence: number,
  window: string,
  nowMs: number,
  /** The history's sample spacing: a shorter recurrence cannot be told from a condition that lasts. */
  resolutionMs = 0,
): PatternVerdict {
  const confident = analysis.patterns.filter((p) => p.confidence >= minConfidence && p.period_seconds);
  for (const p of confident) {
    const times = analysis.events
      .filter((e) => p.event_type === undefined || e.type === p.event_type)
      .map((e) => Date.parse(e.timestamp));
    const why = explains(p, times, nowMs, resolutionMs);
    if (why)
      return {
        expected: true,
        message: `expected: ${p.pattern}${p.event_type ? ` of ${p.event_type}` : ''} (confidence ${p.confidence} ≥ ${minConfidence}) ${why}, from ${analysis.events.length} events over the last ${window}`,
      };
  }
  const found = analysis.patterns.map((p) => `${p.pattern} ${p.confidence}`).join(', ') || 'none';
  return {
    expected: false,
    message: `pattern analysis over the last ${window} (${analysis.note}): no recurring pattern at confidence ≥ ${minConfidence} explains it now (patterns: ${found})`,
  };
}

function explains(
  p: Pattern,
  times: readonly number[],
  nowMs: number,
  resolutionMs: number,
): string | undefined {
  const period = p.period_seconds ?? 0;
  if (times.length === 0 || period <= 0) return undefined;
  // A recurrence needs at least one quiet sample between occurrences; closer than that it is one lasting condition.
  if (period * 1000 < 2 * resolutionMs) return undefined;
  if (period === DAY_S) {
    const hour = new Date(nowMs).getUTCHours();
    // Only earlier days count: today's events at this hour are the very spike being judged, so one past incident
    // at the same hour plus this one is not yet "daily".
    const today = Math.floor(nowMs / (24 * HOUR_MS));
    const days = new Set(
      times
        .filter((t) => new Date(t).getUTCHours() === hour)
        .map((t) => Math.floor(t / (24 * HOUR_MS)))
        .filter((day) => day < today),
    );
    return days.size >= 2
      ? `recurs at ${String(hour).padStart(2, '0')}:00 UTC (seen on ${days.size} earlier days)`
      : undefined;
  }
  const last = Math.max(...times);
  const periodMs = period * 1000;
  const phase = (nowMs - last) % periodMs;
  const off = Math.min(phase, periodMs - phase);
  return off <= PHASE_TOLERANCE * periodMs
    ? `recurs every ${Math.round(period)}s and one is due now`
    : undefined;
}

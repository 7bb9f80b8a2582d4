/**
 * Issue prediction: a least-squares linear trend per metric series and the time until it crosses a threshold.
 * Points with the same name form a series; a name with a single point uses its `lag_5` companion (5 minutes
 * earlier) as a second point when present. Only the current-value series are used (`<signal>` or
 * `<signal>.value`). Probability falls linearly with the time to threshold over a 24 h horizon and is scaled by
 * the fit's R². Repeated `pod_restart` events predict a crash loop.
 */
import type {
  MetricPoint,
  PredictedIssue,
  PredictionRequest,
  PredictionResponse,
} from '../../src/ml/contract.js';

export const HORIZON_SECONDS = 24 * 3600;

interface Rule {
  issue: string;
  threshold: number;
  actions: string[];
}

const RULES: Record<string, Rule> = {
  pod_memory_usage: {
    issue: 'pod_oom',
    threshold: 1.0,
    actions: ['increase_memory_limit', 'investigate_memory_leak'],
  },
  node_memory_utilization: {
    issue: 'node_memory_pressure',
    threshold: 0.95,
    actions: ['drain_or_scale_node'],
  },
  node_cpu_utilization: { issue: 'node_cpu_saturation', threshold: 0.95, actions: ['add_hpa', 'scale_out'] },
};
/** Names the ADR's own example uses. */
const ALIASES: Record<string, string> = {
  memory_usage: 'pod_memory_usage',
  cpu_usage: 'node_cpu_utilization',
};

export interface Trend {
  slopePerSecond: number;
  current: number;
  rSquared: number;
}

/** Least squares over (t seconds, value); R² is 1 for two points or a perfect fit, 0 for a flat mean fit. */
export function fitTrend(points: ReadonlyArray<{ t: number; v: number }>): Trend | undefined {
  if (points.length < 2) return undefined;
  const n = points.length;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const mv = points.reduce((s, p) => s + p.v, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const p of points) {
    sxx += (p.t - mt) ** 2;
    sxy += (p.t - mt) * (p.v - mv);
    syy += (p.v - mv) ** 2;
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  const last = points.reduce((a, b) => (b.t > a.t ? b : a));
  const rSquared = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { slopePerSecond: slope, current: mv + slope * (last.t - mt), rSquared };
}

/** "45s", "12m", "5h", "3d": the largest unit that keeps the number at least 2 (ADR style "5m"). */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s}s`;
  if (s < 120 * 60) return `${Math.round(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

function seriesByName(metrics: readonly MetricPoint[]): Map<string, Array<{ t: number; v: number }>> {
  const series = new Map<string, Array<{ t: number; v: number }>>();
  const lag5 = new Map<string, { t: number; v: number }>();
  for (const m of metrics) {
    const [base, stat] = m.name.split('.') as [string, string | undefined];
    const signal = ALIASES[base] ?? base;
    const t = Date.parse(m.timestamp) / 1000;
    if (stat === 'lag_5') lag5.set(signal, { t: t - 300, v: m.value });
    if (stat !== undefined && stat !== 'value') continue;
    const list = series.get(signal) ?? [];
    list.push({ t, v: m.value });
    series.set(signal, list);
  }
  for (const [signal, list] of series) {
    const lagged = lag5.get(signal);
    if (list.length === 1 && lagged) list.unshift(lagged);
  }
  return series;
}

export function predictIssues(request: PredictionRequest): PredictionResponse {
  const issues: PredictedIssue[] = [];
  const actions: string[] = [];
  for (const [signal, points] of seriesByName(request.issue_context.metrics)) {
    const rule = RULES[signal];
    const trend = fitTrend(points);
    if (!rule || !trend) continue;
    let seconds: number;
    if (trend.current >= rule.threshold) seconds = 0;
    else if (trend.slopePerSecond <= 0) continue;
    else seconds = (rule.threshold - trend.current) / trend.slopePerSecond;
    if (seconds > HORIZON_SECONDS) continue;
    const probability = clamp(0.95 * (1 - seconds / HORIZON_SECONDS) * trend.rSquared, 0.05, 0.95);
    issues.push({
      issue: rule.issue,
      probability: round(probability),
      time_to_occurrence: formatDuration(seconds),
    });
    actions.push(...rule.actions);
  }
  const restarts = request.issue_context.recent_events.filter((e) => e === 'pod_restart').length;
  if (restarts >= 2) {
    issues.push({
      issue: 'crash_loop',
      probability: round(Math.min(0.95, 0.3 + 0.15 * restarts)),
      time_to_occurrence: '10m',
    });
    actions.push('inspect_previous_logs', 'rollback_recent_deploy');
  }
  issues.sort((a, b) => b.probability - a.probability);
  return { predicted_issues: issues, suggested_actions: [...new Set(actions)] };
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

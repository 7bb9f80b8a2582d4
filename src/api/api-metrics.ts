/**
 * Metrics of the REST API and the Alertmanager webhook. Every label value comes from a fixed list (anything else is
 * "other"), so neither a client nor an alert's labels can grow the series without bound.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

/** What became of one webhook request. */
export const WEBHOOK_REQUEST_RESULTS = [
  'accepted',
  'unauthorized',
  'disabled',
  'token_unavailable',
  'malformed',
  'too_large',
  'unsupported_media_type',
  'not_leader',
  'not_ready',
  'error',
] as const;
export type WebhookRequestResult = (typeof WEBHOOK_REQUEST_RESULTS)[number];

/** What became of one alert of an accepted request. */
export const ALERT_RESULTS = [
  /** Firing, names a workload that policies select: their evaluation was started. */
  'evaluating',
  /** Resolved, naming a workload: recorded (Event on it if it still exists, the recent alerts list), nothing evaluated. */
  'resolved',
  /** Seen before (same fingerprint, status and start): nothing done again. */
  'duplicate',
  /** Its labels name no workload (no namespace, or no pod, deployment or statefulset). */
  'no_target',
  /** Names a workload the engine does not know (not in its caches, or outside its namespaces). */
  'unknown_target',
  /** Names a known workload that no valid policy selects. */
  'not_selected',
] as const;
export type AlertResult = (typeof ALERT_RESULTS)[number];

export const EVALUATION_RESULTS = ['evaluated', 'not_evaluated', 'failed', 'timeout'] as const;
export type EvaluationResult = (typeof EVALUATION_RESULTS)[number];

const ROUTE_OTHER = 'other';

export interface ApiMetrics {
  request(route: string, method: string, status: number): void;
  webhookRequest(result: WebhookRequestResult): void;
  alert(status: 'firing' | 'resolved', result: AlertResult): void;
  /** One policy's evaluation started by an alert, and the time from the alert's delivery to its assessment. */
  alertEvaluation(result: EvaluationResult, delaySeconds?: number): void;
}

/** `route` is always a template of the route table or "unmatched" (the router's), so its values are bounded. */
export function createApiMetrics(registry: Registry, prefix: string): ApiMetrics {
  const requests = new Counter({
    name: `${prefix}api_requests_total`,
    help: 'API requests by route template, method and status code.',
    labelNames: ['route', 'method', 'code'],
    registers: [registry],
  });
  const webhook = new Counter({
    name: `${prefix}webhook_requests_total`,
    help: 'Alertmanager webhook requests by result (accepted, unauthorized, malformed, too_large, not_leader, ...).',
    labelNames: ['result'],
    registers: [registry],
  });
  const alerts = new Counter({
    name: `${prefix}webhook_alerts_total`,
    help: 'Alerts of accepted webhook requests by status and result (evaluating, resolved, duplicate, no_target, unknown_target, not_selected).',
    labelNames: ['status', 'result'],
    registers: [registry],
  });
  const evaluations = new Counter({
    name: `${prefix}webhook_evaluations_total`,
    help: 'Policy evaluations started by alerts, by result (evaluated, not_evaluated, failed, timeout).',
    labelNames: ['result'],
    registers: [registry],
  });
  const delay = new Histogram({
    name: `${prefix}webhook_evaluation_delay_seconds`,
    help: 'From the delivery of an alert to the assessment of the policy it triggered.',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  for (const r of WEBHOOK_REQUEST_RESULTS) webhook.labels(r).inc(0);
  for (const s of ['firing', 'resolved'] as const) for (const r of ALERT_RESULTS) alerts.labels(s, r).inc(0);
  for (const r of EVALUATION_RESULTS) evaluations.labels(r).inc(0);
  return {
    request: (route, method, status) =>
      requests
        .labels(route, method === 'GET' || method === 'POST' ? method : ROUTE_OTHER, String(status))
        .inc(),
    webhookRequest: (result) => webhook.labels(result).inc(),
    alert: (status, result) => alerts.labels(status, result).inc(),
    alertEvaluation: (result, delaySeconds) => {
      evaluations.labels(result).inc();
      if (delaySeconds !== undefined) delay.observe(delaySeconds);
    },
  };
}

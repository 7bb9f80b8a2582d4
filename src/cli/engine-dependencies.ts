import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { EngineConfig } from '../config/settings.js';
import type { FeatureSource } from '../detection/detection-cycle.js';
import { PrometheusPatternHistory } from '../metrics/pattern-history.js';
import { PrometheusClient } from '../metrics/prometheus-client.js';
import { createFeedbackPostsCounter, FeedbackPoster } from '../ml/feedback-poster.js';
import { mlConfigFromEnv } from '../ml/ml-config.js';
import { PatternGuidance } from '../ml/pattern-guidance.js';
import { boundedHealthSource } from '../server/bounded-health-source.js';
import { METRIC_PREFIX } from '../server/engine-metrics.js';
import { type HealthSource, notConfiguredSource } from '../server/health.js';
import { HttpProbeSource } from '../server/http-probe-source.js';
import { type MlHealthView, mlServiceHealthSource } from '../server/ml-health-source.js';
import type { Clock } from '../time/clock.js';

/** Without PROMETHEUS_URL there are no features: every cycle is unavailable and nothing is judged or acted on. */
export const NO_PROMETHEUS: FeatureSource = {
  build: async (_selection, atMs) => ({
    status: 'unavailable',
    schemaVersion: 'v1',
    evaluatedAtMs: atMs,
    reason: 'unreachable',
    message: 'not configured (PROMETHEUS_URL is unset)',
    queries: 0,
  }),
};

/** The Prometheus readiness probe's own timeout: a readiness answer is instant or not coming. */
const PROMETHEUS_PROBE_TIMEOUT_MS = 2_000;

/**
 * Health of Prometheus and the ML service, each check bounded by its timeout (the probe's for Prometheus,
 * ML_SERVICE_TIMEOUT for the ML service), so one that accepts connections and never answers stalls nothing.
 */
export function dependencyHealthSources(
  config: EngineConfig,
  ml: MlHealthView | undefined,
  clock: Clock,
): { prometheus: HealthSource; mlService: HealthSource } {
  const prometheus = config.prometheusUrl
    ? boundedHealthSource(
        new HttpProbeSource({
          name: 'prometheus',
          url: config.prometheusUrl,
          path: '/-/ready',
          timeoutMs: PROMETHEUS_PROBE_TIMEOUT_MS,
          bearerTokenFile: config.prometheusBearerTokenFile,
        }),
        PROMETHEUS_PROBE_TIMEOUT_MS,
        'down',
      )
    : notConfiguredSource('prometheus', 'PROMETHEUS_URL');
  // An ML outage is degraded, never down: rules and the local detector carry on.
  const mlService = ml
    ? boundedHealthSource(mlServiceHealthSource(ml, clock), config.mlServiceTimeoutMs, 'degraded')
    : notConfiguredSource('mlService', 'ML_SERVICE_URL');
  return { prometheus, mlService };
}

/** ML settings: the ML_* variables, with the engine's own flags (which win over variables) applied on top. */
export function mlConfig(config: EngineConfig, baseUrl: string) {
  const fromEnv = mlConfigFromEnv(process.env);
  return {
    ...fromEnv,
    backend: config.mlBackend,
    kserve: {
      ...fromEnv.kserve,
      anomalyModel: config.mlKserveAnomalyModel,
      encoding: config.mlKserveEncoding,
    },
    client: {
      ...fromEnv.client,
      baseUrl,
      timeoutMs: config.mlServiceTimeoutMs,
      breakerThreshold: config.mlCircuitBreakerThreshold,
      breakerHalfOpenAfterMs: config.mlCircuitBreakerTimeoutMs,
    },
  };
}

/** Feedback to the ML service (docs/feedback.md): counted in coordination_engine_feedback_posts_total{result}. */
export function createFeedbackPoster(
  baseUrl: string,
  timeoutMs: number,
  registry: Registry,
  logger: Logger,
): FeedbackPoster {
  const count = createFeedbackPostsCounter(registry, METRIC_PREFIX);
  return new FeedbackPoster({
    baseUrl,
    timeoutMs,
    onResult: (result, example, detail) => {
      count(result);
      if (result !== 'accepted') {
        const episode = example ? `${example.episode.namespace}/${example.episode.name}` : undefined;
        logger.debug({ component: 'feedback', result, episode, detail }, 'feedback not delivered');
      }
    },
  });
}

/**
 * Pattern analysis for remediation candidates, when both Prometheus and the ML service are configured. Its history
 * queries have their own Prometheus client: a Thanos partial-response warning of a pattern query must not be
 * drained by (and blamed on) a detection cycle.
 */
export function patternGuidance(
  config: EngineConfig,
  ml: ConstructorParameters<typeof PatternGuidance>[0]['ml'],
  clock: Clock,
): PatternGuidance | undefined {
  if (!config.prometheusUrl) return undefined;
  return new PatternGuidance({
    history: new PrometheusPatternHistory(
      new PrometheusClient({
        url: config.prometheusUrl,
        timeoutMs: config.prometheusTimeoutMs,
        maxConcurrency: 2,
        bearerTokenFile: config.prometheusBearerTokenFile,
      }),
    ),
    ml,
    clock,
  });
}

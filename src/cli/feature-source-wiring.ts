import type { EngineConfig } from '../config/settings.js';
import type { FeatureSource } from '../detection/detection-cycle.js';
import { BuiltinFeatureSource } from '../metrics/builtin-feature-source.js';
import { keepForFeatures } from '../metrics/builtin-signals.js';
import { ExporterScraper } from '../metrics/exporter-scraper.js';
import { FeatureVectorBuilder } from '../metrics/feature-vector-builder.js';
import { PrometheusClient } from '../metrics/prometheus-client.js';
import { SampleStore, type SeriesInput } from '../metrics/sample-store.js';
import { type HealthSource, notConfiguredSource } from '../server/health.js';
import { HttpProbeSource } from '../server/http-probe-source.js';
import { NO_PROMETHEUS } from './engine-dependencies.js';

/**
 * Where the engine's feature vectors come from, and the health of that dependency (reported under `prometheus`,
 * the metrics dependency every policy's Degraded condition reads):
 * - `prometheus` (the product): PromQL against PROMETHEUS_URL;
 * - `builtin` (the demo and tests, where no Prometheus is installed): the engine scrapes BUILTIN_SCRAPE_URL itself,
 *   keeps the samples in memory and computes the same 45 features with the same catalogue and statistics code.
 */
export interface WiredFeatureSource {
  features: FeatureSource;
  health: HealthSource;
  stop(): Promise<void>;
}

const SCRAPE_INTERVAL_MS = 5_000;
/** The oldest point a cycle reads is t - 5m with a 5m rate before it, t up to a step before now: 11 minutes. */
const RETENTION_MS = 15 * 60_000;

export async function createFeatureSource(
  config: EngineConfig,
  /** Past samples for the built-in source to start with (the demo's replay of the cluster's history). */
  backfill: readonly SeriesInput[] = [],
): Promise<WiredFeatureSource> {
  if (config.featureSource === 'builtin' && config.builtinScrapeUrl) {
    const store = new SampleStore({ keep: keepForFeatures, retentionMs: RETENTION_MS });
    store.backfill(backfill);
    const scraper = new ExporterScraper({
      url: config.builtinScrapeUrl,
      intervalMs: SCRAPE_INTERVAL_MS,
      store,
    });
    // The first evaluation must not find the source without a scrape (and report it down for a refresh period).
    await scraper.start();
    return {
      features: new BuiltinFeatureSource(store, { problem: () => scraper.problem() }),
      health: { name: 'prometheus', critical: false, check: () => scraper.health() },
      stop: () => scraper.stop(),
    };
  }
  if (!config.prometheusUrl) {
    return {
      features: NO_PROMETHEUS,
      health: notConfiguredSource('prometheus', 'PROMETHEUS_URL'),
      stop: async () => {},
    };
  }
  return {
    features: new FeatureVectorBuilder(
      new PrometheusClient({
        url: config.prometheusUrl,
        timeoutMs: config.prometheusTimeoutMs,
        maxConcurrency: 4,
        bearerTokenFile: config.prometheusBearerTokenFile,
      }),
    ),
    health: new HttpProbeSource({
      name: 'prometheus',
      url: config.prometheusUrl,
      path: '/-/ready',
      bearerTokenFile: config.prometheusBearerTokenFile,
    }),
    stop: async () => {},
  };
}

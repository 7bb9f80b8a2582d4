import { hostname } from 'node:os';
import { LOG_LEVELS, type LogLevel } from '../log/logger.js';
import { DEFAULT_QUERY_OFFSET_MS } from '../metrics/feature-vector-builder.js';
import { DEFAULT_ML_CONFIG, ML_BACKENDS, type MlBackendKind } from '../ml/ml-config.js';
import { PREDICTION_ENCODINGS, type PredictionEncoding } from '../ml/prediction-encoding.js';
import { ConfigurationError } from './configuration-error.js';
import {
  bool,
  duration,
  namespaceList,
  namespaceName,
  nonEmpty,
  objectName,
  oneOf,
  port,
  positiveInt,
  queryOffset,
  url,
} from './setting-parsers.js';

/**
 * Every engine setting, once: its environment variable, its flag (the kebab-case of the variable), its default,
 * its help text and its parser. The CLI, the help output and validation are all generated from this table, so a
 * setting cannot exist in one place and be missing in another.
 */
export interface Setting<T> {
  key: keyof EngineConfig;
  env: string;
  flag: string;
  help: string;
  /** Shown in --help; undefined means "not set". */
  defaultText: string | undefined;
  parse(raw: string): T;
  boolean?: boolean;
}

export interface EngineConfig {
  kubeconfig: string | undefined;
  port: number;
  metricsPort: number;
  prometheusUrl: string | undefined;
  /** Sent as a bearer token to Prometheus/Thanos; re-read when it changes on disk (rotated tokens). */
  prometheusBearerTokenFile: string | undefined;
  prometheusTimeoutMs: number;
  /** Where feature vectors come from: Prometheus (PROMETHEUS_URL), or the built-in source (demo and tests only). */
  featureSource: FeatureSourceKind;
  builtinScrapeUrl: string | undefined;
  /** How far behind now features are read, so the newest scrape is complete (docs/features.md, "Freshness"). */
  prometheusQueryOffsetMs: number;
  mlServiceUrl: string | undefined;
  mlServiceTimeoutMs: number;
  mlCircuitBreakerThreshold: number;
  mlCircuitBreakerTimeoutMs: number;
  mlBackend: MlBackendKind;
  mlKserveAnomalyModel: string;
  mlKserveEncoding: PredictionEncoding;
  logLevel: LogLevel;
  logFormat: 'json' | 'pretty';
  namespaces: string[];
  /** Never acted in: kube-system, kube-public, kube-node-lease and the engine's own namespace by default. */
  protectedNamespaces: string[];
  leaderElection: boolean;
  leaderElectionLeaseName: string;
  leaderElectionNamespace: string;
  leaderElectionLeaseDurationMs: number;
  leaderElectionRenewDeadlineMs: number;
  leaderElectionRetryPeriodMs: number;
  leaderElectionIdentity: string;
  dryRun: boolean;
  workers: number;
  informerRelistIntervalMs: number;
  watchSilenceTimeoutMs: number;
  shutdownTimeoutMs: number;
  /** Bearer token file (a mounted Secret) of the webhook and the trigger; unset disables both. */
  webhookTokenFile: string | undefined;
}

export const FEATURE_SOURCES = ['prometheus', 'builtin'] as const;
export type FeatureSourceKind = (typeof FEATURE_SOURCES)[number];

export class SettingError extends ConfigurationError {
  override readonly name = 'SettingError';
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
  }
}

function s<T>(
  key: keyof EngineConfig,
  env: string,
  help: string,
  defaultText: string | undefined,
  parse: (raw: string) => T,
  boolean = false,
): Setting<T> {
  const flag = `--${env.toLowerCase().replace(/_/g, '-')}`;
  return { key, env, flag, help, defaultText, parse, boolean };
}

export const SETTINGS: readonly Setting<unknown>[] = [
  s(
    'kubeconfig',
    'KUBECONFIG',
    'kubeconfig file; else the in-cluster service account, else ~/.kube/config',
    undefined,
    nonEmpty,
  ),
  s(
    'port',
    'PORT',
    'API port: /healthz, /readyz, /api/v1/* (REST API, Alertmanager webhook; 0 picks a free port)',
    '8080',
    port,
  ),
  s('metricsPort', 'METRICS_PORT', 'Prometheus /metrics port (0 picks a free port)', '9090', port),
  s('prometheusUrl', 'PROMETHEUS_URL', 'Prometheus or Thanos base URL for feature queries', undefined, url),
  s(
    'prometheusBearerTokenFile',
    'PROMETHEUS_BEARER_TOKEN_FILE',
    'file holding a bearer token for Prometheus/Thanos (e.g. a mounted Secret or service account token)',
    undefined,
    nonEmpty,
  ),
  s('prometheusTimeoutMs', 'PROMETHEUS_TIMEOUT', 'timeout of one PromQL query', '30s', duration),
  s(
    'featureSource',
    'FEATURE_SOURCE',
    'prometheus, or builtin: scrape BUILTIN_SCRAPE_URL itself and compute the features in memory (demo and tests only)',
    'prometheus',
    oneOf(FEATURE_SOURCES),
  ),
  s(
    'builtinScrapeUrl',
    'BUILTIN_SCRAPE_URL',
    'exporter /metrics URL the builtin feature source scrapes every 5s (FEATURE_SOURCE=builtin only)',
    undefined,
    url,
  ),
  s(
    'prometheusQueryOffsetMs',
    'PROMETHEUS_QUERY_OFFSET',
    'read features this far behind now, so the newest scrape is complete (0s-5m)',
    '5s',
    queryOffset,
  ),
  s(
    'mlServiceUrl',
    'ML_SERVICE_URL',
    'ML service base URL; without it ML detection is unavailable',
    undefined,
    url,
  ),
  s('mlServiceTimeoutMs', 'ML_SERVICE_TIMEOUT', 'timeout of one ML service request', '30s', duration),
  s(
    'mlCircuitBreakerThreshold',
    'ML_CIRCUIT_BREAKER_THRESHOLD',
    'consecutive ML failures that open the breaker',
    '3',
    positiveInt,
  ),
  s(
    'mlCircuitBreakerTimeoutMs',
    'ML_CIRCUIT_BREAKER_TIMEOUT',
    'how long the breaker stays open before a trial call',
    '30s',
    duration,
  ),
  s(
    'mlBackend',
    'ML_BACKEND',
    'ML protocol: rest (ADR-009) or kserve (v1 inference)',
    'rest',
    oneOf(ML_BACKENDS),
  ),
  s(
    'mlKserveAnomalyModel',
    'ML_KSERVE_ANOMALY_MODEL',
    'KServe model that scores anomalies (other ML_* tuning variables: docs/ml-service.md)',
    'anomaly-detector',
    nonEmpty,
  ),
  s(
    'mlKserveEncoding',
    'ML_KSERVE_ENCODING',
    'how the KServe model answers: sklearn (-1/1), boolean, or score (booleans are read in any of them)',
    'sklearn',
    oneOf(PREDICTION_ENCODINGS),
  ),
  s('logLevel', 'LOG_LEVEL', `log level (${LOG_LEVELS.join(', ')})`, 'info', oneOf(LOG_LEVELS)),
  s(
    'logFormat',
    'LOG_FORMAT',
    'json for log shippers, pretty for a terminal',
    'json',
    oneOf(['json', 'pretty'] as const),
  ),
  s(
    'namespaces',
    'NAMESPACES',
    'comma-separated namespaces to watch; all namespaces when unset',
    undefined,
    namespaceList('leave it unset to watch all namespaces'),
  ),
  s(
    'protectedNamespaces',
    'PROTECTED_NAMESPACES',
    'comma-separated namespaces the engine never acts in (skips are recorded)',
    'kube-system,kube-public,kube-node-lease and $POD_NAMESPACE',
    namespaceList('leave it unset for the default list'),
  ),
  s('leaderElection', 'LEADER_ELECTION', 'elect one active replica through a Lease', 'true', bool, true),
  s(
    'leaderElectionLeaseName',
    'LEADER_ELECTION_LEASE_NAME',
    'name of the Lease',
    'coordination-engine-leader',
    objectName,
  ),
  s(
    'leaderElectionNamespace',
    'LEADER_ELECTION_NAMESPACE',
    'namespace of the Lease',
    'POD_NAMESPACE or default',
    namespaceName,
  ),
  s(
    'leaderElectionLeaseDurationMs',
    'LEADER_ELECTION_LEASE_DURATION',
    'how long a lease lasts without renewal',
    '15s',
    duration,
  ),
  s(
    'leaderElectionRenewDeadlineMs',
    'LEADER_ELECTION_RENEW_DEADLINE',
    'a leader that cannot renew this long steps down',
    '10s',
    duration,
  ),
  s(
    'leaderElectionRetryPeriodMs',
    'LEADER_ELECTION_RETRY_PERIOD',
    'interval between acquire/renew attempts',
    '2s',
    duration,
  ),
  s(
    'leaderElectionIdentity',
    'LEADER_ELECTION_IDENTITY',
    'this replica in the Lease',
    'POD_NAME or hostname_pid',
    nonEmpty,
  ),
  s('dryRun', 'DRY_RUN', 'global switch: decide and record, never change workloads', 'false', bool, true),
  s('workers', 'WORKERS', 'concurrent reconciles (never two for the same policy)', '2', positiveInt),
  s(
    'informerRelistIntervalMs',
    'INFORMER_RELIST_INTERVAL',
    'full relist of every cache this often (a repair: watches resume from their resourceVersion, and a silent or expired watch relists at once)',
    '1h',
    duration,
  ),
  s(
    'watchSilenceTimeoutMs',
    'WATCH_SILENCE_TIMEOUT',
    'a watch silent this long (no events or bookmarks) is replaced (checked at most every 30 s)',
    '5m',
    duration,
  ),
  s(
    'shutdownTimeoutMs',
    'SHUTDOWN_TIMEOUT',
    'on SIGTERM, how long in-flight reconciles may take to finish',
    '30s',
    duration,
  ),
  s(
    'webhookTokenFile',
    'WEBHOOK_TOKEN_FILE',
    'file holding the bearer token of POST /api/v1/alerts and /api/v1/remediation/trigger (re-read when it changes); unset disables both',
    undefined,
    nonEmpty,
  ),
];

/** Values when neither the flag nor the variable is set. */
export function defaults(env: NodeJS.ProcessEnv): EngineConfig {
  return {
    kubeconfig: undefined,
    port: 8080,
    metricsPort: 9090,
    prometheusUrl: undefined,
    prometheusBearerTokenFile: undefined,
    prometheusTimeoutMs: 30_000,
    featureSource: 'prometheus',
    builtinScrapeUrl: undefined,
    prometheusQueryOffsetMs: DEFAULT_QUERY_OFFSET_MS,
    mlServiceUrl: undefined,
    mlServiceTimeoutMs: 30_000,
    mlCircuitBreakerThreshold: 3,
    mlCircuitBreakerTimeoutMs: 30_000,
    mlBackend: DEFAULT_ML_CONFIG.backend,
    mlKserveAnomalyModel: DEFAULT_ML_CONFIG.kserve.anomalyModel,
    mlKserveEncoding: DEFAULT_ML_CONFIG.kserve.encoding,
    logLevel: 'info',
    logFormat: 'json',
    namespaces: [],
    protectedNamespaces: [
      'kube-system',
      'kube-public',
      'kube-node-lease',
      ...(env.POD_NAMESPACE ? [env.POD_NAMESPACE] : []),
    ],
    leaderElection: true,
    leaderElectionLeaseName: 'coordination-engine-leader',
    leaderElectionNamespace: env.POD_NAMESPACE || 'default',
    leaderElectionLeaseDurationMs: 15_000,
    leaderElectionRenewDeadlineMs: 10_000,
    leaderElectionRetryPeriodMs: 2_000,
    leaderElectionIdentity: env.POD_NAME || `${hostname()}_${process.pid}`,
    dryRun: false,
    workers: 2,
    informerRelistIntervalMs: 3_600_000,
    watchSilenceTimeoutMs: 300_000,
    shutdownTimeoutMs: 30_000,
    webhookTokenFile: undefined,
  };
}

/**
 * Resolves the configuration: flag over variable over default. Throws SettingError naming the flag and the
 * variable of the first bad value, and checks cross-setting rules (lease timings, distinct ports).
 */
export function resolveConfig(
  flags: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv,
): EngineConfig {
  const config = defaults(env) as unknown as Record<string, unknown>;
  for (const setting of SETTINGS) {
    const flagValue = flags[setting.key];
    const raw = flagValue !== undefined ? String(flagValue) : env[setting.env];
    if (raw === undefined || (raw === '' && flagValue === undefined)) continue;
    try {
      config[setting.key] = setting.parse(raw);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new SettingError(setting.flag, `invalid ${setting.flag} (${setting.env}): ${why}`);
    }
  }
  const result = config as unknown as EngineConfig;
  const {
    leaderElectionLeaseDurationMs: d,
    leaderElectionRenewDeadlineMs: r,
    leaderElectionRetryPeriodMs: p,
  } = result;
  if (!(d > r)) {
    throw new SettingError(
      '--leader-election-lease-duration',
      'invalid --leader-election-lease-duration (LEADER_ELECTION_LEASE_DURATION): must be longer than the renew deadline',
    );
  }
  if (!(r > p)) {
    throw new SettingError(
      '--leader-election-renew-deadline',
      'invalid --leader-election-renew-deadline (LEADER_ELECTION_RENEW_DEADLINE): must be longer than the retry period',
    );
  }
  if (result.featureSource === 'builtin' && !result.builtinScrapeUrl) {
    throw new SettingError(
      '--builtin-scrape-url',
      'invalid --feature-source builtin (FEATURE_SOURCE): it needs --builtin-scrape-url (BUILTIN_SCRAPE_URL), the exporter to scrape',
    );
  }
  if (result.featureSource === 'builtin' && result.prometheusUrl) {
    throw new SettingError(
      '--prometheus-url',
      'invalid --prometheus-url (PROMETHEUS_URL): with --feature-source builtin the features come from --builtin-scrape-url; unset one of them',
    );
  }
  if (result.port !== 0 && result.port === result.metricsPort) {
    throw new SettingError(
      '--metrics-port',
      'invalid --metrics-port (METRICS_PORT): must differ from --port (PORT)',
    );
  }
  return result;
}

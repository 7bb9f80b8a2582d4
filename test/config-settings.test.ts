import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../src/config/configuration-error.js';
import { resolveConfig, SETTINGS } from '../src/config/settings.js';

describe('engine settings', () => {
  it('every flag is the kebab-case of its variable', () => {
    for (const s of SETTINGS) expect(s.flag).toBe(`--${s.env.toLowerCase().replace(/_/g, '-')}`);
    const flags = SETTINGS.map((s) => s.flag);
    for (const required of [
      '--kubeconfig',
      '--port',
      '--metrics-port',
      '--prometheus-url',
      '--ml-service-url',
      '--ml-service-timeout',
      '--ml-circuit-breaker-threshold',
      '--ml-circuit-breaker-timeout',
      '--log-level',
      '--namespaces',
      '--leader-election-lease-duration',
      '--dry-run',
    ]) {
      expect(flags).toContain(required);
    }
  });

  it('uses defaults, then the variable, and the flag wins over the variable', () => {
    expect(resolveConfig({}, {})).toMatchObject({
      port: 8080,
      metricsPort: 9090,
      mlServiceTimeoutMs: 30_000,
      dryRun: false,
    });
    expect(resolveConfig({}, { PORT: '7000', DRY_RUN: 'true', NAMESPACES: 'a, b' })).toMatchObject({
      port: 7000,
      dryRun: true,
      namespaces: ['a', 'b'],
    });
    expect(resolveConfig({ port: '7001', dryRun: true }, { PORT: '7000', DRY_RUN: 'false' })).toMatchObject({
      port: 7001,
      dryRun: true,
    });
    expect(resolveConfig({}, { ML_SERVICE_TIMEOUT: '1m30s' }).mlServiceTimeoutMs).toBe(90_000);
  });

  it('resolves the ML protocol settings and rejects an unknown backend, naming it', () => {
    expect(resolveConfig({ mlBackend: 'kserve' }, { ML_KSERVE_ENCODING: 'score' })).toMatchObject({
      mlBackend: 'kserve',
      mlKserveEncoding: 'score',
      mlKserveAnomalyModel: 'anomaly-detector',
    });
    expect(() => resolveConfig({}, { ML_BACKEND: 'grpc' })).toThrow(/--ml-backend \(ML_BACKEND\)/);
  });

  it('takes features from Prometheus unless the built-in source (demo and tests) is asked for with its exporter', () => {
    expect(resolveConfig({}, {}).featureSource).toBe('prometheus');
    expect(
      resolveConfig({ featureSource: 'builtin' }, { BUILTIN_SCRAPE_URL: 'http://127.0.0.1:9100/metrics' }),
    ).toMatchObject({ featureSource: 'builtin', builtinScrapeUrl: 'http://127.0.0.1:9100/metrics' });
    expect(() => resolveConfig({ featureSource: 'builtin' }, {})).toThrow(/needs --builtin-scrape-url/);
    expect(() =>
      resolveConfig(
        { featureSource: 'builtin', builtinScrapeUrl: 'http://127.0.0.1:9100/metrics' },
        { PROMETHEUS_URL: 'http://127.0.0.1:9090' },
      ),
    ).toThrow(/--prometheus-url .*unset one of them/);
    expect(() => resolveConfig({}, { FEATURE_SOURCE: 'thanos' })).toThrow(
      /--feature-source \(FEATURE_SOURCE\)/,
    );
  });

  it('names the flag and variable of a bad value', () => {
    expect(() => resolveConfig({}, { ML_SERVICE_URL: 'not a url' })).toThrow(
      /--ml-service-url \(ML_SERVICE_URL\)/,
    );
    expect(() => resolveConfig({ logLevel: 'loud' }, {})).toThrow(/--log-level \(LOG_LEVEL\).*"loud"/);
    expect(() => resolveConfig({}, { ML_CIRCUIT_BREAKER_THRESHOLD: '0' })).toThrow(
      /--ml-circuit-breaker-threshold/,
    );
  });

  it('validates namespace lists and names as Kubernetes does (DNS-1123), naming the flag', () => {
    expect(() => resolveConfig({ namespaces: 'Bad_NS,' }, {})).toThrow(
      /^invalid --namespaces \(NAMESPACES\): "Bad_NS" is not a DNS-1123 label/,
    );
    expect(() => resolveConfig({}, { NAMESPACES: 'shop,' })).toThrow(
      /--namespaces \(NAMESPACES\): "shop," has an empty entry/,
    );
    // An empty flag would silently mean "every namespace".
    expect(() => resolveConfig({ namespaces: '' }, {})).toThrow(/--namespaces .*names no namespace/);
    expect(() => resolveConfig({ protectedNamespaces: 'kube-system,Prod' }, {})).toThrow(
      /--protected-namespaces \(PROTECTED_NAMESPACES\): "Prod" is not a DNS-1123 label/,
    );
    expect(() => resolveConfig({}, { PROTECTED_NAMESPACES: `ok,${'a'.repeat(64)}` })).toThrow(
      /--protected-namespaces .*longer than 63 characters/,
    );
    expect(() => resolveConfig({ leaderElectionNamespace: 'my_ns' }, {})).toThrow(
      /--leader-election-namespace/,
    );
    expect(() => resolveConfig({ leaderElectionLeaseName: 'Leader' }, {})).toThrow(
      /--leader-election-lease-name .*DNS-1123 subdomain/,
    );
    expect(
      resolveConfig(
        { namespaces: 'shop, ops ,shop', leaderElectionLeaseName: 'engine.leader' },
        { PROTECTED_NAMESPACES: 'kube-system,prod-1' },
      ),
    ).toMatchObject({
      namespaces: ['shop', 'ops'],
      protectedNamespaces: ['kube-system', 'prod-1'],
      leaderElectionLeaseName: 'engine.leader',
    });
  });

  it('bad settings are configuration errors: exit code 2', () => {
    let error: unknown;
    try {
      resolveConfig({ namespaces: 'Bad_NS' }, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).exitCode).toBe(2);
  });

  it('rejects lease timings that could produce two leaders', () => {
    expect(() =>
      resolveConfig({}, { LEADER_ELECTION_LEASE_DURATION: '5s', LEADER_ELECTION_RENEW_DEADLINE: '10s' }),
    ).toThrow(/--leader-election-lease-duration/);
    expect(() => resolveConfig({}, { LEADER_ELECTION_RETRY_PERIOD: '20s' })).toThrow(
      /--leader-election-renew-deadline/,
    );
  });
});

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOG_LEVELS } from '../../src/log/logger.js';
import { ML_BACKENDS } from '../../src/ml/ml-config.js';
import { PREDICTION_ENCODINGS } from '../../src/ml/prediction-encoding.js';
import { DURATION_PATTERN } from '../../src/policy/duration.js';
import {
  CHART_DIR,
  chartValues,
  renderChart,
  schemaErrors,
  ValuesSchemaError,
} from '../support/helm-chart.js';
import { REALISTIC_VALUES } from './realistic-values.js';

// values.schema.json, applied as helm applies it: to the chart's values.yaml coalesced with the user's values.
const errorsFor = async (overrides: Record<string, unknown>) => schemaErrors(await chartValues(overrides));

describe('values.schema.json', () => {
  it('accepts the chart defaults and a realistic override', async () => {
    expect(await errorsFor({})).toEqual([]);
    expect(await errorsFor(REALISTIC_VALUES)).toEqual([]);
    const rendered = await renderChart(REALISTIC_VALUES);
    expect(rendered.documents.length).toBeGreaterThan(10);
  });

  it.each([
    ['replicas below one', { replicaCount: 0 }, '/replicaCount: must be >= 1'],
    ['replicas as a string', { replicaCount: '2' }, '/replicaCount: must be integer'],
    ['a Prometheus URL without a scheme', { prometheus: { url: 'prometheus:9090' } }, '/prometheus/url'],
    ['an ML URL with a foreign scheme', { ml: { url: 'grpc://ml:9000' } }, '/ml/url'],
    ['a duration without a unit', { ml: { timeout: '30' } }, '/ml/timeout'],
    [
      'a duration in words',
      { leaderElection: { leaseDuration: '15 seconds' } },
      '/leaderElection/leaseDuration',
    ],
    [
      'an unknown log level',
      { log: { level: 'verbose' } },
      '/log/level: must be equal to one of the allowed',
    ],
    ['an unknown ML backend', { ml: { backend: 'grpc' } }, '/ml/backend'],
    ['an unknown KServe encoding', { ml: { kserve: { encoding: 'probability' } } }, '/ml/kserve/encoding'],
    [
      'a misspelt top-level key',
      { promethues: { url: 'http://p:9090' } },
      'must NOT have additional properties: promethues',
    ],
    [
      'an unknown nested key',
      { prometheus: { uri: 'http://p:9090' } },
      '/prometheus: must NOT have additional properties: uri',
    ],
    ['a namespace that is not a DNS label', { watchNamespaces: ['Shop'] }, '/watchNamespaces/0'],
    [
      'a protected namespace given as a string',
      { protectedNamespaces: 'kube-system' },
      '/protectedNamespaces: must be array',
    ],
    ['root as the user', { runAsUser: 0 }, '/runAsUser: must be >= 1'],
    ['a port out of range', { service: { apiPort: 70000 } }, '/service/apiPort: must be <= 65535'],
    ['dry run as a word', { dryRun: 'yes' }, '/dryRun: must be boolean'],
    ['a digest that is not sha256', { image: { digest: 'sha256:abc' } }, '/image/digest'],
    ['a tag inside the repository', { image: { repository: 'engine:latest' } }, '/image/repository'],
    [
      'two Prometheus token sources',
      { prometheus: { bearerToken: { file: '/t', secretName: 's' } } },
      '/prometheus/bearerToken: must NOT be valid',
    ],
    [
      'a relative token file',
      { prometheus: { bearerToken: { file: 'token' } } },
      '/prometheus/bearerToken/file',
    ],
    [
      'a webhook Secret name with capitals',
      { webhook: { tokenSecretName: 'Hook' } },
      '/webhook/tokenSecretName',
    ],
    [
      'a Secret key that is a path',
      { webhook: { tokenSecretKey: '.' } },
      '/webhook/tokenSecretKey: must NOT be valid',
    ],
    [
      'a Secret key going up',
      { webhook: { tokenSecretKey: '..token' } },
      '/webhook/tokenSecretKey: must NOT be valid',
    ],
    [
      'a circuit breaker threshold of zero',
      { ml: { circuitBreaker: { threshold: 0 } } },
      '/ml/circuitBreaker/threshold',
    ],
  ])('rejects %s, naming the field', async (_what, overrides, expected) => {
    const errors = await errorsFor(overrides);
    expect(errors.join('\n')).toContain(expected);
  });

  it('stops a render with the schema errors, as helm install does', async () => {
    await expect(renderChart({ replicaCount: 0, log: { level: 'loud' } })).rejects.toThrow(ValuesSchemaError);
    await expect(renderChart({ replicaCount: 0 })).rejects.toThrow(/\/replicaCount: must be >= 1/);
  });

  it('allows exactly the values the engine parses: levels, backends, encodings, durations', async () => {
    const schema = JSON.parse(await readFile(join(CHART_DIR, 'values.schema.json'), 'utf8'));
    const props = schema.properties;
    expect(props.log.properties.level.enum).toEqual([...LOG_LEVELS]);
    expect(props.ml.properties.backend.enum).toEqual([...ML_BACKENDS]);
    expect(props.ml.properties.kserve.properties.encoding.enum).toEqual([...PREDICTION_ENCODINGS]);
    for (const duration of [
      props.prometheus.properties.timeout,
      props.ml.properties.timeout,
      props.ml.properties.circuitBreaker.properties.timeout,
      props.leaderElection.properties.leaseDuration,
    ]) {
      expect(duration.pattern).toBe(DURATION_PATTERN);
    }
  });

  it('refuses in the templates what one field alone cannot say', async () => {
    await expect(renderChart({ podDisruptionBudget: { minAvailable: 2 } })).rejects.toThrow(
      /execution error at \(coordination-engine\/templates\/poddisruptionbudget\.yaml:\d+:\d+\): podDisruptionBudget\.minAvailable must be less than replicaCount/,
    );
    await expect(renderChart({ service: { apiPort: 9090 } })).rejects.toThrow(
      /service\.apiPort and service\.metricsPort must differ/,
    );
    await expect(renderChart({ leaderElection: { renewDeadline: '15s' } })).rejects.toThrow(
      /leaderElection: leaseDuration \(15s\) > renewDeadline \(15s\) > retryPeriod \(2s\) > 0 is required/,
    );
    await expect(
      renderChart({ leaderElection: { leaseDuration: '1m', renewDeadline: '59s', retryPeriod: '1m500ms' } }),
    ).rejects.toThrow(/renewDeadline \(59s\) > retryPeriod \(1m500ms\)/);
    await expect(
      renderChart({ leaderElection: { leaseDuration: '1m', renewDeadline: '59s999ms', retryPeriod: '1s' } }),
    ).resolves.toBeDefined();
    await expect(renderChart({ serviceAccount: { create: false } })).rejects.toThrow(
      /serviceAccount\.name is required when serviceAccount\.create is false/,
    );
  });
});

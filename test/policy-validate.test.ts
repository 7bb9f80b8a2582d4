import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../src/policy/duration.js';
import { describeErrors, validatePolicySpec } from '../src/policy/validate.js';
import { testPolicy } from './support/policy-fixtures.js';

function errorsOf(spec: unknown) {
  const result = validatePolicySpec(spec);
  if (result.valid) throw new Error('expected the spec to be invalid');
  return result.errors;
}

describe('validatePolicySpec', () => {
  it('accepts the minimal rules policy and fills conservative defaults', () => {
    const result = validatePolicySpec(testPolicy().buildSpec());
    expect(result.valid).toBe(true);
    if (!result.valid) return;
    expect(result.spec.safety).toMatchObject({
      dryRun: true,
      paused: false,
      maxConcurrent: 1,
      maxActionsPerHour: 3,
      maxUnhealthy: '50%',
      storm: { threshold: '50%', minTargets: 4, cooldown: '15m' },
      maxAttempts: 3,
      ownership: { gitOps: 'Recommend', helm: 'Recommend', operator: 'Refuse' },
    });
    expect(result.spec.targets).toEqual({
      selector: {},
      kinds: ['Deployment', 'StatefulSet', 'Pod'],
      exclude: [],
    });
    expect(result.spec.detection.ml).toEqual({
      endpoints: ['anomaly'],
      minConfidence: 0.8,
      for: '2m',
      backend: 'rest',
      actOnFallback: false,
      shadow: false,
      pattern: { window: '72h', minConfidence: 0.8 },
      prediction: { horizon: '30m' },
    });
    expect(result.spec.actions[0]).toEqual({ name: 'restart', type: 'RestartPod', verificationWindow: '5m' });
    expect(result.spec.evaluationInterval).toBe('1m');
    expect(result.spec.recordRetention).toBe('168h');
  });

  it('takes a status signal as a rule input, and names the field when a rule reads none or both', () => {
    const ok = validatePolicySpec(
      testPolicy()
        .withRule({
          name: 'crashing',
          signal: 'CrashLoopBackOff',
          operator: '==',
          value: 1,
          keepFiringFor: '5m',
        })
        .buildSpec(),
    );
    expect(ok.valid).toBe(true);
    const neither = errorsOf(testPolicy().withRule({ name: 'r', operator: '>', value: 1 }).buildSpec());
    expect(neither.map((e) => e.path)).toContain('spec.detection.rules[0]');
    const both = errorsOf(
      testPolicy()
        .withRule({ name: 'r', feature: 'pod_cpu_usage.value', signal: 'OOMKilled', operator: '>', value: 0 })
        .buildSpec(),
    );
    expect(both.map((e) => e.path)).toContain('spec.detection.rules[0].signal');
    const unknown = errorsOf(
      testPolicy().withRule({ name: 'r', signal: 'Exploded', operator: '>', value: 0 }).buildSpec(),
    );
    expect(unknown.map((e) => e.path)).toContain('spec.detection.rules[0].signal');
  });

  it('names the field of an unknown feature', () => {
    const errors = errorsOf(
      testPolicy().withRule({ name: 'r', feature: 'pod_cpu_usage.p99', operator: '>', value: 1 }).buildSpec(),
    );
    expect(errors).toEqual([
      expect.objectContaining({
        path: 'spec.detection.rules[0].feature',
        message: expect.stringContaining('p99'),
      }),
    ]);
  });

  it('rejects min above max in a scale step, naming the field and both numbers', () => {
    const errors = errorsOf(
      testPolicy()
        .withActions(
          { name: 'restart', type: 'RestartPod' },
          { name: 'grow', type: 'Scale', scale: { minReplicas: 5, maxReplicas: 3 } },
        )
        .buildSpec(),
    );
    expect(errors).toEqual([
      { path: 'spec.actions[1].scale.minReplicas', message: expect.stringMatching(/5 > 3/) },
    ]);
  });

  it('rejects an empty ladder in rules mode but allows it in ml mode (recommendations only)', () => {
    expect(errorsOf(testPolicy().withActions().buildSpec())).toEqual([
      expect.objectContaining({ path: 'spec.actions' }),
    ]);
    expect(
      validatePolicySpec(testPolicy().withMode('ML').withoutRules().withActions().buildSpec()).valid,
    ).toBe(true);
  });

  it('requires rules in rules and hybrid modes', () => {
    expect(errorsOf(testPolicy().withMode('Hybrid').withoutRules().buildSpec())).toEqual([
      expect.objectContaining({ path: 'spec.detection.rules', message: expect.stringContaining('Hybrid') }),
    ]);
  });

  it('reports schema errors with the same path style', () => {
    const errors = errorsOf(
      testPolicy()
        .withSafety({ maxConcurrent: 0, maxUnhealthy: '150%' })
        .withSpecField('evaluationInterval', 'soon')
        .buildSpec(),
    );
    const paths = errors.map((e) => e.path).sort();
    expect(paths).toEqual([
      'spec.evaluationInterval',
      'spec.safety.maxConcurrent',
      'spec.safety.maxUnhealthy',
    ]);
  });

  it('checks duration bounds, scale placement, kserve model and selector operators', () => {
    const errors = errorsOf(
      testPolicy()
        .withMode('Hybrid')
        .withSpecField('evaluationInterval', '1s')
        .withSpecField('targets', {
          selector: { matchExpressions: [{ key: 'app', operator: 'In' }] },
          exclude: [{}],
        })
        .withActions({ name: 'restart', type: 'RestartPod', scale: { minReplicas: 1, maxReplicas: 2 } })
        .withSpecField('detection', {
          mode: 'Hybrid',
          rules: [{ name: 'a', feature: 'pod_cpu_usage.value', operator: '>', value: 1, for: '48h' }],
          ml: { backend: 'kserve' },
        })
        .buildSpec(),
    );
    expect(errors.map((e) => e.path).sort()).toEqual([
      'spec.actions[0].scale',
      'spec.detection.ml.model',
      'spec.detection.rules[0].for',
      'spec.evaluationInterval',
      'spec.targets.exclude[0]',
      'spec.targets.selector.matchExpressions[0].values',
    ]);
    expect(describeErrors(errors)).toContain('spec.evaluationInterval: must be between 10s and 1h, got 1s');
  });

  it('only a ClusterRemediationPolicy may set targets.namespaceSelector', () => {
    const spec = testPolicy()
      .withSpecField('targets', { namespaceSelector: { matchLabels: { env: 'prod' } } })
      .buildSpec();
    expect(errorsOf(spec)).toEqual([
      {
        path: 'spec.targets.namespaceSelector',
        message: expect.stringContaining('ClusterRemediationPolicy'),
      },
    ]);
    const cluster = validatePolicySpec(spec, 'Cluster');
    expect(cluster.valid && cluster.spec.targets.namespaceSelector).toEqual({ matchLabels: { env: 'prod' } });
    const badSelector = testPolicy()
      .withSpecField('targets', {
        namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'NotIn' }] },
      })
      .buildSpec();
    const result = validatePolicySpec(badSelector, 'Cluster');
    expect(result.valid ? [] : result.errors.map((e) => e.path)).toEqual([
      'spec.targets.namespaceSelector.matchExpressions[0].values',
    ]);
  });

  it('names each ladder step: required, a DNS label, unique', () => {
    expect(errorsOf(testPolicy().withActions({ type: 'RestartPod' }).buildSpec())).toEqual([
      expect.objectContaining({ path: 'spec.actions[0].name' }),
    ]);
    expect(
      errorsOf(testPolicy().withActions({ name: 'Restart_Pod', type: 'RestartPod' }).buildSpec()),
    ).toEqual([
      expect.objectContaining({
        path: 'spec.actions[0].name',
        message: expect.stringContaining('DNS label'),
      }),
    ]);
    expect(
      errorsOf(
        testPolicy()
          .withActions({ name: 'again', type: 'RestartPod' }, { name: 'again', type: 'RolloutRestart' })
          .buildSpec(),
      ),
    ).toEqual([{ path: 'spec.actions[1].name', message: 'duplicate step name "again"' }]);
    expect(errorsOf(testPolicy().withActions({ name: 'x', type: 'nudgeOwner' }).buildSpec())).toEqual([
      expect.objectContaining({ path: 'spec.actions[0].type' }),
    ]);
  });

  it('allows an option block only with its own action type, naming the block', () => {
    const errors = errorsOf(
      testPolicy()
        .withActions(
          {
            name: 'a',
            type: 'Scale',
            scale: { minReplicas: 1, maxReplicas: 3 },
            restartPod: { maxUnavailable: 1 },
          },
          { name: 'b', type: 'RestartPod', rollback: { toRevision: 2 } },
          { name: 'c', type: 'RecommendOnly', scale: { minReplicas: 1, maxReplicas: 2 } },
          { name: 'd', type: 'Scale' },
        )
        .buildSpec(),
    );
    expect(errors).toEqual([
      { path: 'spec.actions[0].restartPod', message: 'is only allowed when type is RestartPod, not Scale' },
      { path: 'spec.actions[1].rollback', message: 'is only allowed when type is Rollback, not RestartPod' },
      { path: 'spec.actions[2].scale', message: 'is only allowed when type is Scale, not RecommendOnly' },
      { path: 'spec.actions[3].scale', message: expect.stringContaining('is required when type is Scale') },
    ]);
    const ok = validatePolicySpec(
      testPolicy()
        .withActions(
          { name: 'restart', type: 'RestartPod', restartPod: {} },
          { name: 'undo', type: 'Rollback', rollback: {} },
          { name: 'to-three', type: 'Rollback', rollback: { toRevision: 3 } },
        )
        .buildSpec(),
    );
    expect(ok.valid && ok.spec.actions.map((a) => a.restartPod ?? a.rollback)).toEqual([
      { maxUnavailable: 1 },
      {},
      { toRevision: 3 },
    ]);
  });

  it('bounds the new fields, naming each', () => {
    const errors = errorsOf(
      testPolicy()
        .withActions(
          { name: 'restart', type: 'RestartPod', restartPod: { maxUnavailable: 0 } },
          { name: 'undo', type: 'Rollback', rollback: { toRevision: 0 } },
        )
        .withSafety({ maxUnhealthy: '0%', storm: { minTargets: 1, threshold: '101%' } })
        .withSpecField('recordRetention', '1 week')
        .buildSpec(),
    );
    expect(errors.map((e) => e.path).sort()).toEqual([
      'spec.actions[0].restartPod.maxUnavailable',
      'spec.actions[1].rollback.toRevision',
      'spec.recordRetention',
      'spec.safety.maxUnhealthy',
      'spec.safety.storm.minTargets',
      'spec.safety.storm.threshold',
    ]);
    const durations = errorsOf(
      testPolicy()
        .withSafety({ storm: { cooldown: '25h' } })
        .withSpecField('recordRetention', '30s')
        .buildSpec(),
    );
    expect(durations).toEqual([
      { path: 'spec.safety.storm.cooldown', message: 'must be between 0s and 24h, got 25h' },
      { path: 'spec.recordRetention', message: 'must be between 1m and 2160h, got 30s' },
    ]);
    expect(errorsOf(testPolicy().withSpecField('recordRetention', '2161h').buildSpec())).toEqual([
      expect.objectContaining({ path: 'spec.recordRetention' }),
    ]);
  });

  it('takes detection.ml.actOnFallback as a boolean, off by default', () => {
    const on = validatePolicySpec(
      testPolicy()
        .withMode('Hybrid')
        .withSpecField('detection', {
          mode: 'Hybrid',
          rules: [{ name: 'a', feature: 'pod_cpu_usage.value', operator: '>', value: 1 }],
          ml: { actOnFallback: true },
        })
        .buildSpec(),
    );
    expect(on.valid && on.spec.detection.ml.actOnFallback).toBe(true);
    expect(
      errorsOf(
        testPolicy()
          .withSpecField('detection', { mode: 'ML', ml: { actOnFallback: 'yes' } })
          .buildSpec(),
      ),
    ).toEqual([expect.objectContaining({ path: 'spec.detection.ml.actOnFallback' })]);
  });

  it('shadow mode is off by default and allowed only with mode Rules, naming spec.detection.ml.shadow', () => {
    const plain = validatePolicySpec(testPolicy().buildSpec());
    expect(plain.valid && plain.spec.detection.ml.shadow).toBe(false);
    const shadow = validatePolicySpec(testPolicy().withMl({ shadow: true }).buildSpec());
    expect(shadow.valid && shadow.spec.detection.ml.shadow).toBe(true);
    for (const mode of ['ML', 'Hybrid'] as const) {
      expect(errorsOf(testPolicy().withMode(mode).withMl({ shadow: true }).buildSpec())).toEqual([
        {
          path: 'spec.detection.ml.shadow',
          message: expect.stringMatching(
            new RegExp(`only allowed when detection.mode is Rules.*not ${mode}`),
          ),
        },
      ]);
    }
    // The shadow model is still called: a kserve backend needs its model name there too.
    expect(errorsOf(testPolicy().withMl({ shadow: true, backend: 'kserve' }).buildSpec())).toEqual([
      expect.objectContaining({ path: 'spec.detection.ml.model' }),
    ]);
    expect(
      errorsOf(
        testPolicy()
          .withMl({ shadow: true, endpoints: ['prediction'] })
          .buildSpec(),
      ),
    ).toEqual([
      expect.objectContaining({
        path: 'spec.detection.ml.endpoints',
        message: expect.stringMatching(/shadow/),
      }),
      expect.objectContaining({
        path: 'spec.detection.ml.endpoints',
        message: expect.stringMatching(/ML or Hybrid/),
      }),
    ]);
    expect(errorsOf(testPolicy().withMl({ shadow: 'yes' }).buildSpec())).toEqual([
      expect.objectContaining({ path: 'spec.detection.ml.shadow' }),
    ]);
    // Pattern analysis stands down the rules' actions on the model's say: in shadow mode the model never acts.
    expect(
      errorsOf(
        testPolicy()
          .withMl({ shadow: true, endpoints: ['anomaly', 'pattern'] })
          .buildSpec(),
      ),
    ).toEqual([
      {
        path: 'spec.detection.ml.endpoints',
        message: expect.stringMatching(/pattern.*shadow/),
      },
    ]);
  });

  it('bounds the pattern analysis window to 1h..720h and its confidence to 0..1', () => {
    const spec = (p: Record<string, unknown>) =>
      testPolicy()
        .withMl({ endpoints: ['anomaly', 'pattern'], pattern: p })
        .buildSpec();
    const pattern = (p: Record<string, unknown>) => errorsOf(spec(p));
    expect(validatePolicySpec(spec({ window: '168h', minConfidence: 0.9 })).valid).toBe(true);
    expect(pattern({ window: '30m' })).toEqual([
      expect.objectContaining({ path: 'spec.detection.ml.pattern.window' }),
    ]);
    expect(pattern({ window: '721h' })).toEqual([
      expect.objectContaining({ path: 'spec.detection.ml.pattern.window' }),
    ]);
    expect(pattern({ minConfidence: 1.5 })).toEqual([
      expect.objectContaining({ path: 'spec.detection.ml.pattern.minConfidence' }),
    ]);
  });

  it('takes detection.ml.prediction (horizon 1m to 24h, default 30m) with the prediction endpoint in ML or Hybrid only', () => {
    const hybrid = validatePolicySpec(
      testPolicy()
        .withMode('Hybrid')
        .withMl({ endpoints: ['anomaly', 'prediction'], prediction: { horizon: '2h', minConfidence: 0.6 } })
        .buildSpec(),
    );
    expect(hybrid.valid && hybrid.spec.detection.ml.prediction).toEqual({
      horizon: '2h',
      minConfidence: 0.6,
    });
    for (const horizon of ['30s', '25h']) {
      expect(
        errorsOf(
          testPolicy()
            .withMode('ML')
            .withMl({ endpoints: ['prediction'], prediction: { horizon } })
            .buildSpec(),
        ),
      ).toEqual([expect.objectContaining({ path: 'spec.detection.ml.prediction.horizon' })]);
    }
    expect(
      errorsOf(
        testPolicy()
          .withMl({ endpoints: ['anomaly', 'prediction'] })
          .buildSpec(),
      ),
    ).toEqual([
      {
        path: 'spec.detection.ml.endpoints',
        message: expect.stringMatching(/prediction only when detection.mode is ML or Hybrid/),
      },
    ]);
    expect(
      errorsOf(
        testPolicy()
          .withMode('ML')
          .withMl({ endpoints: ['prediction'], prediction: { minConfidence: 2 } })
          .buildSpec(),
      ),
    ).toEqual([expect.objectContaining({ path: 'spec.detection.ml.prediction.minConfidence' })]);
  });

  it('a missing spec is an error on spec itself', () => {
    expect(errorsOf(undefined)).toEqual([{ path: 'spec', message: 'is required' }]);
  });
});

describe('durations', () => {
  it('parses and formats Go-style durations', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(formatDuration(90_500)).toBe('1m30s500ms');
    expect(() => parseDuration('5 minutes')).toThrow(/"5 minutes"/);
  });
});

import { describe, expect, it } from 'vitest';
import { derivePhase } from '../src/policy/conditions.js';
import { buildPolicyStatus, type StatusInput } from '../src/policy/policy-status.js';
import { parseStatus } from '../src/policy/status-types.js';
import { validatePolicySpec } from '../src/policy/validate.js';
import { testPolicy } from './support/policy-fixtures.js';

const ok = { state: 'ok', message: 'reachable' } as const;
const down = { state: 'down', message: 'connection refused' } as const;
const T0 = Date.parse('2026-01-01T00:00:00Z');

function input(overrides: Partial<StatusInput> = {}): StatusInput {
  return {
    generation: 1,
    previous: {},
    validation: validatePolicySpec(testPolicy().buildSpec()),
    targets: [],
    dependencies: { prometheus: ok, mlService: ok },
    now: T0,
    ...overrides,
  };
}

const assessed = (ranAtMs: number) => ({ ranAtMs, targets: [], problems: [] });

describe('buildPolicyStatus', () => {
  it('a first pass sets every condition and derives the phase; only an assessment counts as an evaluation', () => {
    const before = buildPolicyStatus(input());
    expect(before.evaluated).toBe(false);
    expect(before.status.lastEvaluationTime).toBeUndefined();
    const d = buildPolicyStatus(input({ assessment: assessed(T0) }));
    expect(d.evaluated).toBe(true);
    expect(d.nextInMs).toBe(60_000);
    expect(d.status.phase).toBe('Active');
    expect(d.status.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual([
      'Ready=True',
      'Degraded=False',
      'Paused=False',
      'StormActive=False',
      'Escalated=False',
    ]);
    expect(d.status.lastEvaluationTime).toBe('2026-01-01T00:00:00.000Z');
  });

  it('is a fixed point between evaluations: same inputs later give the same status (no write)', () => {
    const first = buildPolicyStatus(input({ assessment: assessed(T0) })).status;
    const again = buildPolicyStatus(input({ previous: first, assessment: assessed(T0), now: T0 + 20_000 }));
    expect(again.status).toEqual(first);
    expect(again.evaluated).toBe(false);
    expect(again.nextInMs).toBe(60_000);
  });

  it('moves lastEvaluationTime with each new assessment and follows a generation change, keeping lastTransitionTime', () => {
    const first = buildPolicyStatus(input({ assessment: assessed(T0) })).status;
    const due = buildPolicyStatus(
      input({ previous: first, assessment: assessed(T0 + 60_000), now: T0 + 60_000 }),
    );
    expect(due.evaluated).toBe(true);
    expect(due.status.lastEvaluationTime).toBe('2026-01-01T00:01:00.000Z');
    expect(due.status.conditions?.[0]?.lastTransitionTime).toBe('2026-01-01T00:00:00.000Z');
    const bumped = buildPolicyStatus(input({ previous: first, generation: 2, now: T0 + 1_000 }));
    expect(bumped.status.observedGeneration).toBe(2);
    expect(bumped.status.conditions?.every((c) => c.observedGeneration === 2)).toBe(true);
  });

  it('an invalid spec flips Ready with InvalidSpec and a new transition time; nothing is evaluated', () => {
    const first = buildPolicyStatus(input({ assessment: assessed(T0) })).status;
    expect(first.lastEvaluationTime).toBeDefined();
    const invalid = buildPolicyStatus(
      input({
        previous: first,
        generation: 2,
        now: T0 + 5_000,
        validation: validatePolicySpec({ actions: 'x' }),
      }),
    );
    const ready = invalid.status.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({
      status: 'False',
      reason: 'InvalidSpec',
      lastTransitionTime: '2026-01-01T00:00:05.000Z',
    });
    expect(ready?.message).toContain('spec.actions');
    expect(invalid.status.phase).toBe('Invalid');
    expect(invalid.evaluated).toBe(false);
    expect(invalid.status.lastEvaluationTime).toBe(first.lastEvaluationTime);
  });

  it('reports Degraded when a dependency the detection mode needs is not ok', () => {
    const d = buildPolicyStatus(input({ dependencies: { prometheus: down, mlService: ok } }));
    expect(d.status.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({
      status: 'True',
      reason: 'PrometheusUnavailable',
      message: 'prometheus is down: connection refused',
    });
    expect(d.status.phase).toBe('Degraded');
    // rules mode does not need the ML service
    expect(buildPolicyStatus(input({ dependencies: { prometheus: ok, mlService: down } })).status.phase).toBe(
      'Active',
    );
  });

  it('phase precedence: Invalid > Paused > Storm > Escalated > Degraded > Active', () => {
    const c = (type: string, status: string, reason = 'x') =>
      ({ type, status, reason, message: '', lastTransitionTime: '' }) as never;
    expect(derivePhase([c('Ready', 'True'), c('Paused', 'True'), c('Degraded', 'True')])).toBe('Paused');
    expect(derivePhase([c('Ready', 'True'), c('StormActive', 'True'), c('Escalated', 'True')])).toBe('Storm');
    expect(derivePhase([c('Ready', 'False', 'InvalidSpec'), c('Paused', 'True')])).toBe('Invalid');
    expect(derivePhase([])).toBe('Pending');
  });
});

describe('targets summary', () => {
  it('counts the selected targets by their assessed state and reports detection problems', () => {
    const a = { kind: 'Deployment', namespace: 'default', name: 'a' } as const;
    const b = { kind: 'Deployment', namespace: 'default', name: 'b' } as const;
    const c = { kind: 'Pod', namespace: 'default', name: 'c' } as const;
    const ranAtMs = T0 - 5_000;
    const d = buildPolicyStatus(
      input({
        validation: validatePolicySpec(testPolicy().withMode('ML').buildSpec()),
        targets: [a, b, c],
        assessment: {
          ranAtMs,
          targets: [
            { target: a, state: 'healthy' },
            { target: b, state: 'anomalous' },
          ],
          problems: [{ dependency: 'mlService', message: 'ML service degraded (breaker open)' }],
        },
      }),
    );
    // c was selected after the last evaluation: not judged yet, so it lacks data rather than being healthy.
    expect(d.status.targets).toEqual({
      total: 3,
      healthy: 1,
      anomalous: 1,
      insufficientData: 1,
      insufficient: [{ ...c, reason: 'not evaluated yet: selected after the last evaluation' }],
    });
    expect(d.status.lastEvaluationTime).toBe(new Date(ranAtMs).toISOString());
    expect(d.status.conditions?.find((x) => x.type === 'Degraded')).toMatchObject({
      status: 'True',
      reason: 'MLServiceUnavailable',
      message: 'ML service degraded (breaker open)',
    });
  });

  it('keeps every problem the cycle found for one dependency, not only the last', () => {
    const d = buildPolicyStatus(
      input({
        validation: validatePolicySpec(testPolicy().withMode('ML').buildSpec()),
        dependencies: { prometheus: ok, mlService: down },
        assessment: {
          ranAtMs: T0 - 5_000,
          targets: [],
          problems: [
            {
              dependency: 'mlService',
              message: 'ML predictions unavailable (HTTP 503); no target is judged at risk',
            },
            { dependency: 'mlService', message: 'ML service degraded (breaker closed)' },
          ],
        },
      }),
    );
    // The cycle's findings replace the generic dependency report; both of them are kept.
    expect(d.status.conditions?.find((x) => x.type === 'Degraded')?.message).toBe(
      'ML predictions unavailable (HTTP 503); no target is judged at risk; ML service degraded (breaker closed)',
    );
  });
});

describe('parseStatus', () => {
  const ready = {
    type: 'Ready',
    status: 'True',
    reason: 'Reconciled',
    message: '1 target(s) selected',
    lastTransitionTime: '2026-01-01T00:00:00Z',
    observedGeneration: 3,
  };
  const targets = { total: 1, healthy: 1, anomalous: 0, insufficientData: 0 };

  it('drops only a malformed field: a bad history keeps the conditions and targets', () => {
    const parsed = parseStatus({
      observedGeneration: 3,
      phase: 'Active',
      conditions: [ready],
      targets,
      history: [{ time: 'now', target: 'not-an-object', action: 'restart', result: 'Exploded' }],
    });
    expect(parsed).toEqual({ observedGeneration: 3, phase: 'Active', conditions: [ready], targets });
    // Recomputing from it keeps Ready's transition time: the status is not rebuilt from nothing.
    const rebuilt = buildPolicyStatus(input({ generation: 3, previous: parsed, now: T0 + 3_600_000 }));
    expect(rebuilt.status.conditions?.[0]?.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
  });

  it('ignores fields it does not know and tolerates a status that is not an object', () => {
    expect(parseStatus({ phase: 'Active', foo: { set: 'by a newer engine' } })).toEqual({ phase: 'Active' });
    expect(parseStatus('garbage')).toEqual({});
    expect(parseStatus(null)).toEqual({});
    expect(parseStatus({ phase: 'NoSuchPhase', observedGeneration: -1 })).toEqual({});
  });
});

import { describe, expect, it } from 'vitest';
import { buildPolicyStatus, type StatusInput } from '../src/policy/policy-status.js';
import { parseStatus } from '../src/policy/status-types.js';
import { validatePolicySpec } from '../src/policy/validate.js';
import { applyRemediationDelta } from '../src/remediation/policy-record.js';
import { testPolicy } from './support/policy-fixtures.js';

const ok = { state: 'ok', message: 'reachable' } as const;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const shadowSpec = validatePolicySpec(testPolicy().withMl({ shadow: true }).buildSpec());

function input(overrides: Partial<StatusInput> = {}): StatusInput {
  return {
    generation: 1,
    previous: {},
    validation: shadowSpec,
    targets: [],
    dependencies: { prometheus: ok, mlService: ok },
    now: T0,
    ...overrides,
  };
}

const cycle = (ranAtMs: number, agree: number, mlOnly: number, rulesOnly = 0, unjudged = 0) => ({
  ranAtMs,
  targets: [],
  problems: [],
  shadow: { agree, mlOnly, rulesOnly, unjudged },
});

describe('policy status in shadow mode', () => {
  it('sums each evaluation once into status.shadow, with agree/judged for the printer column', () => {
    const first = buildPolicyStatus(input({ assessment: cycle(T0, 3, 1, 0, 2) })).status;
    expect(first.shadow).toEqual({
      agree: 3,
      mlOnly: 1,
      rulesOnly: 0,
      unjudged: 2,
      agreement: '3/4',
      lastUpdate: '2026-01-01T00:00:00.000Z',
    });
    // The same assessment seen again (a reconcile between evaluations) adds nothing: no write.
    const again = buildPolicyStatus(
      input({ previous: first, assessment: cycle(T0, 3, 1, 0, 2), now: T0 + 5_000 }),
    );
    expect(again.status).toEqual(first);
    const next = buildPolicyStatus(
      input({ previous: first, assessment: cycle(T0 + 60_000, 2, 0, 1), now: T0 + 60_000 }),
    ).status;
    expect(next.shadow).toEqual({
      agree: 5,
      mlOnly: 1,
      rulesOnly: 1,
      unjudged: 2,
      agreement: '5/7',
      lastUpdate: '2026-01-01T00:01:00.000Z',
    });
    // It is read back from the API like every other field, and survives the remediation runner's status writes.
    expect(parseStatus(JSON.parse(JSON.stringify(next))).shadow).toEqual(next.shadow);
    const afterRunner = applyRemediationDelta(
      next,
      { entries: [], storm: { active: false, message: '' }, escalated: [] },
      1,
      '2026-01-01T00:01:05.000Z',
    );
    expect(afterRunner.shadow).toEqual(next.shadow);
  });

  it('starts at 0/0 before the first evaluation, and is dropped when shadow mode is turned off', () => {
    const before = buildPolicyStatus(input()).status;
    expect(before.shadow).toEqual({ agree: 0, mlOnly: 0, rulesOnly: 0, unjudged: 0, agreement: '0/0' });
    const counted = buildPolicyStatus(input({ assessment: cycle(T0, 1, 0) })).status;
    const off = buildPolicyStatus(
      input({
        previous: counted,
        generation: 2,
        validation: validatePolicySpec(testPolicy().buildSpec()),
        assessment: { ranAtMs: T0 + 60_000, targets: [], problems: [] },
      }),
    ).status;
    expect(off.shadow).toBeUndefined();
    expect('shadow' in off).toBe(false);
  });
});

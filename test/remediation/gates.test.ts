import { describe, expect, it } from 'vitest';
import { type ActionType, checkGates, GATE_ORDER, type GateInput } from '../../src/remediation/gates.js';
import { SKIP_REASONS, SkipReason } from '../../src/remediation/skip-reasons.js';
import { MIN, NOW, passing } from './gate-input.js';

/** One way to fail each gate, in the documented order, and the reason it must produce. */
const FAILERS: { gate: string; reason: string; fail: (i: GateInput) => void }[] = [
  {
    gate: 'Paused',
    reason: 'Paused',
    fail: (i) => {
      i.config.paused = true;
    },
  },
  {
    gate: 'Protection',
    reason: 'ProtectedNamespace',
    fail: (i) => {
      i.protection.protectedNamespace = 'shop';
    },
  },
  {
    gate: 'Ownership',
    reason: 'OwnedByOperator',
    fail: (i) => {
      i.ownership.operator = { kind: 'WebApp', name: 'web' };
    },
  },
  {
    gate: 'StormActive',
    reason: 'StormActive',
    fail: (i) => {
      i.storm = { active: true, since: NOW - MIN, anomalous: 6, trigger: 5 };
    },
  },
  {
    gate: 'BlastRadius',
    reason: 'BlastRadius',
    fail: (i) => {
      i.blastRadius.notHealthy = new Set(['a', 'b', 'c', 'd', 'e']);
    },
  },
  {
    gate: 'Cooldown',
    reason: 'Cooldown',
    fail: (i) => {
      i.lastActionAtMs = NOW - MIN;
    },
  },
  {
    gate: 'RateLimited',
    reason: 'RateLimited',
    fail: (i) => {
      i.actionTimesInLastHour = [NOW - 50 * MIN, NOW - 20 * MIN, NOW - 2 * MIN];
    },
  },
  {
    gate: 'Concurrency',
    reason: 'Concurrency',
    fail: (i) => {
      i.openEpisodesOfPolicy = 1;
    },
  },
  {
    gate: 'MaxAttempts',
    reason: 'MaxAttempts',
    fail: (i) => {
      i.attempts = 3;
    },
  },
  {
    gate: 'DryRun',
    reason: 'DryRun',
    fail: (i) => {
      i.config.dryRun = true;
    },
  },
];

function failing(...indices: number[]): GateInput {
  const input = structuredClone(passing());
  for (const index of indices) FAILERS[index]?.fail(input);
  return input;
}

describe('checkGates: order', () => {
  it('the gate list is the documented order', () => {
    expect(GATE_ORDER.map((g) => g.name)).toEqual(FAILERS.map((f) => f.gate));
  });

  it('passes when no gate fails', () => {
    expect(checkGates(passing())).toEqual({ allowed: true });
  });

  it.each(FAILERS.map((f, index) => [f.reason, index] as const))('%s fails on its own', (reason, index) => {
    expect(checkGates(failing(index))).toMatchObject({ allowed: false, reason });
  });

  const pairs = FAILERS.slice(0, -1).map(
    (f, index) => [f.reason, FAILERS[index + 1]?.reason, index] as const,
  );
  it.each(pairs)('%s wins over %s', (reason, _later, index) => {
    expect(checkGates(failing(index, index + 1))).toMatchObject({ allowed: false, reason });
    expect(checkGates(failing(index + 1, index))).toMatchObject({ allowed: false, reason });
  });

  it.each(FAILERS.map((f, index) => [f.reason, index] as const))(
    '%s wins over every later gate',
    (reason, index) => {
      const later = FAILERS.map((_, i) => i).filter((i) => i >= index);
      expect(checkGates(failing(...later))).toMatchObject({ allowed: false, reason });
    },
  );

  it('within gate 2, a protected namespace comes before an opt-out', () => {
    const input = failing(1);
    input.protection.optedOut = 'workload';
    expect(checkGates(input)).toMatchObject({ reason: 'ProtectedNamespace' });
  });
});

describe('checkGates: results carry the reason table and real numbers', () => {
  it('every gate skip takes its Event type from SKIP_REASONS; MaxAttempts escalates', () => {
    for (const [index, f] of FAILERS.entries()) {
      const result = checkGates(failing(index));
      if (result.allowed) throw new Error(`${f.gate} did not fail`);
      const info = SKIP_REASONS[result.reason];
      expect(result.eventType, f.gate).toBe(info.eventType);
      expect(result.recommend, f.gate).toBe(false);
      expect(result.escalate === true, f.gate).toBe(f.reason === 'MaxAttempts');
    }
  });

  it.each([
    [
      'Paused',
      (i: GateInput) => {
        i.config.pausedReason = 'change freeze';
      },
      'policy paused: change freeze',
    ],
    [
      'Cooldown',
      (i: GateInput) => {
        i.lastActionAtMs = NOW - 192_345;
      },
      'cooldown: last action 3m12s ago, cooldown 10m',
    ],
    [
      'RateLimited',
      (i: GateInput) => {
        i.actionTimesInLastHour = [NOW - 59 * MIN, NOW - MIN, NOW];
      },
      'rate: 3 actions in the last hour, at most 3',
    ],
    [
      'Concurrency',
      (i: GateInput) => {
        i.openEpisodesOfPolicy = 1;
      },
      'concurrency: 1 episode(s) acting or verifying, at most 1',
    ],
    [
      'MaxAttempts',
      (i: GateInput) => {
        i.attempts = 3;
      },
      'attempts: 3 of 3 used',
    ],
    [
      'DryRun',
      (i: GateInput) => {
        i.config.dryRun = true;
      },
      'would rollout-restart Deployment shop/web',
    ],
    [
      'OptedOut',
      (i: GateInput) => {
        i.protection.optedOut = 'namespace';
      },
      'namespace shop is labelled coordination-engine.io/remediation=disabled',
    ],
    [
      'BlastRadius',
      (i: GateInput) => {
        i.blastRadius.underRemediation = new Set(['a', 'b', 'c', 'd', 'e']);
      },
      '6 of 10 targets unhealthy or under remediation, at most 5 allowed (maxUnhealthy 50%)',
    ],
  ] satisfies [SkipReason, (i: GateInput) => void, string][])('%s message', (reason, fail, message) => {
    const input = passing();
    if (reason === 'Paused') input.config.paused = true;
    fail(input);
    expect(checkGates(input)).toEqual({
      allowed: false,
      reason,
      message,
      eventType: SKIP_REASONS[reason].eventType,
      recommend: false,
      ...(reason === 'MaxAttempts' ? { escalate: true } : {}),
    });
  });

  it('dry-run names the verb per action type, with the detail', () => {
    const verbs: [ActionType, string | undefined, string][] = [
      ['RestartPod', '(pod web-7d9f-abcde)', 'would restart-pod Deployment shop/web (pod web-7d9f-abcde)'],
      ['RolloutRestart', undefined, 'would rollout-restart Deployment shop/web'],
      ['Scale', 'to 4 replicas', 'would scale Deployment shop/web to 4 replicas'],
      ['Rollback', 'to revision 3', 'would rollback Deployment shop/web to revision 3'],
      ['RecommendOnly', undefined, 'would recommend Deployment shop/web'],
    ];
    for (const [type, detail, message] of verbs) {
      const input = failing(9);
      input.action = detail === undefined ? { type } : { type, detail };
      expect(checkGates(input)).toMatchObject({
        reason: 'DryRun',
        eventType: 'Normal',
        message,
        recommend: false,
      });
    }
  });

  it('boundaries: cooldown ends exactly at lastAction + cooldown; an action 60 minutes old leaves the window', () => {
    const cooled = passing();
    cooled.lastActionAtMs = NOW - 10 * MIN;
    expect(checkGates(cooled)).toEqual({ allowed: true });
    cooled.lastActionAtMs = NOW - 10 * MIN + 1;
    expect(checkGates(cooled)).toMatchObject({ reason: 'Cooldown' });

    const rate = passing();
    rate.actionTimesInLastHour = [NOW - 60 * MIN, NOW - 30 * MIN, NOW - MIN];
    expect(checkGates(rate)).toEqual({ allowed: true });
    rate.actionTimesInLastHour = [NOW - 60 * MIN + 1, NOW - 30 * MIN, NOW - MIN];
    expect(checkGates(rate)).toMatchObject({ reason: 'RateLimited' });
  });

  it('messages stay within 1 KiB even with a long pausedReason', () => {
    const input = passing();
    input.config.paused = true;
    input.config.pausedReason = 'ü'.repeat(5000);
    const result = checkGates(input);
    if (result.allowed) throw new Error('expected a skip');
    expect(new TextEncoder().encode(result.message).length).toBeLessThanOrEqual(1024);
    expect(result.message.endsWith('…')).toBe(true);
  });
});

describe('SKIP_REASONS', () => {
  it('covers every reason of the design, with recommendations only where the design makes them', () => {
    expect(Object.keys(SKIP_REASONS).sort()).toEqual(Object.values(SkipReason).sort());
    const recommending = Object.entries(SKIP_REASONS)
      .filter(([, info]) => info.recommend)
      .map(([reason]) => reason)
      .sort();
    expect(recommending).toEqual(['FallbackOnly', 'RecommendOnly']);
    expect(Object.values(SkipReason)).toHaveLength(22);
  });
});

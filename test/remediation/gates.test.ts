import { describe, expect, it } from 'vitest';
import {
  type ActionType,
  checkGates,
  DEFAULT_GATE_CONFIG,
  GATE_ORDER,
  type GateInput,
  type OwnershipHandling,
} from '../../src/remediation/gates.js';
import { SKIP_REASONS, SkipReason } from '../../src/remediation/skip-reasons.js';

const NOW = 1_800_000_000_000;
const MIN = 60_000;

/** Passes every gate: not paused, unowned, calm, 1 of 10 unhealthy, never acted, live (not dry-run). */
function passing(): GateInput {
  return {
    config: { ...DEFAULT_GATE_CONFIG, dryRun: false },
    target: { kind: 'Deployment', namespace: 'shop', name: 'web' },
    action: { type: 'RolloutRestart' },
    protection: {},
    ownership: {},
    storm: { active: false, anomalous: 1, trigger: 5 },
    blastRadius: { total: 10, notHealthy: new Set(['web']), underRemediation: new Set(), candidate: 'web' },
    actionTimesInLastHour: [],
    openEpisodesOfPolicy: 0,
    attempts: 0,
    nowMs: NOW,
  };
}

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

describe('checkGates: ownership (gate 3)', () => {
  const ACTIONS: ActionType[] = ['RestartPod', 'RolloutRestart', 'Scale', 'Rollback', 'RecommendOnly'];

  function owned(handling: OwnershipHandling, type: ActionType): GateInput {
    const input = passing();
    input.config.ownership = { gitOps: handling, helm: 'Refuse', operator: 'Refuse' };
    input.ownership = { gitOps: { tool: 'ArgoCD', marker: 'annotation argocd.argoproj.io/tracking-id' } };
    input.action = { type };
    return input;
  }

  it.each(ACTIONS)('Refuse skips %s with a Warning', (type) => {
    expect(checkGates(owned('Refuse', type))).toEqual({
      allowed: false,
      reason: 'OwnedByGitOps',
      eventType: 'Warning',
      recommend: false,
      message:
        'owned by Argo CD (annotation argocd.argoproj.io/tracking-id); safety.ownership.gitOps is Refuse, ' +
        'so Deployment shop/web is left alone',
    });
  });

  it.each(ACTIONS)('Recommend turns %s into a Normal recommendation', (type) => {
    expect(checkGates(owned('Recommend', type))).toMatchObject({
      allowed: false,
      reason: 'OwnedByGitOps',
      eventType: 'Normal',
      recommend: true,
    });
  });

  it.each([
    ['RestartPod', true],
    ['RecommendOnly', true],
    ['RolloutRestart', false],
    ['Scale', false],
    ['Rollback', false],
  ] as const)('AllowNonConflicting: %s runs: %s', (type, runs) => {
    const result = checkGates(owned('AllowNonConflicting', type));
    if (runs) expect(result).toEqual({ allowed: true });
    else
      expect(result).toMatchObject({
        allowed: false,
        reason: 'OwnedByGitOps',
        eventType: 'Normal',
        recommend: true,
      });
  });

  it('AllowNonConflicting still lets later gates decide (dry-run)', () => {
    const input = owned('AllowNonConflicting', 'RestartPod');
    input.config.dryRun = true;
    expect(checkGates(input)).toMatchObject({ reason: 'DryRun' });
  });

  it('the recommendation message says what would have been done', () => {
    const input = owned('AllowNonConflicting', 'Scale');
    input.action.detail = 'to 4 replicas';
    expect(checkGates(input)).toMatchObject({
      message:
        'owned by Argo CD (annotation argocd.argoproj.io/tracking-id); safety.ownership.gitOps is ' +
        'AllowNonConflicting and Scale changes the declared spec: recommending to scale Deployment shop/web ' +
        'to 4 replicas instead of acting',
    });
  });

  it('a refusal from any manager beats a recommendation from another', () => {
    const input = owned('Recommend', 'RolloutRestart');
    input.ownership.operator = { kind: 'WebApp', name: 'web' };
    expect(checkGates(input)).toMatchObject({
      reason: 'OwnedByOperator',
      eventType: 'Warning',
      recommend: false,
    });
  });

  it('Helm with Recommend handling', () => {
    const input = passing();
    input.ownership = { helm: { release: 'shop', marker: 'annotation meta.helm.sh/release-name' } };
    expect(checkGates(input)).toMatchObject({
      reason: 'OwnedByHelm',
      recommend: true,
      message:
        'owned by Helm release shop (annotation meta.helm.sh/release-name); safety.ownership.helm is Recommend: ' +
        'recommending to rollout-restart Deployment shop/web instead of acting',
    });
  });

  describe('autoscaler', () => {
    const hpa = { kind: 'HorizontalPodAutoscaler' as const, name: 'keda-hpa-web' };

    it.each(ACTIONS)('blocks only Scale (%s)', (type) => {
      const input = passing();
      input.ownership = { autoscaler: hpa };
      input.action = { type };
      const result = checkGates(input);
      if (type === 'Scale') {
        expect(result).toEqual({
          allowed: false,
          reason: 'AutoscalerOwned',
          eventType: 'Warning',
          recommend: false,
          message:
            'HorizontalPodAutoscaler keda-hpa-web scales Deployment shop/web; Scale never fights an autoscaler',
        });
      } else {
        expect(result).toEqual({ allowed: true });
      }
    });

    it('blocks Scale regardless of ownership handling, even where a recommendation would otherwise be made', () => {
      for (const handling of ['Recommend', 'AllowNonConflicting'] as const) {
        const input = owned(handling, 'Scale');
        input.ownership.autoscaler = hpa;
        expect(checkGates(input)).toMatchObject({ reason: 'AutoscalerOwned', recommend: false });
      }
    });
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
    expect(Object.values(SkipReason)).toHaveLength(21);
  });
});

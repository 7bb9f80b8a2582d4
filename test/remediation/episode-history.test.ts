import { describe, expect, it } from 'vitest';
import { RemediationGates } from '../../src/controller/remediation-gates.js';
import type { EpisodeRecord } from '../../src/controller/remediation-runner.js';
import type { KubeObject } from '../../src/kube/kube-object.js';
import { validatePolicySpec } from '../../src/policy/validate.js';
import {
  type ActionEntry,
  appendAction,
  type EpisodeStatus,
  MAX_ACTION_ENTRIES,
  settleIntent,
} from '../../src/remediation/episode.js';
import { testPolicy } from '../support/policy-fixtures.js';

/**
 * The record's action history is bounded, and it is also what the rate limit counts: a blocked step retried every
 * cycle (a PodDisruptionBudget holding) must not push the episode's real actions out of it.
 */
const T0 = Date.parse('2026-12-01T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

const base: EpisodeStatus = {
  phase: 'Pending',
  stepIndex: 1,
  step: 'restart',
  attempts: 1,
  startTime: iso(T0 - 40 * 60_000),
  lastActionTime: iso(T0 - 30 * 60_000),
  actions: [
    {
      id: 'a1',
      step: 'roll',
      action: 'RolloutRestart',
      time: iso(T0 - 30 * 60_000),
      result: 'Succeeded',
      message: 'restarted',
    },
  ],
};

/** The same step blocked by a PDB once a minute for `cycles` minutes, as the runner settles it. */
function blockedEveryCycle(status: EpisodeStatus, cycles: number): EpisodeStatus {
  let s = status;
  for (let i = 0; i < cycles; i++) {
    const at = T0 - (cycles - i) * 60_000;
    const intent = { id: `i${i}`, step: 'restart', action: 'RestartPod', time: iso(at) };
    s = settleIntent(
      { ...s, phase: 'Acting', intent },
      intent,
      { result: 'blocked', reason: 'EvictionBlocked', message: 'a PodDisruptionBudget holds' },
      undefined,
      'web-uid',
      at,
    ).status;
  }
  return s;
}

describe('the bounded action history', () => {
  it('stays bounded', () => {
    expect(blockedEveryCycle(base, 25).actions).toHaveLength(MAX_ACTION_ENTRIES);
  });

  it('keeps the actions taken when skips overflow it, oldest skips going first', () => {
    const s = blockedEveryCycle(base, 25);
    expect(s.actions.filter((a) => a.result === 'Succeeded').map((a) => a.id)).toEqual(['a1']);
    expect(s.actions.at(-1)?.id).toBe('i24');
    expect(s.actions.map((a) => Date.parse(a.time))).toEqual(
      [...s.actions.map((a) => Date.parse(a.time))].sort((x, y) => x - y),
    );
  });

  it('drops the oldest entry when there is nothing but actions', () => {
    let s: EpisodeStatus = { ...base, actions: [] };
    const entry = (i: number): ActionEntry => ({
      id: `f${i}`,
      step: 'roll',
      action: 'RolloutRestart',
      time: iso(T0 + i),
      result: 'Failed',
      message: 'x',
    });
    for (let i = 0; i < MAX_ACTION_ENTRIES + 2; i++) s = appendAction(s, entry(i));
    expect(s.actions.map((a) => a.id)[0]).toBe('f2');
  });

  it('so the rate limit still counts an action half an hour old after 25 blocked retries', () => {
    const v = validatePolicySpec(
      testPolicy('p')
        .withActions({ name: 'roll', type: 'RolloutRestart' }, { name: 'restart', type: 'RestartPod' })
        .withSafety({ dryRun: false, maxActionsPerHour: 1, maxUnhealthy: '100%', cooldown: '1m' })
        .buildSpec(),
    );
    if (!v.valid) throw new Error(JSON.stringify(v.errors));
    const other: KubeObject = {
      kind: 'Deployment',
      metadata: { name: 'db', namespace: 'shop', uid: 'db-uid' },
    };
    const record: EpisodeRecord = {
      name: 'p-web',
      namespace: 'shop',
      targetUid: 'web-uid',
      target: { kind: 'Deployment', namespace: 'shop', name: 'web' },
      open: true,
      dryRun: false,
      resetRequested: false,
      status: blockedEveryCycle(base, 25),
    };
    const gates = new RemediationGates({ namespaceLabels: () => ({}), autoscalers: () => [] }, new Set());
    const verdict = gates.check(
      {
        policy: { kind: 'RemediationPolicy', metadata: { name: 'p', namespace: 'shop', uid: 'pol' } },
        spec: v.spec,
        assessment: {
          policy: 'shop/p',
          evaluatedAtMs: T0,
          targets: [],
          summary: { total: 2, healthy: 0, anomalous: 2, insufficientData: 0 },
          problems: [],
          warnings: [],
        },
        target: other,
        targetKey: 'db-uid',
        records: [record],
        nowMs: T0,
      },
      { name: 'roll', type: 'RolloutRestart', verificationWindowMs: 60_000 },
      { ...base, attempts: 0, actions: [] },
    );
    expect(verdict).toMatchObject({ allowed: false, reason: 'RateLimited' });
  });
});

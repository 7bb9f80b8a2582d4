import { describe, expect, it } from 'vitest';
import {
  type EpisodeStatus,
  type GateVerdict,
  type LadderStep,
  type PlanInput,
  planEpisode,
  settleIntent,
  WARM_UP_MS,
} from '../../src/remediation/episode.js';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const ladder: LadderStep[] = [
  { name: 'restart', type: 'RestartPod', verificationWindowMs: 300_000 },
  { name: 'roll', type: 'RolloutRestart', verificationWindowMs: 600_000 },
];
const allow = (): GateVerdict => ({ allowed: true });
let ids = 0;

function plan(over: Partial<PlanInput>) {
  return planEpisode({
    episode: undefined,
    observation: { state: 'anomalous', partial: false, fallbackOnly: false },
    config: { ladder, actOnFallback: false },
    gate: allow,
    targetName: 'Deployment shop/web',
    targetKey: 'uid-1',
    nowMs: T0,
    newId: () => `id-${++ids}`,
    ...over,
  });
}

/** Executes a plan's intent successfully and returns the settled status. */
function acted(status: EpisodeStatus, at: number) {
  const intent = status.intent;
  if (!intent) throw new Error('no intent');
  return settleIntent(
    status,
    intent,
    { result: 'done', message: 'evicted' },
    ladder[status.stepIndex],
    'uid-1',
    at,
  ).status;
}

describe('episode state machine', () => {
  it('does not open an episode for a healthy target or one without data', () => {
    for (const state of ['healthy', 'insufficient_data'] as const) {
      const p = plan({ observation: { state, partial: false, fallbackOnly: false } });
      expect(p.status).toBeUndefined();
      expect(p.execute).toBeUndefined();
    }
  });

  it('opens an episode on an anomaly and records the intent before acting', () => {
    const p = plan({});
    expect(p.status?.phase).toBe('Acting');
    expect(p.status?.intent).toEqual(p.execute);
    expect(p.execute).toMatchObject({ step: 'restart', action: 'RestartPod' });
    expect(p.status?.attempts).toBe(0);
  });

  it('verifies for the window, succeeds when healthy at the deadline', () => {
    const verifying = acted(plan({}).status as EpisodeStatus, T0);
    expect(verifying).toMatchObject({ phase: 'Verifying', attempts: 1 });
    const early = plan({
      episode: verifying,
      observation: { state: 'healthy', partial: false, fallbackOnly: false },
      nowMs: T0 + 299_000,
    });
    expect(early.status).toMatchObject({
      phase: 'Verifying',
      healthySince: new Date(T0 + 299_000).toISOString(),
    });
    expect(early.notes).toEqual([]);
    const due = plan({
      episode: verifying,
      observation: { state: 'healthy', partial: false, fallbackOnly: false },
      nowMs: T0 + 300_000,
    });
    expect(due.status).toMatchObject({ phase: 'Succeeded', outcome: 'resolved' });
    expect(due.closed).toBe(true);
    expect(due.notes.map((n) => n.reason)).toEqual(['RemediationSucceeded']);
  });

  it('does not count a single quiet cycle as a recovery (recoveryMs), and an anomaly resets the clock', async () => {
    const quiet = { state: 'healthy', partial: false, fallbackOnly: false } as const;
    const config = { ladder, actOnFallback: false, recoveryMs: 60_000 };
    const dry: GateVerdict = {
      allowed: false,
      reason: 'DryRun',
      message: 'would',
      eventType: 'Normal',
      recommend: true,
    };
    const recommended = plan({ gate: () => dry, config }).status as EpisodeStatus;
    const first = plan({ episode: recommended, observation: quiet, config, nowMs: T0 + 60_000 });
    expect(first.closed).toBe(false);
    const crashed = plan({ episode: first.status, config, nowMs: T0 + 90_000 });
    expect(crashed.status?.healthySince).toBeUndefined();
    const again = plan({ episode: crashed.status, observation: quiet, config, nowMs: T0 + 120_000 });
    expect(again.closed).toBe(false);
    const held = plan({ episode: again.status, observation: quiet, config, nowMs: T0 + 180_000 });
    expect(held.closed).toBe(true);
    expect(held.status?.outcome).toBe('resolved');
  });

  it('treats warm-up (no data yet) as still verifying for the warm-up time, then moves on', () => {
    const verifying = acted(plan({}).status as EpisodeStatus, T0);
    const noData = { state: 'insufficient_data', partial: false, fallbackOnly: false } as const;
    expect(plan({ episode: verifying, observation: noData, nowMs: T0 + 400_000 }).changed).toBe(false);
    expect(
      plan({ episode: verifying, observation: noData, nowMs: T0 + 300_000 + WARM_UP_MS - 1 }).changed,
    ).toBe(false);
    const after = plan({ episode: verifying, observation: noData, nowMs: T0 + 300_000 + WARM_UP_MS });
    expect(after.status).toMatchObject({ stepIndex: 1, step: 'roll' });
  });

  it('climbs the ladder while unhealthy, then escalates and stays escalated until recovery', () => {
    const first = acted(plan({}).status as EpisodeStatus, T0);
    const second = plan({ episode: first, nowMs: T0 + 300_000 });
    expect(second.execute).toMatchObject({ step: 'roll', action: 'RolloutRestart' });
    const verifying = acted(second.status as EpisodeStatus, T0 + 300_000);
    const exhausted = plan({ episode: verifying, nowMs: T0 + 900_000 });
    expect(exhausted.status?.phase).toBe('Escalated');
    expect(exhausted.notes[0]).toMatchObject({ type: 'Warning', reason: 'Escalated' });
    const still = plan({ episode: exhausted.status, nowMs: T0 + 2_000_000 });
    expect(still.changed).toBe(false);
    expect(still.execute).toBeUndefined();
    const reset = plan({ episode: exhausted.status, nowMs: T0 + 2_000_000, resetRequested: true });
    expect(reset.closed).toBe(true);
    expect(reset.notes[0]?.reason).toBe('EscalationReset');
  });

  it('records a repeated skip once, and a new reason again', () => {
    const cooldown: GateVerdict = {
      allowed: false,
      reason: 'Cooldown',
      message: 'cooldown',
      eventType: 'Normal',
      recommend: false,
    };
    const first = plan({ gate: () => cooldown });
    expect(first.status?.actions.map((a) => a.result)).toEqual(['Skipped']);
    const again = plan({ episode: first.status, gate: () => cooldown, nowMs: T0 + 60_000 });
    expect(again.changed).toBe(false);
    expect(again.notes).toEqual([]);
    const rate: GateVerdict = { ...cooldown, reason: 'RateLimited', message: 'rate' };
    const other = plan({ episode: first.status, gate: () => rate, nowMs: T0 + 120_000 });
    expect(other.notes.map((n) => n.key)).toEqual(['uid-1|restart|RateLimited']);
  });

  it('dry run records "would …" once per episode and never executes', () => {
    const dry: GateVerdict = {
      allowed: false,
      reason: 'DryRun',
      message: 'would restart pods of Deployment shop/web',
      eventType: 'Normal',
      recommend: true,
    };
    const first = plan({ gate: () => dry });
    expect(first.execute).toBeUndefined();
    expect(first.status).toMatchObject({ phase: 'Recommended' });
    expect(first.status?.actions[0]).toMatchObject({
      result: 'DryRun',
      message: 'would restart pods of Deployment shop/web',
    });
    const again = plan({ episode: first.status, gate: () => dry, nowMs: T0 + 60_000 });
    expect(again.changed).toBe(false);
    expect(again.notes).toEqual([]);
  });

  it('never acts on a partial picture, nor on the fallback detector alone unless allowed', () => {
    const partial = plan({ observation: { state: 'anomalous', partial: true, fallbackOnly: false } });
    expect(partial.execute).toBeUndefined();
    expect(partial.notes[0]?.reason).toBe('PartialData');
    const fallback = plan({ observation: { state: 'anomalous', partial: false, fallbackOnly: true } });
    expect(fallback.execute).toBeUndefined();
    expect(fallback.status?.phase).toBe('Recommended');
    const optedIn = plan({
      observation: { state: 'anomalous', partial: false, fallbackOnly: true },
      config: { ladder, actOnFallback: true },
    });
    expect(optedIn.execute).toBeDefined();
  });

  it('escalates when the gates say attempts are used up', () => {
    const used: GateVerdict = {
      allowed: false,
      reason: 'MaxAttempts',
      message: 'attempts: 3 of 3 used',
      eventType: 'Warning',
      recommend: false,
      escalate: true,
    };
    expect(plan({ gate: () => used }).status?.phase).toBe('Escalated');
  });

  it('resumes a persisted intent instead of deciding again (takeover)', () => {
    const acting = plan({}).status as EpisodeStatus;
    const resumed = plan({ episode: acting, nowMs: T0 + 30_000 });
    expect(resumed.execute).toEqual(acting.intent);
    expect(resumed.changed).toBe(false);
  });

  it('a blocked action (PDB 429) is a recorded skip that costs no attempt', () => {
    const acting = plan({}).status as EpisodeStatus;
    const intent = acting.intent;
    if (!intent) throw new Error('no intent');
    const s = settleIntent(
      acting,
      intent,
      { result: 'blocked', reason: 'EvictionBlocked', message: '429' },
      ladder[0],
      'uid-1',
      T0,
    );
    expect(s.status).toMatchObject({ phase: 'Pending', attempts: 0 });
    expect(s.status.intent).toBeUndefined();
    expect(s.note).toMatchObject({ type: 'Warning', reason: 'EvictionBlocked' });
  });
});

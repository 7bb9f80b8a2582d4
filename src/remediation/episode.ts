/**
 * One remediation episode of one target, as a pure state machine: given the episode's durable status (or none),
 * what detection says about the target now, and the safety gates' verdict for the current step, it returns the
 * next status and what to do. It never performs anything itself; the runner persists the returned status first
 * (the intent) and only then executes, so a crash or a lost lease between the two can be reconciled.
 *
 *   (none) ──anomalous──▶ Pending ──gates ok──▶ Acting ──done──▶ Verifying ──healthy at deadline──▶ Succeeded
 *                           │  ▲                   │                  │
 *                           │  └──blocked / failed─┘                  └──still unhealthy──▶ next step (Pending)
 *                           ├──dry run / recommend / fallback only──▶ Recommended (once per episode)
 *                           └──ladder exhausted / max attempts──▶ Escalated (until recovery or a reset)
 */

import {
  type ActionEntry,
  type ActionResult,
  appendAction,
  bounded,
  type EpisodeConfig,
  type EpisodeNote,
  type EpisodeOutcome,
  type EpisodePhase,
  type EpisodePlan,
  type EpisodeStatus,
  freshEpisode,
  type GateVerdict,
  type Intent,
  iso,
  type LadderStep,
  type TargetObservation,
  verbOf,
  WARM_UP_MS,
} from './episode-status.js';

export * from './episode-status.js';

export interface PlanInput {
  episode: EpisodeStatus | undefined;
  observation: TargetObservation;
  config: EpisodeConfig;
  /** The safety gates for a step of this episode, in the documented order (src/remediation/gates.ts). */
  gate: (step: LadderStep, episode: EpisodeStatus) => GateVerdict;
  /** "Deployment shop/web", for messages. */
  targetName: string;
  /** Stable key of the target (its uid), for Event deduplication. */
  targetKey: string;
  /** A person asked to reset an escalated episode (see docs/safety.md). */
  resetRequested?: boolean;
  nowMs: number;
  newId: () => string;
}

/** Decides the next state of one target's episode. Pure: the same input gives the same plan. */
export function planEpisode(input: PlanInput): EpisodePlan {
  const { observation: obs, config, nowMs, targetName } = input;
  const notes: EpisodeNote[] = [];
  const note = (n: Omit<EpisodeNote, 'key'>, step: string) =>
    notes.push({ ...n, message: bounded(n.message), key: `${input.targetKey}|${step}|${n.reason}` });
  const done = (status: EpisodeStatus | undefined, extra: Partial<EpisodePlan> = {}): EpisodePlan => ({
    status,
    changed: status !== input.episode,
    closed: false,
    notes,
    ...extra,
  });
  const close = (status: EpisodeStatus, outcome: EpisodeOutcome, phase: EpisodePhase): EpisodePlan =>
    done({ ...status, phase, outcome, completionTime: iso(nowMs) }, { closed: true });

  let episode = input.episode;
  if (!episode) {
    if (obs.state !== 'anomalous') return done(undefined);
    episode = freshEpisode(nowMs, config.ladder[0]);
  }

  if (episode.phase !== 'Acting' && episode.phase !== 'Succeeded' && episode.phase !== 'Failed') {
    episode = trackHealth(episode, obs.state === 'healthy', nowMs);
  }
  const since = Date.parse(episode.healthySince ?? '');
  const recovered =
    obs.state === 'healthy' && Number.isFinite(since) && nowMs - since >= (config.recoveryMs ?? 0);

  switch (episode.phase) {
    case 'Succeeded':
    case 'Failed':
      return done(episode);
    case 'Escalated': {
      if (input.resetRequested) {
        note(
          {
            type: 'Normal',
            reason: 'EscalationReset',
            message: `${targetName}: escalation reset by a person; remediation resumes on the next anomaly`,
            kind: 'resolved',
          },
          episode.step,
        );
        return close(episode, 'escalated', 'Escalated');
      }
      if (recovered) {
        note(
          {
            type: 'Normal',
            reason: 'Recovered',
            message: `${targetName} recovered after escalation`,
            kind: 'resolved',
          },
          episode.step,
        );
        return close(episode, 'escalated', 'Escalated');
      }
      return done(episode);
    }
    case 'Recommended':
      // Recorded once per episode; the episode ends when the target recovers (by a person or by itself).
      if (recovered) return close(episode, 'resolved', 'Succeeded');
      return done(episode);
    case 'Acting':
      // The intent was persisted but its outcome was not: the runner reconciles it against the cluster.
      return done(episode, episode.intent ? { execute: episode.intent } : {});
    case 'Verifying': {
      const deadline = Date.parse(episode.verifyDeadline ?? '') || nowMs;
      if (nowMs < deadline) return done(episode);
      // Healthy, but not for long enough yet: judged again next cycle.
      if (obs.state === 'healthy' && !recovered) return done(episode);
      if (recovered) {
        note(
          {
            type: 'Normal',
            reason: 'RemediationSucceeded',
            message: `${targetName} is healthy after step ${episode.step} (attempt ${episode.attempts})`,
            kind: 'resolved',
          },
          episode.step,
        );
        return close(episode, 'resolved', 'Succeeded');
      }
      const step = config.ladder[episode.stepIndex];
      const graceMs = Math.max(step?.verificationWindowMs ?? 0, config.warmUpMs ?? WARM_UP_MS);
      // A restarted pod is a new pod whose features take a while to exist: warm-up is still verifying, for the
      // longer of one more window and the warm-up time.
      if (obs.state === 'insufficient_data' && nowMs < deadline + graceMs) return done(episode);
      const next = episode.stepIndex + 1;
      if (next >= config.ladder.length) return escalate(episode, 'the ladder is exhausted');
      const advanced: EpisodeStatus = {
        ...episode,
        phase: 'Pending',
        stepIndex: next,
        step: config.ladder[next]?.name ?? '',
      };
      delete advanced.verifyDeadline;
      delete advanced.lastSkip;
      return pending(advanced);
    }
    case 'Pending':
      return pending(episode);
  }

  function escalate(status: EpisodeStatus, why: string): EpisodePlan {
    note(
      {
        type: 'Warning',
        reason: 'Escalated',
        message: `${targetName}: ${why} after ${status.attempts} attempt(s); no more actions until it recovers or a person resets it`,
        kind: 'escalated',
      },
      status.step,
    );
    const escalated: EpisodeStatus = { ...status, phase: 'Escalated', outcome: 'escalated' };
    return done(escalated);
  }

  function skip(
    status: EpisodeStatus,
    step: LadderStep,
    reason: string,
    message: string,
    type: 'Normal' | 'Warning',
  ): EpisodePlan {
    const key = `${step.name}|${reason}`;
    if (status.lastSkip === key) return done(status);
    note({ type, reason, message, kind: 'skipped', action: step.type }, step.name);
    const entry: ActionEntry = {
      id: input.newId(),
      step: step.name,
      action: step.type,
      time: iso(nowMs),
      result: 'Skipped',
      reason,
      message,
    };
    return done({ ...appendAction(status, entry), lastSkip: key });
  }

  function recommend(
    status: EpisodeStatus,
    step: LadderStep,
    reason: string,
    message: string,
    result: ActionResult,
  ): EpisodePlan {
    note({ type: 'Normal', reason, message, kind: 'recommended', action: step.type }, step.name);
    const entry: ActionEntry = {
      id: input.newId(),
      step: step.name,
      action: step.type,
      time: iso(nowMs),
      result,
      reason,
      message,
    };
    return done({ ...appendAction(status, entry), phase: 'Recommended' });
  }

  function pending(status: EpisodeStatus): EpisodePlan {
    if (obs.state === 'healthy' && !recovered) return done(status);
    if (recovered) {
      note(
        { type: 'Normal', reason: 'Recovered', message: `${targetName} recovered`, kind: 'resolved' },
        status.step,
      );
      return close(status, 'resolved', 'Succeeded');
    }
    const step = config.ladder[status.stepIndex];
    if (!step) return escalate(status, 'the policy has no remediation step to take');
    if (obs.state === 'insufficient_data')
      return skip(
        status,
        step,
        'InsufficientData',
        `${targetName}: not enough data to decide; not acting`,
        'Normal',
      );
    if (obs.partial)
      return skip(
        status,
        step,
        'PartialData',
        `${targetName}: the metrics were a partial response; not acting on a partial picture`,
        'Warning',
      );
    if (step.type === 'RecommendOnly')
      return recommend(
        status,
        step,
        'RecommendOnly',
        `${targetName} is anomalous; step ${step.name} recommends a person look at it`,
        'Recommended',
      );
    if (obs.fallbackOnly && !config.actOnFallback)
      return recommend(
        status,
        step,
        'FallbackOnly',
        `${targetName}: only the fallback detector calls it anomalous; recommending to ${verbOf(step.type)} it (set detection.ml.actOnFallback to act)`,
        'Recommended',
      );
    const verdict = input.gate(step, status);
    if (!verdict.allowed) {
      if (verdict.escalate) return escalate(status, verdict.message);
      if (verdict.reason === 'DryRun') return recommend(status, step, 'DryRun', verdict.message, 'DryRun');
      if (verdict.recommend) return recommend(status, step, verdict.reason, verdict.message, 'Recommended');
      return skip(status, step, verdict.reason, verdict.message, verdict.eventType);
    }
    const intent: Intent = { id: input.newId(), step: step.name, action: step.type, time: iso(nowMs) };
    const acting: EpisodeStatus = { ...status, phase: 'Acting', intent };
    delete acting.lastSkip;
    return done(acting, { execute: intent });
  }
}

/** Keeps `healthySince`; returns the same object when nothing changed (so an unchanged episode is not rewritten). */
function trackHealth(status: EpisodeStatus, healthy: boolean, nowMs: number): EpisodeStatus {
  if (healthy) return status.healthySince ? status : { ...status, healthySince: iso(nowMs) };
  if (!status.healthySince) return status;
  const next = { ...status };
  delete next.healthySince;
  return next;
}

/** What happened when the runner executed an intent. */
export type ExecutionResult =
  | { result: 'done'; message: string }
  | { result: 'blocked'; reason: string; message: string }
  | { result: 'failed'; message: string };

/**
 * Settles an executed intent: done → verifying for the step's window; blocked (a PDB's 429, a precondition) →
 * a recorded skip that costs no attempt; failed → a failed attempt (it counts, and the cooldown applies).
 */
export function settleIntent(
  status: EpisodeStatus,
  intent: Intent,
  outcome: ExecutionResult,
  step: LadderStep | undefined,
  targetKey: string,
  nowMs: number,
): { status: EpisodeStatus; note: EpisodeNote } {
  const base: EpisodeStatus = { ...status };
  delete base.intent;
  const key = (reason: string) => `${targetKey}|${intent.step}|${reason}`;
  const entry = (result: ActionResult, message: string, reason?: string): ActionEntry => ({
    id: intent.id,
    step: intent.step,
    action: intent.action,
    time: iso(nowMs),
    result,
    ...(reason ? { reason } : {}),
    message,
  });
  switch (outcome.result) {
    case 'done':
      return {
        status: {
          ...appendAction(base, entry('Succeeded', outcome.message)),
          phase: 'Verifying',
          attempts: status.attempts + 1,
          lastActionTime: iso(nowMs),
          verifyDeadline: iso(nowMs + (step?.verificationWindowMs ?? 0)),
        },
        note: {
          type: 'Normal',
          reason: 'Remediated',
          message: bounded(outcome.message),
          key: key('Remediated'),
          kind: 'acted',
          action: intent.action,
        },
      };
    case 'blocked':
      return {
        status: {
          ...appendAction(base, entry('Skipped', outcome.message, outcome.reason)),
          phase: 'Pending',
          lastSkip: `${intent.step}|${outcome.reason}`,
        },
        note: {
          type: 'Warning',
          reason: outcome.reason,
          message: bounded(outcome.message),
          key: key(outcome.reason),
          kind: 'skipped',
          action: intent.action,
        },
      };
    case 'failed':
      return {
        status: {
          ...appendAction(base, entry('Failed', outcome.message, 'ActionFailed')),
          phase: 'Pending',
          attempts: status.attempts + 1,
          lastActionTime: iso(nowMs),
        },
        note: {
          type: 'Warning',
          reason: 'RemediationFailed',
          message: bounded(outcome.message),
          key: key('RemediationFailed'),
          kind: 'failed',
          action: intent.action,
        },
      };
  }
}

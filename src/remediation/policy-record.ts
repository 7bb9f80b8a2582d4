import { derivePhase, setCondition } from '../policy/conditions.js';
import {
  boundedLastAction,
  type Counters,
  type HistoryResult,
  type LastAction,
  type PolicyStatus,
  prependHistory,
} from '../policy/status-types.js';
import type { EpisodeNote } from './episode.js';

/** What one remediation pass over a policy contributes to its status (the runner owns these fields). */
export interface PolicyRecordDelta {
  entries: Array<{
    time: string;
    target: { kind: string; namespace: string; name: string };
    step: string;
    attempt?: number;
    dryRun: boolean;
    note: EpisodeNote;
  }>;
  storm?: { active: boolean; message: string };
  /** Targets whose episode is escalated right now (names, for the condition message). */
  escalated: string[];
}

const HISTORY_RESULT: Record<EpisodeNote['kind'], HistoryResult> = {
  acted: 'Verifying',
  skipped: 'Skipped',
  escalated: 'Escalated',
  resolved: 'Succeeded',
  recommended: 'Recommended',
  failed: 'Failed',
};

/**
 * Applies a remediation pass to the policy's status: newest-first bounded history, lastAction, counters, and the
 * StormActive and Escalated conditions. Pure over the status it is given, so the status writer can re-apply it
 * to a fresh read after a conflict. Fields it does not own are carried over untouched.
 */
export function applyRemediationDelta(
  previous: PolicyStatus,
  delta: PolicyRecordDelta,
  generation: number | undefined,
  nowIso: string,
): PolicyStatus {
  let history = previous.history ?? [];
  const counters: Counters = {
    actions: 0,
    skips: 0,
    escalations: 0,
    succeeded: 0,
    failed: 0,
    ...previous.counters,
  };
  let lastAction: LastAction | undefined = previous.lastAction;
  for (const e of delta.entries) {
    const result: HistoryResult =
      e.note.kind === 'recommended' && e.note.reason === 'DryRun' ? 'DryRun' : HISTORY_RESULT[e.note.kind];
    const action = (e.note.action ?? e.note.reason).slice(0, 63);
    history = prependHistory(history, {
      time: e.time,
      target: e.target,
      action,
      step: e.step.slice(0, 63),
      ...(e.attempt ? { attempt: e.attempt } : {}),
      result,
      ...(e.dryRun ? { dryRun: true } : {}),
      reason: e.note.reason,
      message: e.note.message,
    });
    if (e.note.kind === 'acted' || e.note.kind === 'failed') counters.actions++;
    if (e.note.kind === 'skipped') counters.skips++;
    if (e.note.kind === 'escalated') counters.escalations++;
    if (e.note.kind === 'resolved' && e.note.reason === 'RemediationSucceeded') counters.succeeded++;
    if (e.note.kind === 'failed') counters.failed++;
    if (e.note.kind === 'acted' || e.note.kind === 'failed' || e.note.kind === 'recommended') {
      lastAction = boundedLastAction({
        time: e.time,
        target: e.target,
        step: e.step.slice(0, 63),
        action,
        result,
        message: e.note.message,
      });
    }
  }
  let conditions = previous.conditions ?? [];
  if (delta.storm) {
    conditions = setCondition(
      conditions,
      delta.storm.active
        ? { type: 'StormActive', status: 'True', reason: 'StormDetected', message: delta.storm.message }
        : { type: 'StormActive', status: 'False', reason: 'NoStorm', message: delta.storm.message },
      nowIso,
      generation,
    );
  }
  conditions = setCondition(
    conditions,
    delta.escalated.length > 0
      ? {
          type: 'Escalated',
          status: 'True',
          reason: 'LadderExhausted',
          message: `escalated, waiting for recovery or a reset: ${delta.escalated.join(', ')}`,
        }
      : { type: 'Escalated', status: 'False', reason: 'NotEscalated', message: '' },
    nowIso,
    generation,
  );
  return {
    ...previous,
    history,
    counters,
    ...(lastAction ? { lastAction } : {}),
    conditions,
    phase: derivePhase(conditions),
  };
}

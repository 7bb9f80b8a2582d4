import { setCondition } from '../policy/conditions.js';
import type { PolicyStatus } from '../policy/status-types.js';
import { type EpisodeNote, MAX_MESSAGE } from './episode.js';

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

const HISTORY_RESULT: Record<EpisodeNote['kind'], string> = {
  acted: 'Verifying',
  skipped: 'Skipped',
  escalated: 'Escalated',
  resolved: 'Succeeded',
  recommended: 'Recommended',
  failed: 'Failed',
};

const MAX_HISTORY = 20;

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
  const status: PolicyStatus & Record<string, unknown> = { ...previous };
  const history = [...(previous.history ?? [])];
  const counters = {
    actions: 0,
    skips: 0,
    escalations: 0,
    succeeded: 0,
    failed: 0,
    ...readCounters(previous),
  };
  let lastAction: Record<string, unknown> | undefined;
  for (const e of delta.entries) {
    const result =
      e.note.kind === 'recommended' && e.note.reason === 'DryRun' ? 'DryRun' : HISTORY_RESULT[e.note.kind];
    history.unshift({
      time: e.time,
      target: e.target,
      action: e.note.action ?? e.note.reason,
      ...(e.attempt ? { attempt: e.attempt } : {}),
      result: result as NonNullable<PolicyStatus['history']>[number]['result'],
      ...(e.dryRun ? { dryRun: true } : {}),
      reason: e.note.reason,
      message: e.note.message.slice(0, MAX_MESSAGE),
      step: e.step,
    } as NonNullable<PolicyStatus['history']>[number]);
    if (e.note.kind === 'acted' || e.note.kind === 'failed') counters.actions++;
    if (e.note.kind === 'skipped') counters.skips++;
    if (e.note.kind === 'escalated') counters.escalations++;
    if (e.note.kind === 'resolved' && e.note.reason === 'RemediationSucceeded') counters.succeeded++;
    if (e.note.kind === 'failed') counters.failed++;
    if (e.note.kind === 'acted' || e.note.kind === 'failed' || e.note.kind === 'recommended') {
      lastAction = {
        time: e.time,
        target: e.target,
        step: e.step,
        action: e.note.action ?? e.note.reason,
        result,
        message: e.note.message.slice(0, MAX_MESSAGE),
      };
    }
  }
  status.history = history.slice(0, MAX_HISTORY);
  status.counters = counters;
  if (lastAction) status.lastAction = lastAction;
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
          message: `escalated, waiting for recovery or a reset: ${delta.escalated.join(', ')}`.slice(
            0,
            MAX_MESSAGE,
          ),
        }
      : { type: 'Escalated', status: 'False', reason: 'NotEscalated', message: '' },
    nowIso,
    generation,
  );
  status.conditions = conditions;
  return status;
}

function readCounters(status: PolicyStatus): Record<string, number> {
  const raw = (status as Record<string, unknown>).counters;
  if (!raw || typeof raw !== 'object') return {};
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(raw))
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) out[k] = v;
  return out;
}

/**
 * The vocabulary of a remediation episode: its durable status (kept in a Remediation record), the intent, the
 * action entries, what detection and the gates say, and the small pure helpers the state machine (episode.ts)
 * and its settlement share.
 */

import type { ActionResult, Outcome, RemediationPhase } from './record.js';

/** One vocabulary with the Remediation record (record.ts and crds/remediation.yaml) the episode is kept in. */
export type { ActionResult };
export type EpisodePhase = RemediationPhase;
export type EpisodeOutcome = Outcome;

/** What the runner is about to do, persisted before it does it. */
export interface Intent {
  id: string;
  step: string;
  action: string;
  time: string;
  /** RestartPod: the pods to evict, by uid (a same-named successor is never touched). */
  pods?: Array<{ name: string; uid: string }>;
  /** What the cluster looks like once the action happened, so a successor can tell (e.g. restartedAt). */
  expected?: Record<string, string | number>;
}

export interface ActionEntry {
  id: string;
  step: string;
  action: string;
  time: string;
  result: ActionResult;
  reason?: string;
  message: string;
}

export interface EpisodeStatus {
  phase: EpisodePhase;
  stepIndex: number;
  step: string;
  attempts: number;
  startTime: string;
  lastActionTime?: string;
  verifyDeadline?: string;
  completionTime?: string;
  intent?: Intent;
  actions: ActionEntry[];
  outcome?: EpisodeOutcome;
  /** Since when the target has been healthy without interruption (absent while it is not). */
  healthySince?: string;
  /** The last skip recorded (reason + step), so a skip that repeats every cycle is recorded once. */
  lastSkip?: string;
}

export interface LadderStep {
  name: string;
  type: string;
  verificationWindowMs: number;
}

/** What detection says about the target this cycle. */
export interface TargetObservation {
  state: 'healthy' | 'anomalous' | 'insufficient_data';
  /** The metrics came with warnings (a Thanos partial response): never act on a partial picture. */
  partial: boolean;
  /** Only the local fallback detector or cached answers called it anomalous (no rule, no live model). */
  fallbackOnly: boolean;
}

export type GateVerdict =
  | { allowed: true }
  | {
      allowed: false;
      reason: string;
      message: string;
      eventType: 'Normal' | 'Warning';
      recommend: boolean;
      escalate?: boolean;
    };

export interface EpisodeConfig {
  ladder: readonly LadderStep[];
  actOnFallback: boolean;
  /**
   * How long past its verification deadline a target without data is still warming up (a restarted pod is a
   * new pod: its 5-minute features need 5 minutes). Default WARM_UP_MS.
   */
  warmUpMs?: number;
  /**
   * How long a target must stay healthy before the episode counts it as recovered: one quiet cycle is not a
   * recovery (a crash loop is quiet between its restarts). The runner uses the evaluation interval, so it takes
   * two healthy evaluations in a row. Default 0 (the first healthy judgement).
   */
  recoveryMs?: number;
}

/** A new pod's feature vector is complete after its 5-minute window plus a query step and a scrape. */
export const WARM_UP_MS = 7 * 60_000;

/** Something for Events and metrics; `key` is stable (target + step + reason), never the message. */
export interface EpisodeNote {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  key: string;
  /** For metrics: an action result, a skip, an escalation, or a resolution. */
  kind: 'acted' | 'skipped' | 'escalated' | 'resolved' | 'recommended' | 'failed';
  action?: string;
}

export interface EpisodePlan {
  /** The status to persist; undefined when there is no episode and none starts. */
  status: EpisodeStatus | undefined;
  /** True when the status differs from the one given (a write is needed). */
  changed: boolean;
  /** Execute this intent after the status (which carries it) is persisted. */
  execute?: Intent;
  /** The episode ended: the record is closed. */
  closed: boolean;
  notes: EpisodeNote[];
}

export const MAX_ACTION_ENTRIES = 20;
export const MAX_MESSAGE = 1024;

export const iso = (ms: number) => new Date(ms).toISOString();
export const bounded = (text: string) =>
  text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;

/** The verb a step performs, for "would …" and Event messages. */
export function verbOf(type: string): string {
  switch (type) {
    case 'RestartPod':
      return 'restart pods of';
    case 'RolloutRestart':
      return 'rollout-restart';
    case 'Scale':
      return 'scale';
    case 'Rollback':
      return 'roll back';
    default:
      return 'recommend an action for';
  }
}

/**
 * Appends an entry, newest last, bounded to MAX_ACTION_ENTRIES. The oldest skip or recommendation goes first: the
 * Succeeded and Failed entries are what the rate limit counts, and a step blocked every cycle (a PDB holding)
 * would otherwise push them out within minutes.
 */
export function appendAction(status: EpisodeStatus, entry: ActionEntry): EpisodeStatus {
  const actions = [...status.actions, { ...entry, message: bounded(entry.message) }];
  while (actions.length > MAX_ACTION_ENTRIES) {
    const skip = actions.findIndex((a) => a.result !== 'Succeeded' && a.result !== 'Failed');
    actions.splice(skip >= 0 ? skip : 0, 1);
  }
  return { ...status, actions };
}

export function freshEpisode(nowMs: number, first: LadderStep | undefined): EpisodeStatus {
  return {
    phase: 'Pending',
    stepIndex: 0,
    step: first?.name ?? '',
    attempts: 0,
    startTime: iso(nowMs),
    actions: [],
  };
}

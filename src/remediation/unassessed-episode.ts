/** Episodes the runner can no longer judge: their target was deleted, replaced, or deselected. */
import type { EpisodeNote, EpisodePlan, EpisodeStatus } from './episode.js';
import { truncateMessage } from './record.js';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The open episode of a target this pass did not assess: deleted (or replaced under its name), or no longer
 * selected by the policy. Nothing is executed for it, ever; left open it would hold a concurrency slot and the
 * blast radius forever. An escalated episode of a target that still exists stays until a person resets it.
 */
export function planUnassessed(input: {
  episode: EpisodeStatus;
  gone: boolean;
  resetRequested: boolean;
  targetName: string;
  targetKey: string;
  nowMs: number;
}): EpisodePlan {
  const { episode, targetName, nowMs } = input;
  const notes: EpisodeNote[] = [];
  const closed = (status: EpisodeStatus, reason: string, message: string): EpisodePlan => {
    notes.push({
      type: 'Normal',
      reason,
      message: truncateMessage(message),
      key: `${input.targetKey}|${status.step}|${reason}`,
      kind: 'resolved',
    });
    const next: EpisodeStatus = { ...status, completionTime: iso(nowMs) };
    delete next.intent;
    return { status: next, changed: true, closed: true, notes };
  };
  if (episode.phase === 'Escalated') {
    if (input.resetRequested)
      return closed(
        episode,
        'EscalationReset',
        `${targetName}: escalation reset by a person; remediation resumes on the next anomaly`,
      );
    if (input.gone) return closed(episode, 'TargetGone', `${targetName} no longer exists; episode closed`);
    return { status: episode, changed: false, closed: false, notes };
  }
  const why = input.gone ? 'no longer exists' : 'is no longer selected by the policy';
  return closed(
    { ...episode, phase: 'Failed' },
    input.gone ? 'TargetGone' : 'TargetNotSelected',
    `${targetName} ${why}; episode closed without further action`,
  );
}

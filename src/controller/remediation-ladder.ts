import { parseDuration } from '../policy/duration.js';
import type { PolicySpec } from '../policy/spec-schema.js';
import type { LadderStep } from '../remediation/episode.js';

export const ladderOf = (spec: PolicySpec): LadderStep[] =>
  spec.actions.map((a) => ({
    name: a.name,
    type: a.type,
    verificationWindowMs: parseDuration(a.verificationWindow),
  }));

/** What a standalone Pod can undergo: it has no template to restart, no replicas to scale, no revisions. */
const POD_ACTIONS: ReadonlySet<string> = new Set(['RestartPod', 'RecommendOnly']);

/**
 * The ladder as it applies to one target: steps that cannot act on its kind are left out, so a Pod target climbs
 * past RolloutRestart, Scale and Rollback (never attempted on a Pod) and escalates when nothing is left.
 */
export const ladderFor = (spec: PolicySpec, kind: string | undefined): LadderStep[] =>
  ladderOf(spec).filter((s) => kind !== 'Pod' || POD_ACTIONS.has(s.type));

/** The ladders of one remediation pass by target kind: built once per pass, not once per target. */
export function laddersByKind(spec: PolicySpec): (kind: string | undefined) => LadderStep[] {
  const ladders = new Map<string | undefined, LadderStep[]>();
  return (kind) => {
    const known = ladders.get(kind);
    if (known) return known;
    const ladder = ladderFor(spec, kind);
    ladders.set(kind, ladder);
    return ladder;
  };
}
